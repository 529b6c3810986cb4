/** Backup incidents (test/rules/backups.test.yml), each through a restart, a rollout and hours of failed polls. */
import { writeFileSync } from 'node:fs';
import { D, H, full, logJobs, renderFile, outFile } from './model.mjs';
import { ACC, A, PRE, exporters, single, dailyFulls, plan, labels } from './fleet.mjs';
import { T, hm, span, only } from './checks.mjs';

const tests = [];
const POLLS = 'DBSExporterPlanPollFailing';

/** The usual disruptions of an incident that pages at F: restart at F+10, rollout at F+25, polls fail from F+40 for 2h. */
function disrupted(F, end, lookbackFrom) {
  const R = F + 10, P = F + 25, O = F + 40, OE = F + 159;
  return { R, P, O, OE, instances: exporters({ restart: R, rollout: P, end, lookbackFrom }), moments: [R, R + 1, R + 2, P, P + 4, O, O + 15, O + 30, OE, OE + 1] };
}
const disruptions = (R, P, O, OE) => `Exporter restart at ${hm(R)} (2 failed scrapes), rollout at ${hm(P)} (old and new pod overlap 4m), polls fail ${hm(O)}-${hm(OE)}.`;

// ------------------------------------------------------------------ lag, and polls failing for 3h
{
  const R = 150, P = 165, O = 180, OE = 359, RES = 380, END = 381;
  const lagging = plan('dbs1lag4orders', { jobs: [...dailyFulls(-12, 0), ...logJobs(PRE, 20), ...logJobs(RES, END)], pollDown: [[O, OE]] });
  const healthy = plan('dbs2ok7billing', { jobs: [...dailyFulls(-12, 0), ...logJobs(PRE, END)], pollDown: [[O, OE]] });
  tests.push({
    name: 'log backups stop: DBSIncrementalBackupLagging 2h after the last one, through a restart, a rollout and 3h of failed polls (polls failing end firing pages: they do not), until one succeeds; stale data starts no page',
    comment: [
      `dbs1lag4orders: log backups every 5 minutes until 00:20, none until ${hm(RES)}. dbs2ok7billing: log backups all along.`,
      disruptions(R, P, O, OE).replace('polls fail', 'polls of both plans fail'),
      `dbs2ok7billing's frozen newest log backup is 2h old at ${hm(O + 120)}: no page from stale data, nor once fresh data is back.`,
    ],
    step: 1, minutes: END,
    instances: exporters({ restart: R, rollout: P, end: END }), targets: [ACC], plans: [lagging, healthy],
    checks: [
      ...span('DBSIncrementalBackupLagging', 141, RES - 1, (at) => [{ ...labels(lagging, 'incremental'), value: T(at) - T(20) }], { at: [R, R + 1, R + 2, P, P + 4, O, O + 15, O + 30, OE, OE + 1] }),
      ...span(POLLS, O + 15, OE, () => [{ ...labels(lagging), value: 0 }, { ...labels(healthy), value: 0 }]),
      only(END, 'DBSIncrementalBackupLagging', POLLS),
    ],
  });
}

