/**
 * The CLI polling a simulator this test process runs: secrets read from the environment
 * never reach stdout or stderr (debug level, JSON, failing polls included), each cycle
 * logs one summary line, and a second signal during a slow shutdown exits at once.
 * Also `dbs-exporter simulate`.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEMO_CREDENTIAL, type Simulator } from '../../src/simulator/index.js';
import { parseExposition, valueOf } from '../support/exposition.js';
import { freePort } from '../support/ports.js';
import { scratchDir, simulatorsForCli, writeCliConfig } from '../support/scratch.js';
import { CliProcess, STACK_LINE, jsonLines, listeningPort } from './cli-process.js';

const KEY_ID = 'LTAI5tLeakTestKeyId';
const SECRET = 'S3cr3t-SHOULD-NOT-LEAK';
const TOKEN = 'STS-T0ken-SHOULD-NOT-LEAK';
const ENV = { LEAK_TEST_SECRET: SECRET, LEAK_TEST_TOKEN: TOKEN };

const dir = scratchDir('dbs-cli-sim-');
const startSimulator = simulatorsForCli();

const simulator = (): Promise<Simulator> =>
  startSimulator({ credentials: [{ accessKeyId: KEY_ID, accessKeySecret: SECRET, securityToken: TOKEN }], scenario: { plans: 3 } });

const CREDENTIALS = `{ type: sts, access_key_id: ${KEY_ID}, access_key_secret_env: LEAK_TEST_SECRET, security_token_env: LEAK_TEST_TOKEN }`;
const configFor = (sim: Simulator, name: string, extra: string[] = []): string =>
  writeCliConfig(join(dir, name), { name: 'leak', simulator: sim, credentials: CREDENTIALS }, extra);

const cycleLines = (p: CliProcess) => jsonLines(p.stderr).filter((l) => typeof l.msg === 'string' && l.msg.startsWith('collection cycle finished'));

async function scrape(port: number) {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`);
  return parseExposition(await res.text());
}

describe('the exporter against a simulator with its own credential', () => {
  it('never prints the secret or the STS token, and logs one summary line per cycle, with errors when polls fail', async () => {
    const sim = await simulator();
    const exporter = new CliProcess(
      ['--config', configFor(sim, 'leak.yml'), '--log.level', 'debug', '--log.format', 'json', '--web.listen-address', '127.0.0.1:0'],
      ENV,
    );
    const port = await exporter.waitFor(listeningPort, 15_000, 'the listening line');
    await exporter.waitFor((p) => (cycleLines(p).length >= 1 ? true : undefined), 10_000, 'the first cycle');
    // The credential works: the first cycle succeeded.
    expect(cycleLines(exporter)[0]).toMatchObject({ msg: 'collection cycle finished', cycle: 1, plans_polled: 3, api_errors: 0, level: 30 });
    expect(valueOf(await scrape(port), 'dbs_exporter_target_up', { account: 'leak' })).toBe(1);

    sim.faults.set({ kind: 'forbidden' });
    const okCycles = cycleLines(exporter).length;
    await exporter.waitFor((p) => (cycleLines(p).filter((l) => l.msg === 'collection cycle finished with errors').length >= 2 ? true : undefined), 10_000, 'two failed cycles');
    expect(valueOf(await scrape(port), 'dbs_exporter_target_up', { account: 'leak' })).toBe(0);
    exporter.signal('SIGTERM');
    const exit = await exporter.exit(5_000);
    expect(exit.code).toBe(0);

    // Exactly one summary line per cycle, numbered 1, 2, 3, ... without gaps or repeats.
    const lines = cycleLines(exporter);
    expect(lines.map((l) => l.cycle)).toEqual(lines.map((_, i) => i + 1));
    const failed = lines.slice(okCycles).filter((l) => l.msg === 'collection cycle finished with errors');
    expect(failed.length).toBeGreaterThanOrEqual(2);
    // The cycle in flight when the fault was set may have finished either way; every later one failed.
    for (const line of lines.slice(okCycles + 1)) {
      expect(line).toMatchObject({ msg: 'collection cycle finished with errors', level: 40, target_failures: 1 });
      expect(line.errors).toEqual([expect.objectContaining({ kind: 'forbidden:Request.Forbidden', count: 1, accounts: ['leak'] })]);
    }

    const everything = exit.stdout + exit.stderr;
    expect(everything).not.toContain(SECRET);
    expect(everything).not.toContain(TOKEN);
    expect(everything).not.toMatch(STACK_LINE);
    expect(everything).toContain('dbs-exporter listening');
  });

  it('a second signal while a slow cycle holds up the shutdown exits at once with code 1', async () => {
    const sim = await simulator();
    // Every DBS call hangs for 20s, so the first cycle is still in flight when SIGTERM arrives
    // and the shutdown waits for it (up to 10s).
    sim.faults.set({ kind: 'latency', ms: 20_000 });
    const exporter = new CliProcess(
      ['--config', configFor(sim, 'slow.yml', ['  request_timeout: 30s']), '--log.format', 'json', '--web.listen-address', '127.0.0.1:0'],
      ENV,
    );
    // The first cycle starts before the listening line is written.
    await exporter.waitFor(listeningPort, 15_000, 'the listening line');
    exporter.signal('SIGTERM');
    await exporter.waitFor((p) => (p.stderr.includes('"msg":"shutting down"') ? true : undefined), 5_000, 'the shutting down line');
    // Still stopping: the cycle is stuck in the simulator.
    await new Promise((r) => setTimeout(r, 300));
    expect(exporter.child.exitCode).toBeNull();
    const second = Date.now();
    exporter.signal('SIGINT');
    const exit = await exporter.exit(3_000);
    expect(Date.now() - second).toBeLessThan(2_000);
    expect(exit.code).toBe(1);
    const warn = jsonLines(exit.stderr).find((l) => l.msg === 'second signal: exiting at once');
    expect(warn).toMatchObject({ level: 40, signal: 'SIGINT' });
    expect(exit.stderr).not.toContain('"msg":"stopped"');
    expect(exit.stdout + exit.stderr).not.toContain(SECRET);
  });
});

describe('--once against a failing account', () => {
  it('still prints the exposition, with the target down, and exits 1', async () => {
    const sim = await simulator();
    sim.faults.set({ kind: 'forbidden' });
    const run = await new CliProcess(['--config', configFor(sim, 'once.yml'), '--once', '--log.format', 'json'], ENV).exit(15_000);
    expect(run.code).toBe(1);
    const m = parseExposition(run.stdout);
    expect(valueOf(m, 'dbs_exporter_target_up', { account: 'leak' })).toBe(0);
    expect(jsonLines(run.stderr).filter((l) => l.msg === 'collection cycle finished with errors')).toHaveLength(1);
    expect(run.stdout + run.stderr).not.toContain(SECRET);
    expect(run.stdout + run.stderr).not.toContain(TOKEN);
  });
});

describe('dbs-exporter simulate', () => {
  it('logs its endpoint and access key id, never the demo secret, and answers on that port', async () => {
    const port = await freePort();
    const sim = new CliProcess(['simulate', '--port', String(port)]);
    await sim.waitFor((p) => (p.stdout.includes('admin API') ? true : undefined), 15_000, 'the startup lines');
    expect(sim.stdout).toContain(`DBS simulator listening on http://127.0.0.1:${port} (endpoint 127.0.0.1:${port}, API version 2019-03-06)`);
    expect(sim.stdout).toContain(`8 backup plans in cn-hangzhou; access key id ${DEMO_CREDENTIAL.accessKeyId}`);
    const plans = (await (await fetch(`http://127.0.0.1:${port}/_sim/plans`)).json()) as unknown[];
    expect(plans).toHaveLength(8);
    expect(sim.output).not.toContain(DEMO_CREDENTIAL.accessKeySecret);
    expect(sim.output).not.toContain('demo-secret-not-real');
    sim.signal('SIGTERM');
    await sim.exit(5_000);
  });
});
