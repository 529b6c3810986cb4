/**
 * `--demo`: the embedded simulator polled through the real CLI, once to stdout and as a server on
 * loopback that shuts down cleanly on SIGTERM; and its guide (src/demo/guide.ts), whose claims are
 * checked against the demo's own /metrics, the rules, and a real Prometheus loaded with the rules.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { parseDuration } from '../../src/config/duration.js';
import { type DemoGuide, type PlanFinding, type PromisedAlert, demoGuide, describeAlert } from '../../src/demo/guide.js';
import { DEFAULT_THRESHOLDS, type RuleThresholds, buildRules, renderRules } from '../../src/rules/rules.js';
import { DEMO_CREDENTIAL } from '../../src/simulator/index.js';
import { buildScenario } from '../../src/simulator/scenario.js';
import { alertKey, firingAlerts, sleep, sorted, until } from '../support/alerts.js';
import { type Sample, find, has, parseExposition, valueOf } from '../support/exposition.js';
import { PrometheusServer } from '../support/prometheus.js';
import { promtool } from '../support/promtool.js';
import { CliProcess, STACK_LINE, killAll, listeningPort, runCli, waitForStatus } from './cli-process.js';

afterEach(killAll);

/** As the demo's configuration (src/demo/start.ts): collection.lookback 72h. */
const LOOKBACK_MS = 72 * 3_600_000;
const guideFor = (thresholds: RuleThresholds = DEFAULT_THRESHOLDS, now = Date.now(), plans = 8) => demoGuide({ plans: buildScenario({ plans }, now), now, lookbackMs: LOOKBACK_MS }, thresholds);

const ALERT_RULES = new Map(
  buildRules()
    .groups.flatMap((g) => g.rules)
    .flatMap((r) => ('alert' in r ? [[r.alert, r] as const] : [])),
);

/** The key test/support/alerts.ts gives the alert once it fires. */
function promisedKey(planId: string, finding: PlanFinding, alert: PromisedAlert): string {
  return [alert.alert, planId, alert.backupType, finding.kind === 'not-running' ? finding.status : undefined].filter((p) => p !== undefined).join(' ');
}

function promisedAlerts(guide: DemoGuide): Array<{ key: string; afterSeconds: number }> {
  return guide.plans.flatMap((p) => p.findings.flatMap((f) => f.alerts.map((a) => ({ key: promisedKey(p.id, f, a), afterSeconds: a.afterSeconds }))));
}

const notable = (findings: readonly PlanFinding[]) => findings.filter((f) => f.kind !== 'log-backups-off');