// ------------------------------------------------------------------ no log backup in the lookback
{
  const R = 20, P = 35, O = 50, OE = 169, RES = 190, END = 191;
  const broken = plan('dbs3nolog4crm', { jobs: [...dailyFulls(-12, 0), ...logJobs(PRE, -4 * D), ...logJobs(RES, END)], pollDown: [[O, OE]] });
  const noLogs = plan('dbs4nolog2dw', { logEnabled: false, logOffIntended: true, jobs: dailyFulls(-12, 0), pollDown: [[O, OE]] });
  const created = -30 * H;
  const never = plan('dbs3new4crm', { created, jobs: [full(-12 * H), ...logJobs(RES, END)], pollDown: [[O, OE]] });
  tests.push({
    name: 'no log backup for 4 days, then an exporter restart whose 72h lookback finds none (last_success absent, history_start present): DBSIncrementalBackupLagging goes on, through a rollout and 2h of failed polls, until one succeeds; so does a plan that never had one; a plan without log backups never pages',
    comment: [
      'dbs3nolog4crm: the last log backup ended 4 days before 00:00; the page is firing. dbs3new4crm: created 30h before 00:00, log',
      'backup on, none has ever succeeded (no success known: the lag counts from its creation). dbs4nolog2dw: EnableBackupLog false, declared intended (dbs_backup_plan_log_backup_off_intended), no log backup ever.',
      disruptions(R, P, O, OE) + ` Log backups (re)start at ${hm(RES)}.`,
    ],
    step: 1, minutes: END,
    instances: exporters({ restart: R, rollout: P, end: END }), targets: [ACC], plans: [broken, never, noLogs],
    checks: [
      ...span('DBSIncrementalBackupLagging', 0, RES - 1, (at) => [
        { ...labels(broken, 'incremental'), value: T(at) + 4 * 86400 },
        { ...labels(never, 'incremental'), value: T(at) - T(created) },
      ], { at: [R, R + 2, R + 15, R + 16, P, P + 4, O + 15, OE + 1] }),
      ...span(POLLS, O + 15, OE, () => [{ ...labels(broken), value: 0 }, { ...labels(never), value: 0 }, { ...labels(noLogs), value: 0 }]),
      only(END, 'DBSIncrementalBackupLagging', POLLS),
    ],
  });
}

// ------------------------------------------------------------------ failed full
{
  const F = 30, FIXED = 220, END = 221;
  const { R, P, O, OE, instances, moments } = disrupted(F, END);
  const p = plan('dbs5full4erp', { jobs: [...dailyFulls(-12, 0, { at: 10, except: { 0: { ok: false } } }), full(200), ...logJobs(PRE, END)], pollDown: [[O, OE]] });
  tests.push({
    name: 'a daily full fails: DBSBackupJobFailed from its end, through a restart, a rollout and 2h of failed polls, until a full succeeds',
    comment: [`Daily fulls at 00:10 UTC, 20 minutes; today's fails at 00:30. A manual full runs ${hm(200)}-${hm(FIXED)} and succeeds.`, disruptions(R, P, O, OE)],
    step: 1, minutes: END, instances, targets: [ACC], plans: [p],
    checks: [
      ...span('DBSBackupJobFailed', F, FIXED - 1, () => [{ ...labels(p, 'full'), value: T(30) }], { at: moments }),
      ...span(POLLS, O + 15, OE, () => [{ ...labels(p), value: 0 }]),
      only(END, 'DBSBackupJobFailed', POLLS),
    ],
  });
}

