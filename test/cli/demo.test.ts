/**
 * `--demo`: the embedded simulator polled through the real CLI, once to stdout and as a
 * server that shuts down cleanly on SIGTERM.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_CREDENTIAL } from '../../src/simulator/index.js';
import { find, parseExposition, valueOf } from '../support/exposition.js';
import { promtool } from '../support/promtool.js';
import { CliProcess, STACK_LINE, killAll, listeningPort, runCli, waitForStatus } from './cli-process.js';

afterEach(killAll);

describe('dbs-exporter --demo', () => {
  it('--once prints an exposition that promtool accepts, with the 8 demo plans and build info, and exits 0', async () => {
    const run = await runCli(['--demo', '--once']);
    expect(run.code, run.stderr).toBe(0);
    const lint = promtool(['check', 'metrics'], run.stdout);
    expect(lint.stdout + lint.stderr).toBe('');
    expect(lint.status).toBe(0);
    const m = parseExposition(run.stdout);
    const plans = find(m, 'dbs_backup_plan_info', { account: 'demo' });
    expect(plans).toHaveLength(8);
    expect(new Set(plans.map((s) => s.labels.backup_plan_id)).size).toBe(8);
    expect(valueOf(m, 'dbs_exporter_build_info', { version: '0.1.0' })).toBe(1);
    expect(valueOf(m, 'dbs_exporter_target_up', { account: 'demo' })).toBe(1);
    // Logs go to stderr, never into the exposition; the demo secret goes nowhere.
    expect(run.stdout).not.toContain('collection cycle finished');
    expect(run.stderr).toContain('collection cycle finished');
    expect(run.stdout + run.stderr).not.toContain(DEMO_CREDENTIAL.accessKeySecret);
  });

  it('serves: logs where it listens, becomes ready, serves dbs_ series, and exits 0 on SIGTERM', async () => {
    const exporter = new CliProcess(['--demo', '--web.listen-address', '127.0.0.1:0']);
    const port = await exporter.waitFor(listeningPort, 15_000, 'the "dbs-exporter listening" log line');
    expect(port).toBeGreaterThan(0);
    // The default (logfmt) line a user reads.
    expect(exporter.stderr).toMatch(/^ts=\S+ level=info msg="dbs-exporter listening" address=127\.0\.0\.1:\d+ telemetry_path=\/metrics targets=1 app=dbs-exporter$/m);
    expect(exporter.stderr).toContain(`curl -s http://127.0.0.1:${port}/metrics | grep ^dbs_`);

    await waitForStatus(`http://127.0.0.1:${port}/-/ready`, 200, 5_000);
    const res = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(res.status).toBe(200);
    const m = parseExposition(await res.text());
    expect(find(m, 'dbs_backup_plan_info', { account: 'demo' })).toHaveLength(8);
    expect(m.filter((s) => s.name.startsWith('dbs_backup_')).length).toBeGreaterThan(50);
    // A long-running server carries the process metrics --once leaves out.
    expect(m.some((s) => s.name === 'process_cpu_seconds_total')).toBe(true);

    const started = Date.now();
    exporter.signal('SIGTERM');
    const exit = await exporter.exit(5_000);
    expect(exit.code).toBe(0);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(exit.stderr).toContain('shutting down');
    expect(exit.stderr).toMatch(/^ts=\S+ level=info msg=stopped app=dbs-exporter$/m);
    expect(exit.stderr).not.toMatch(STACK_LINE);
    await expect(fetch(`http://127.0.0.1:${port}/-/healthy`)).rejects.toThrow();
  });
});