describe('demoGuide', () => {
  it('the demo fleet: five healthy plans, a paused one, one whose fulls and log backups fail, one with a stuck log backup', () => {
    const guide = guideFor();
    expect(guide.plans.map((p) => [p.name, notable(p.findings).map((f) => f.kind)])).toEqual([
      ['mysql-orders-prod', []],
      ['pg-analytics', []],
      ['sqlserver-erp', []],
      ['mongo-sessions', []],
      ['mysql-legacy-paused', ['not-running']],
      ['mysql-billing-failing', ['full-backups-fail', 'log-backups-fail']],
      ['polardb-catalog-stuck', ['log-backup-stuck']],
      ['mysql-reports-duplication', []],
    ]);
    expect(guide.title).toBe('Demo fleet: 8 simulated DBS backup plans, 3 of them raising alerts');
    const byName = (name: string) => guide.plans.find((p) => p.name === name)!;
    expect(byName('mysql-reports-duplication').findings).toEqual([{ kind: 'log-backups-off', alerts: [] }]);
    // Delays with the default thresholds: the paused plan pages after `for: 30m`, the stall after an hour of
    // an unchanged size; the rest at once (the fleet's 72h of history is past the lag and full-age limits).
    expect(promisedAlerts(guide)).toEqual([
      { key: `DBSBackupPlanNotRunning ${byName('mysql-legacy-paused').id} pause`, afterSeconds: 1800 },
      { key: `DBSBackupJobFailed ${byName('mysql-billing-failing').id} full`, afterSeconds: 0 },
      { key: `DBSNoSuccessfulFullBackup ${byName('mysql-billing-failing').id} full`, afterSeconds: 0 },
      { key: `DBSBackupJobFailed ${byName('mysql-billing-failing').id} incremental`, afterSeconds: 0 },
      { key: `DBSIncrementalBackupLagging ${byName('mysql-billing-failing').id} incremental`, afterSeconds: 0 },
      { key: `DBSIncrementalBackupLagging ${byName('polardb-catalog-stuck').id} incremental`, afterSeconds: 0 },
      { key: `DBSBackupJobStalled ${byName('polardb-catalog-stuck').id} incremental`, afterSeconds: 3600 },
    ]);
    expect(guide.lines.find((l) => l.startsWith('mysql-legacy-paused'))).toMatch(/: status pause since 1d2h ago → DBSBackupPlanNotRunning after 30m\.$/);
    expect(guide.lines.find((l) => l.startsWith('polardb-catalog-stuck'))).toMatch(
      /: a log backup started 5h\d*m? ago is stuck at 37 MiB, and none has started since → DBSIncrementalBackupLagging \(incremental\) at once, DBSBackupJobStalled \(incremental\) after 1h\.$/,
    );
  });

  it('names only alerts the rules have, and a `for:` alert no sooner than its `for:`', () => {
    for (const plan of guideFor().plans) {
      for (const alert of plan.alerts) {
        const rule = ALERT_RULES.get(alert.alert);
        expect(rule, alert.alert).toBeDefined();
        expect(alert.afterSeconds).toBeGreaterThanOrEqual(parseDuration(rule!.for) / 1000);
      }
    }
    expect(ALERT_RULES.get('DBSBackupPlanNotRunning')?.for).toBe(DEFAULT_THRESHOLDS.planNotRunningFor);
  });

  it('follows the thresholds it is given', () => {
    const now = Date.now();
    const guide = guideFor({ ...DEFAULT_THRESHOLDS, planNotRunningFor: '2h', stallSeconds: 600, incrementalLagSeconds: 100 * 3600, fullBackupIntervalFactor: 4 }, now);
    const alerts = Object.fromEntries(promisedAlerts(guide).map((a) => [a.key.split(' ').filter((_, i) => i !== 1).join(' '), a.afterSeconds]));
    const stuckSince = guide.plans.flatMap((p) => p.findings).find((f) => f.kind === 'log-backup-stuck')!.sinceMs;
    expect(alerts).toEqual({
      'DBSBackupPlanNotRunning pause': 7200,
      'DBSBackupJobFailed full': 0,
      // 4 × 1d, of which the exporter already sees 72h.
      'DBSNoSuccessfulFullBackup full': 24 * 3600,
      'DBSBackupJobFailed incremental': 0,
      // 100h of lag: 28h after the 72h the exporter sees; the stuck plan's last log backup ended when the stuck one started.
      'DBSIncrementalBackupLagging incremental': expect.any(Number),
      'DBSBackupJobStalled incremental': 600,
    });
    const lagging = promisedAlerts(guide).filter((a) => a.key.startsWith('DBSIncrementalBackupLagging')).map((a) => a.afterSeconds);
    expect(lagging).toEqual([28 * 3600, 100 * 3600 - Math.ceil((now - stuckSince) / 1000)]);
    expect(guide.lines.join('\n')).toContain('DBSBackupPlanNotRunning after 2h.');
  });

  it('groups a large fleet by kind of plan, one line each, all healthy plans on one', () => {
    const guide = guideFor(DEFAULT_THRESHOLDS, Date.now(), 200);
    expect(guide.plans).toHaveLength(200);
    const kinds = new Set(guide.plans.map((p) => notable(p.findings).map((f) => f.kind).join('+')));
    expect(kinds.size).toBe(4);
    expect(guide.lines).toHaveLength(kinds.size + 1);
    const counts = guide.lines.slice(0, -1).map((l) => Number(/^(\d+) plans? \(/.exec(l)?.[1]));
    expect(counts.reduce((a, b) => a + b, 0)).toBe(200);
    const healthy = guide.plans.filter((p) => notable(p.findings).length === 0).length;
    expect(guide.lines.find((l) => l.endsWith(': healthy, no alert.'))).toMatch(new RegExp(`^${healthy} plans \\(mysql-orders-prod, pg-analytics, sqlserver-erp, and ${healthy - 3} more\\)`));
  });
});

/** Whether the demo's exposition shows what the guide says of a plan. */
function expectShown(m: Sample[], plan: DemoGuide['plans'][number]): void {
  const id = { backup_plan_id: plan.id };
  const at = (name: string, type: string) => find(m, name, { ...id, backup_type: type })[0]?.value;
  expect(valueOf(m, 'dbs_backup_plan_info', id), plan.name).toBe(1);
  expect(has(m, 'dbs_backup_plan_info', { ...id, backup_plan_name: plan.name }), plan.name).toBe(true);
  const findings = notable(plan.findings);
  if (findings.length === 0) {
    // Healthy: running, its newest full (and log backup, when on) succeeded after any failure.
    expect(valueOf(m, 'dbs_backup_plan_status', { ...id, status: 'running' }), plan.name).toBe(1);
    for (const type of plan.findings.some((f) => f.kind === 'log-backups-off') ? ['full'] : ['full', 'incremental']) {
      expect(at('dbs_backup_last_success_timestamp_seconds', type), `${plan.name} ${type}`).toBeGreaterThan(at('dbs_backup_last_failure_timestamp_seconds', type) ?? 0);
    }
  }
  for (const finding of plan.findings) {
    switch (finding.kind) {
      case 'not-running':
        expect(valueOf(m, 'dbs_backup_plan_status', { ...id, status: finding.status }), plan.name).toBe(1);
        break;
      case 'full-backups-fail':
        expect(at('dbs_backup_last_failure_timestamp_seconds', 'full'), plan.name).toBeGreaterThan(0);
        expect(at('dbs_backup_last_success_timestamp_seconds', 'full'), plan.name).toBeUndefined();
        break;
      case 'log-backups-fail':
        expect(at('dbs_backup_last_failure_timestamp_seconds', 'incremental'), plan.name).toBeGreaterThan(0);
        expect(at('dbs_backup_last_success_timestamp_seconds', 'incremental'), plan.name).toBeUndefined();
        break;
      case 'log-backup-stuck':
        // The guide was built a moment apart from the demo's fleet: the stuck job's 10-minute slot may differ by one.
        expect(Math.abs(at('dbs_backup_running_since_timestamp_seconds', 'incremental')! - finding.sinceMs / 1000), plan.name).toBeLessThanOrEqual(600);
        expect(at('dbs_backup_running_size_bytes', 'incremental'), plan.name).toBe(finding.sizeBytes);
        break;
      case 'log-backups-off':
        expect(valueOf(m, 'dbs_backup_plan_log_backup_enabled', id), plan.name).toBe(0);
        break;
    }
  }
}

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
    // What the guide says of each plan, the exposition shows.
    for (const plan of guideFor().plans) expectShown(m, plan);
  });

  it('serves on 127.0.0.1:9871 by default (the simulator on loopback too), explains its fleet in the banner and on the landing page, exits 0 on SIGTERM', async () => {
    const exporter = new CliProcess(['--demo']);
    const port = await exporter.waitFor(listeningPort, 15_000, 'the "dbs-exporter listening" log line on 127.0.0.1 (is port 9871 taken?)');
    expect(port).toBe(9871);
    // The bound addresses, as each server reports its own.
    expect(exporter.stderr).toMatch(/^ts=\S+ level=info msg="dbs-exporter listening" address=127\.0\.0\.1:9871 telemetry_path=\/metrics targets=1 app=dbs-exporter$/m);
    expect(exporter.stderr).toMatch(/^ts=\S+ level=info msg="embedded DBS simulator started" endpoint=127\.0\.0\.1:\d+ /m);
    await exporter.waitFor((p) => (p.stderr.includes('grep ^dbs_') ? true : undefined), 5_000, 'the banner');
    expect(exporter.stderr).toContain('curl -s http://127.0.0.1:9871/metrics | grep ^dbs_');
    expect(exporter.stderr).toContain('Landing page: http://127.0.0.1:9871/');

    // The banner: the guide's title and a line per plan, naming each plan's alerts and their delays.
    const guide = guideFor();
    const banner = exporter.stderr.split('\n').filter((l) => l.startsWith('    - ')).map((l) => l.slice(6));
    expect(exporter.stderr).toContain(`  ${guide.title}:\n`);
    expect(banner).toHaveLength(guide.lines.length);
    guide.plans.forEach((plan, i) => {
      expect(banner[i]).toContain(`${plan.name} (${plan.id}), ${plan.schedule}: `);
      for (const alert of plan.alerts) expect(banner[i]).toContain(describeAlert(alert));
      if (plan.alerts.length === 0) expect(banner[i]).toMatch(/: healthy, no alert\.$/);
    });

    await waitForStatus('http://127.0.0.1:9871/-/ready', 200, 10_000);
    // The landing page carries the same guide (its JSON twin, exactly; the page, its title).
    const status = (await (await fetch('http://127.0.0.1:9871/api/v1/status')).json()) as { notice: { title: string; lines: string[] } | null };
    expect(status.notice).toEqual({ title: guide.title, lines: banner });
    expect(await (await fetch('http://127.0.0.1:9871/')).text()).toContain(guide.title);

    const m = parseExposition(await (await fetch('http://127.0.0.1:9871/metrics')).text());
    expect(find(m, 'dbs_backup_plan_info', { account: 'demo' })).toHaveLength(8);
    for (const plan of guide.plans) expectShown(m, plan);
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
    await expect(fetch('http://127.0.0.1:9871/-/healthy')).rejects.toThrow();
  });

  it('a real Prometheus with the rules raises exactly the alerts the guide promises, each when it says (short thresholds)', async () => {
    // Short `for:` and stall thresholds so that every promised alert comes within the test; the guide
    // is computed with the same ones, so this checks its arithmetic, not just the defaults' text. The
    // stall window stays over the demo's 15s poll interval, so a growing job always shows a change.
    const thresholds: RuleThresholds = { ...DEFAULT_THRESHOLDS, planNotRunningFor: '15s', stallSeconds: 30 };
    const exporter = new CliProcess(['--demo', '--web.listen-address', '127.0.0.1:0', '--log.format', 'json']);
    const port = await exporter.waitFor(listeningPort, 15_000, 'the listening line');
    const guide = guideFor(thresholds);
    const promised = promisedAlerts(guide);
    expect(promised.map((a) => a.afterSeconds)).toEqual(expect.arrayContaining([0, 15, 30]));

    const prometheus = await PrometheusServer.start({ job: 'dbs-exporter', rules: renderRules(thresholds), scrapeTargets: [`127.0.0.1:${port}`] });
    try {
      await waitForStatus(`http://127.0.0.1:${port}/-/ready`, 200, 10_000);
      // Delays count from Prometheus's first scrape of the fleet (it scrapes and evaluates every second).
      await until('Prometheus to scrape the demo fleet', async () => ((await prometheus.query('dbs_exporter_plan_poll_success')).data?.result.length ?? 0) > 0, 20_000, 100);
      const t0 = Date.now();
      const firstFiring = new Map<string, number>();
      const deadline = t0 + (Math.max(...promised.map((a) => a.afterSeconds)) + 20) * 1000;
      let firing: string[] = [];
      while (Date.now() < deadline) {
        firing = sorted((await firingAlerts(prometheus)).filter((a) => a.labels.backup_plan_id !== undefined).map((a) => alertKey(a.labels)));
        for (const key of firing) if (!firstFiring.has(key)) firstFiring.set(key, Date.now());
        if (promised.every((a) => firstFiring.has(a.key))) break;
        await sleep(250);
      }
      await sleep(2_000);
      firing = sorted((await firingAlerts(prometheus)).filter((a) => a.labels.backup_plan_id !== undefined).map((a) => alertKey(a.labels)));
      // Exactly the promised alerts: none for the healthy plans.
      expect(firing).toEqual(sorted(promised.map((a) => a.key)));
      for (const { key, afterSeconds } of promised) {
        const after = (firstFiring.get(key)! - t0) / 1000;
        expect(after, `${key}: promised after ${afterSeconds}s`).toBeGreaterThanOrEqual(afterSeconds - 2);
        expect(after, `${key}: promised after ${afterSeconds}s`).toBeLessThanOrEqual(afterSeconds + 8);
      }
    } finally {
      await prometheus.stop();
    }
  }, 90_000);
});