// ------------------------------------------------------------------ failed log backups
{
  const R = 45, P = 60, END = 91;
  const p = plan('dbs6log4pay', { jobs: [...dailyFulls(-12, 0), ...logJobs(PRE, END, { fail: (e) => e === 30 })] });
  tests.push({
    name: 'one failed log backup: DBSBackupJobFailed for an hour after it ended, through a restart and a rollout, though the next one succeeds',
    comment: [`The log backup ending at 00:30 fails, the next ones succeed. Restart at ${hm(R)}, rollout at ${hm(P)}.`],
    step: 1, minutes: END,
    instances: exporters({ restart: R, rollout: P, end: END }), targets: [ACC], plans: [p],
    checks: [...span('DBSBackupJobFailed', 30, 89, () => [{ ...labels(p, 'incremental'), value: T(30) }], { at: [R, R + 1, R + 2, P, P + 4] }), only(END, 'DBSBackupJobFailed')],
  });
}
{
  const OFF = 40, END = 150;
  const p = plan('dbs6log5off', { logEnabled: (m) => m < OFF, jobs: [...dailyFulls(-12, 0), ...logJobs(PRE, 30, { fail: (e) => e === 30 })] });
  const paused = plan('dbs6log6pause', { status: (m) => (m >= OFF ? 'pause' : 'running'), jobs: [...dailyFulls(-12, 0), ...logJobs(PRE, 30, { fail: (e) => e === 30 })] });
  tests.push({
    name: 'the last log backup failed, then log backup is switched off (or the plan paused): DBSBackupJobFailed for the hour after it ended, not for ever',
    comment: [`The log backups of both plans stop with a failed one ending at 00:30. At ${hm(OFF)} dbs6log5off has EnableBackupLog switched off, dbs6log6pause is paused (DBSBackupPlanNotRunning 30m later; DBSLogBackupDisabled for dbs6log5off).`],
    step: 1, minutes: END,
    instances: [{ ...A, processes: [{ from: 0, to: END, lookbackFrom: PRE }] }], targets: [ACC], plans: [p, paused],
    checks: [
      ...span('DBSBackupJobFailed', 30, 89, () => [{ ...labels(p, 'incremental'), value: T(30) }, { ...labels(paused, 'incremental'), value: T(30) }]),
      ...span('DBSBackupPlanNotRunning', OFF + 30, END, () => [{ ...labels(paused), status: 'pause', value: 1 }], { after: false }),
      // switched off, not declared intended: DBSLogBackupDisabled 30m later
      ...span('DBSLogBackupDisabled', OFF + 30, END, () => [{ ...labels(p), value: 0 }], { after: false }),
      only(END, 'DBSBackupJobFailed', 'DBSBackupPlanNotRunning', 'DBSLogBackupDisabled'),
    ],
  });
}
{
  const END = 41;
  const p = plan('dbs6log4pay', { jobs: [...dailyFulls(-12, 0), ...logJobs(PRE, END, { fail: (e) => e === -20 })] });
  tests.push({
    name: 'a log backup that failed before the exporter started: DBSBackupJobFailed from the first poll until an hour after it ended',
    comment: ['The exporter starts at 00:00 (its first poll reads 72h back); the log backup that ended at 23:40 the day before had failed.'],
    step: 1, minutes: END,
    instances: [{ ...A, processes: [{ from: 0, to: END }] }], targets: [ACC], plans: [p],
    checks: [...span('DBSBackupJobFailed', 0, 39, () => [{ ...labels(p, 'incremental'), value: T(-20) }]), only(END, 'DBSBackupJobFailed')],
  });
}
{
  const R = 30, END = 91;
  const p = plan('dbs6log4pay', { jobs: [...dailyFulls(-12, 0), ...logJobs(PRE, END, { fail: (e) => e === 30 })] });
  tests.push({
    name: 'a log backup that failed while the exporter restarted: DBSBackupJobFailed once the new process has polled, until an hour after it ended',
    comment: [`Restart at ${hm(R)} (scrapes fail at 00:30 and 00:31); the log backup ending at 00:30 fails, the next ones succeed.`],
    step: 1, minutes: END,
    instances: [{ ...A, processes: [{ from: 0, to: R - 1, lookbackFrom: PRE }, { from: R + 2, to: END }] }], targets: [ACC], plans: [p],
    checks: [...span('DBSBackupJobFailed', R + 2, 89, () => [{ ...labels(p, 'incremental'), value: T(30) }]), only(END, 'DBSBackupJobFailed')],
  });
}
{
  const O = 20, OE = 49, END = 91;
  const p = plan('dbs6log4pay', { jobs: [...dailyFulls(-12, 0), ...logJobs(PRE, END, { fail: (e) => e === 30 })], pollDown: [[O, OE]] });
  tests.push({
    name: 'a log backup that failed while polls failed: DBSBackupJobFailed once a poll works, until an hour after it ended',
    comment: [`Polls fail ${hm(O)}-${hm(OE)}; the log backup ending at 00:30 fails, the next ones succeed.`],
    step: 1, minutes: END,
    instances: single(END), targets: [ACC], plans: [p],
    checks: [
      ...span('DBSBackupJobFailed', OE + 1, 89, () => [{ ...labels(p, 'incremental'), value: T(30) }]),
      ...span(POLLS, O + 15, OE, () => [{ ...labels(p), value: 0 }]),
      only(END, 'DBSBackupJobFailed', POLLS),
    ],
  });
}
{
  const R = 30, P = 45, O = 60, OE = 179, FIX = 200, END = 256;
  const p = plan('dbs7log4ledger', { jobs: [...dailyFulls(-12, 0), ...logJobs(PRE, END, { fail: (e) => e > 10 && e < FIX })], pollDown: [[O, OE]] });
  const L = labels(p, 'incremental');
  // the newest failure the exporter has seen: frozen while polls fail and unseen while it restarts
  const newestFailure = (at) => {
    const seen = at > OE ? at : at >= O ? O - 1 : at === R || at === R + 1 ? R - 1 : at;
    return T(Math.min(Math.floor(seen / 5) * 5, FIX - 5));
  };
  tests.push({
    name: 'log backups fail for hours: DBSBackupJobFailed while the newest one failed, through a restart, a rollout and 2h of failed polls, and for an hour after; DBSIncrementalBackupLagging not from stale data, only once polls work',
    comment: [
      `Log backups succeed until 00:10, fail every 5 minutes from 00:15, succeed again from ${hm(FIX)}.`,
      disruptions(R, P, O, OE),
      `The lag passes 2h at 02:10, while polls fail: DBSIncrementalBackupLagging starts at ${hm(OE + 1)}, from fresh data.`,
    ],
    step: 1, minutes: END,
    instances: exporters({ restart: R, rollout: P, end: END }), targets: [ACC], plans: [p],
    checks: [
      ...span('DBSBackupJobFailed', 15, FIX - 5 + 59, (at) => [{ ...L, value: newestFailure(at) }], { at: [16, 20, R, R + 1, R + 2, P, P + 4, O, O + 15, OE, OE + 1, FIX] }),
      { at: 131, alert: 'DBSIncrementalBackupLagging', firing: [] },
      ...span('DBSIncrementalBackupLagging', OE + 1, FIX - 1, (at) => [{ ...L, value: T(at) - T(10) }]),
      ...span(POLLS, O + 15, OE, () => [{ ...labels(p), value: 0 }]),
      only(END, 'DBSBackupJobFailed', 'DBSIncrementalBackupLagging', POLLS),
    ],
  });
}

// ------------------------------------------------------------------ full overdue
{
  const F = 31, FIXED = 220, END = 221;
  const { R, P, O, OE, instances, moments } = disrupted(F, END);
  const lastEnd = -2 * D + 12 * H + 30;
  const p = plan('dbs8daily4hr', { jobs: [...dailyFulls(-12, 0, { at: 12 * H + 10, except: { [-1]: 'skip' } }), full(200), ...logJobs(PRE, END)], pollDown: [[O, OE]] });
  tests.push({
    name: 'a daily plan skips its full: DBSFullBackupOverdue 36h after the last one, through a restart, a rollout and 2h of failed polls, until a full succeeds',
    comment: [
      'Daily fulls at 12:10 UTC; the last one ended at 12:30 two days ago, yesterday\'s never ran. Overdue after 1.5 x 1d = 36h: from 00:30.',
      disruptions(R, P, O, OE) + ` A manual full runs ${hm(200)}-${hm(FIXED)}.`,
    ],
    step: 1, minutes: END, instances, targets: [ACC], plans: [p],
    checks: [
      ...span('DBSFullBackupOverdue', F, FIXED - 1, (at) => [{ ...labels(p, 'full'), value: T(at) - T(lastEnd) }], { at: moments }),
      ...span(POLLS, O + 15, OE, () => [{ ...labels(p), value: 0 }]),
      only(END, 'DBSFullBackupOverdue', POLLS),
    ],
  });
}
{
  const F = 31, FIXED = 220, END = 221;
  const lastEnd = F - 1 - 15120; // 10.5 days before 00:30
  const { R, P, O, OE, instances, moments } = disrupted(F, END, -11 * D);
  const jobs = [full(lastEnd - 20 - 7 * D, { retention: 30 * D }), full(lastEnd - 20, { retention: 30 * D }), full(200, { retention: 30 * D }), ...logJobs(PRE, END)];
  const weekly = plan('dbs9weekly4dw', { interval: 604_800, jobs, pollDown: [[O, OE]] });
  const fallback = plan('dbsa0noperiod', { interval: undefined, jobs, pollDown: [[O, OE]] });
  tests.push({
    name: 'a weekly plan misses a full: DBSFullBackupOverdue 10.5 days after the last one (also with the 7-day fallback when BackupPeriod is unknown), through a restart whose 72h lookback no longer sees that full, a rollout and 2h of failed polls, until a full succeeds',
    comment: [
      'Weekly fulls on Sundays at 12:10 UTC, kept 30 days; last Sunday\'s never ran. dbsa0noperiod has no BackupPeriod (7 days assumed).',
      'The exporter has been up for 8 days (its first poll read 11 days back), so Prometheus has seen the last full.',
      disruptions(R, P, O, OE) + ` A manual full runs ${hm(200)}-${hm(FIXED)}.`,
    ],
    step: 1, minutes: END, instances, targets: [ACC], plans: [weekly, fallback],
    checks: [
      ...span('DBSFullBackupOverdue', F, FIXED - 1, (at) => [weekly, fallback].map((p) => ({ ...labels(p, 'full'), value: T(at) - T(lastEnd) })), { at: [...moments, R + 16] }),
      ...span(POLLS, O + 15, OE, () => [{ ...labels(weekly), value: 0 }, { ...labels(fallback), value: 0 }]),
      only(END, 'DBSFullBackupOverdue', POLLS),
    ],
  });
}

// ------------------------------------------------------------------ no full at all
{
  const F = 31, FIXED = 220, END = 221;
  const { R, P, O, OE, instances, moments } = disrupted(F, END);
  const created = F - 1 - 36 * H;
  const p = plan('dbsb1new4shop', { created, logEnabled: false, logOffIntended: true, jobs: [full(200)], pollDown: [[O, OE]] });
  const young = plan('dbsb2new4blog', { created: -2 * H, logEnabled: false, logOffIntended: true, jobs: [], pollDown: [[O, OE]] });
  tests.push({
    name: 'a plan created 36h ago has no full: DBSNoSuccessfulFullBackup, through a restart, a rollout and 2h of failed polls, until its first full succeeds; a plan created 2h ago does not page',
    comment: [
      'dbsb1new4shop: created 36h before 00:30, running, daily, log backup off (intended); no full has run and DBS lists no restorable one.',
      'dbsb2new4blog: created 2h before 00:00, no full yet.',
      disruptions(R, P, O, OE) + ` dbsb1new4shop's first full runs ${hm(200)}-${hm(FIXED)}.`,
    ],
    step: 1, minutes: END, instances, targets: [ACC], plans: [p, young],
    checks: [
      ...span('DBSNoSuccessfulFullBackup', F, FIXED - 1, (at) => [{ ...labels(p, 'full'), value: T(at) - T(created) }], { at: moments }),
      ...span(POLLS, O + 15, OE, () => [{ ...labels(p), value: 0 }, { ...labels(young), value: 0 }]),
      only(END, 'DBSNoSuccessfulFullBackup', POLLS),
    ],
  });
}

// ------------------------------------------------------------------ stalled job
{
  const F = 85, RESUME = 260, END = 261;
  const { R, P, O, OE, instances, moments } = disrupted(F, END);
  const p = plan('dbsc1stall4crm', {
    jobs: [...dailyFulls(-12, -1, { at: 10 }), full(10, { dur: 270, stallAt: 25, resumeAt: RESUME }), ...logJobs(PRE, END)],
    pollDown: [[O, OE]],
  });
  tests.push({
    name: 'a full stops growing: DBSBackupJobStalled 1h after its size last changed, through a restart, a rollout and 2h of failed polls (the running job no longer exported), until it grows again',
    comment: [
      `Today's full starts at 00:10 and grows 2 GiB a minute until 00:25, then not at all until ${hm(RESUME)}.`,
      disruptions(R, P, O, OE) + ' The exporter drops the running job\'s series 15m into them.',
    ],
    step: 1, minutes: END, instances, targets: [ACC], plans: [p],
    checks: [
      ...span('DBSBackupJobStalled', F, RESUME - 1, (at) => [{ ...labels(p, 'full'), value: T(at) - T(10) }], { at: [...moments, O + 31] }),
      ...span(POLLS, O + 15, OE, () => [{ ...labels(p), value: 0 }]),
      only(END, 'DBSBackupJobStalled', POLLS),
    ],
  });
}

{
  const END = 120;
  const p = plan('dbsc2pause4erp', { jobs: [...dailyFulls(-12, -1, { at: 10 }), full(10, { dur: 60, stallAt: 15 }), ...logJobs(PRE, END)] });
  tests.push({
    name: 'a full that stood still for 55 minutes and then finished: no stall page (an ended job is not held as running)',
    comment: ['Today\'s full runs 00:10-01:10 and its size does not change from 00:15 on: under 1h unchanged while it runs.'],
    step: 1, minutes: END,
    instances: [{ ...A, processes: [{ from: 0, to: END, lookbackFrom: PRE }] }], targets: [ACC], plans: [p],
    checks: [...[70, 75, 80, 85].map((at) => ({ at, alert: 'DBSBackupJobStalled', firing: [] })), only(END)],
  });
}

// ------------------------------------------------------------------ restore window
{
  const F = 31, FIXED = 220, END = 221;
  const { R, P, O, OE, instances, moments } = disrupted(F, END);
  const lastEnd = F - 1 - D;
  const p = plan('dbsd1weekly3d', {
    interval: 604_800,
    jobs: [full(lastEnd - 20 - 7 * D, { retention: 3 * D }), full(lastEnd - 20, { retention: 3 * D }), full(200, { retention: 3 * D }), ...logJobs(PRE, END)],
    pollDown: [[O, OE]],
  });
  tests.push({
    name: 'weekly fulls kept 3 days: DBSRestoreWindowAtRisk 2 days before the newest expires (long before the next is due), through a restart, a rollout and 2h of failed polls, until a new full succeeds',
    comment: [
      'Weekly fulls at 00:10 UTC, BackupRetentionPeriod 3 days; the newest ended at 00:30 yesterday and expires at 00:30 in 2 days.',
      disruptions(R, P, O, OE) + ` A manual full runs ${hm(200)}-${hm(FIXED)}.`,
    ],
    step: 1, minutes: END, instances, targets: [ACC], plans: [p],
    checks: [
      ...span('DBSRestoreWindowAtRisk', F, FIXED - 1, (at) => [{ ...labels(p), value: T(lastEnd + 3 * D) - T(at) }], { at: moments }),
      ...span(POLLS, O + 15, OE, () => [{ ...labels(p), value: 0 }]),
      only(END, 'DBSRestoreWindowAtRisk', POLLS),
    ],
  });
}
{
  const F = 31, STARTED = 200, END = 221;
  const { R, P, O, OE, instances, moments } = disrupted(F, END);
  const lastStart = -D - 30;
  const p = plan('dbsd2daily2d', { jobs: [...dailyFulls(-12, -2, { at: 23 * H + 30, retention: 2 * D }), full(STARTED, { retention: 2 * D }), ...logJobs(PRE, END)], pollDown: [[O, OE]] });
  tests.push({
    name: 'daily fulls kept 2 days, one does not start: DBSRestoreWindowAtRisk once it is 1h late, through a restart, a rollout and 2h of failed polls, until a full runs',
    comment: [
      'Daily fulls at 23:30 UTC, kept 2 days; yesterday\'s never started. The newest (23:30-23:50 two days ago) expires at 23:50 tomorrow.',
      disruptions(R, P, O, OE) + ` A full runs ${hm(STARTED)}-${hm(STARTED + 20)}.`,
    ],
    step: 1, minutes: END, instances, targets: [ACC], plans: [p],
    checks: [
      ...span('DBSRestoreWindowAtRisk', F, STARTED - 1, (at) => [{ ...labels(p), value: T(lastStart + 20 + 2 * D) - T(at) }], { at: moments }),
      ...span(POLLS, O + 15, OE, () => [{ ...labels(p), value: 0 }]),
      only(END, 'DBSRestoreWindowAtRisk', POLLS),
    ],
  });
}

writeFileSync(outFile('backups.test.yml'), renderFile([
  'promtool unit tests of the shipped rules: backup incidents as dbs-exporter serves them, each through an',
  'exporter restart (2 failed scrapes), a rolling update (old and new pod export the plan for 4 minutes, then',
  'only the new one) and hours of failed polls (poll_success 0, DBS timestamps frozen, the running job dropped',
  'after max_staleness): the page starts when it should, holds at every evaluation (count_over_time(ALERTS)),',
  'ends when the incident does, and no other alert ever fires. Series are what the exporter serves at each',
  'minute; times from 1970-01-01T00:00:00Z (DBS times before it are negative).',
  'Run by test/rules/rules.test.ts.',
], '1m', tests));
