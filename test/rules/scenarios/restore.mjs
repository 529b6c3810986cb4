/** Restore alerts (issue 23, test/rules/restore.test.yml): recovery point, log backup off, drills; through a restart, a rollout and outages. */
import { writeFileSync } from 'node:fs';
import { D, H, renderFile, outFile, logJobs } from './model.mjs';
import { ACC, PRE, exporters, dailyFulls, plan, labels } from './fleet.mjs';
import { T, hm, span, only, timeline } from './checks.mjs';

const tests = [];
const POLLS = 'DBSExporterPlanPollFailing';
const RPO = 'DBSRecoveryPointTooOld';
const LOG_OFF = 'DBSLogBackupDisabled';
const LAG = 'DBSIncrementalBackupLagging';
const NR = 'DBSBackupPlanNotRunning';

/**
 * DBS's restore ranges at minute m, from a plan's jobs: a point for each successful full of the last 7 days,
 * and one continuous range up to the newest successful log backup (none when no log backup is known).
 */
export function jobRanges(jobs) {
  return (m) => {
    const done = jobs.filter((j) => j.ok && j.end <= m);
    const points = done.filter((j) => j.type === 'full' && j.end > m - 7 * D).map((j) => ({ type: 'point', start: j.end, end: j.end }));
    const logs = done.filter((j) => j.type === 'incremental');
    return logs.length ? [...points, { type: 'range', start: m - 7 * D, end: Math.max(...logs.map((j) => j.end)) }] : points;
  };
}
/** A plan whose DBS restore ranges follow its jobs. */
const rplan = (id, over) => {
  const p = plan(id, over);
  return { ...p, ranges: jobRanges(p.jobs) };
};
const fulls = () => dailyFulls(-12, -1, { at: 17 * H });

// ------------------------------------------------------------------ recovery point too old
{
  const STOP = 20, R = 215, P = 230, O = 245, OE = 445, RES = 460, END = 480;
  const CREATED = -3000;
  const stale = rplan('dbsr1rpo4orders', { jobs: [...fulls(), ...logJobs(PRE, STOP), ...logJobs(RES, END)], pollDown: [[O, OE]] });
  const healthy = rplan('dbsr2ok4billing', { jobs: [...fulls(), ...logJobs(PRE, END)], pollDown: [[O, OE]] });
  const noLog = rplan('dbsr3nolog4dw', { logEnabled: false, logOffIntended: true, jobs: fulls(), pollDown: [[O, OE]] });
  const noChain = rplan('dbsr4nochain4crm', { created: CREATED, jobs: dailyFulls(-2, -1, { at: 17 * H }), pollDown: [[O, OE]] });
  tests.push({
    name: 'log backups stop: DBSRecoveryPointTooOld 3h after the recovery point (1h after DBSIncrementalBackupLagging: Alertmanager inhibits that one), through a restart, a rollout and 3h20m of failed polls, until the recovery point moves; with no continuous range at all it pages "at least"; stale data and log backup off (intended) page nothing',
    comment: [
      `dbsr1rpo4orders: log backups until ${hm(STOP)}, none until ${hm(RES)}; DBS's newest continuous restore range ends with the newest log backup.`,
      'dbsr2ok4billing: log backups all along; its frozen recovery point is over 3h old while polls fail, and no page starts from it.',
      'dbsr3nolog4dw: EnableBackupLog false, declared intended: only full backups (points) to restore. dbsr4nochain4crm: created 50h before',
      '00:00, log backup on but none ever succeeded: DBS lists points and no continuous range, so the recovery point is at least its creation.',
      `Exporter restart at ${hm(R)} (2 failed scrapes), rollout at ${hm(P)} (4 minutes of overlap), polls of every plan fail ${hm(O)}-${hm(OE)};`,
      'DescribeRestoreRangeInfo runs every 15 minutes and at once after a failed poll.',
    ],
    step: 1, minutes: END,
    instances: exporters({ restart: R, rollout: P, end: END }), targets: [ACC], plans: [stale, healthy, noLog, noChain],
    checks: [
      ...timeline(RPO, 'critical', [
        [201, RES, (at) => ({ ...labels(stale), value: T(at) - T(STOP) })],
        [0, END, (at) => ({ ...labels(noChain), value: T(at) - T(CREATED) })],
      ], { moments: [R, R + 1, R + 2, P, P + 4, O, O + 15, O + 181, OE, OE + 1, OE + 2], end: END }),
      ...timeline(LAG, 'warning', [
        [141, RES - 1, (at) => ({ ...labels(stale, 'incremental'), value: T(at) - T(STOP) })],
        [0, END, (at) => ({ ...labels(noChain, 'incremental'), value: T(at) - T(CREATED) })],
      ], { moments: [R, R + 1, R + 2, P, O + 181, OE + 1], end: END }),
      ...span(POLLS, O + 15, OE, () => [stale, healthy, noLog, noChain].map((p) => ({ ...labels(p), value: 0 }))),
      only(END, RPO, LAG, POLLS),
    ],
  });
}

// ------------------------------------------------------------------ log backup off
{
  const OFF = 10, R = 50, P = 65, O = 80, OE = 199, RESUME = 200, ON = 215, END = 240;
  const off = rplan('dbsr5logoff4crm', { logEnabled: (m) => m < OFF || m >= ON, jobs: [...fulls(), ...logJobs(PRE, OFF), ...logJobs(ON, END)] });
  const intended = rplan('dbsr6intended4dw', { logEnabled: false, logOffIntended: true, jobs: fulls() });
  const paused = rplan('dbsr7paused', { status: 'pause', logEnabled: false, jobs: fulls() });
  const declared = rplan('dbsr8declared', { logEnabled: false, logOffIntended: (m) => m >= R, jobs: fulls() });
  const resumed = rplan('dbsr9resume4erp', { status: (m) => (m < RESUME ? 'pause' : 'running'), jobs: [...fulls(), ...logJobs(PRE, 0), ...logJobs(RESUME + 20, END)] });
  tests.push({
    name: 'log backup switched off on a running plan: DBSLogBackupDisabled after 30m, through a restart, a rollout and 2h of DBS unreachable, until it is on again; not when declared intended (also once declared by a restart with a new configuration), nor on a paused plan; no DBSRecoveryPointTooOld on resume',
    comment: [
      `dbsr5logoff4crm: EnableBackupLog false ${hm(OFF)}-${hm(ON)}. dbsr6intended4dw: log backup off, declared intended. dbsr7paused: paused, log backup off.`,
      `dbsr8declared: log backup off; the exporter restarted at ${hm(R)} has a configuration declaring it intended.`,
      `dbsr9resume4erp: paused until ${hm(RESUME)}, log backup on; its recovery point is 3h20m old at the resume, log backups`,
      `resume at ${hm(RESUME + 20)}: the recovery point's age counts from the resume, as the lag's does.`,
      `Exporter restart at ${hm(R)}, rollout at ${hm(P)}, DescribeBackupPlanList fails ${hm(O)}-${hm(OE)} (the last plan list stands).`,
    ],
    step: 1, minutes: END,
    instances: exporters({ restart: R, rollout: P, end: END }), targets: [{ ...ACC, down: [[O, OE]] }], plans: [off, intended, paused, declared, resumed],
    checks: [
      ...timeline(LOG_OFF, 'warning', [
        [OFF + 30, ON - 1, () => ({ ...labels(off), value: 0 })],
        [30, R + 1, () => ({ ...labels(declared), value: 0 })],
      ], { moments: [R, R + 1, R + 2, P, P + 4, O, O + 10, OE, OE + 1], end: END }),
      ...timeline(NR, 'warning', [
        [30, RESUME - 1, () => ({ ...labels(resumed), status: 'pause', value: 1 })],
        [30, END, () => ({ ...labels(paused), status: 'pause', value: 1 })],
      ], { moments: [R, P, O, OE], end: END }),
      ...[RESUME, RESUME + 1, RESUME + 10, RESUME + 29, RESUME + 30, END].map((at) => ({ at, alert: RPO, firing: [] })),
      ...[RESUME + 10, END].map((at) => ({ at, alert: LAG, firing: [] })),
      ...span('DBSExporterTargetDown', O + 10, OE, () => [{ ...ACC, value: 0 }]),
      only(END, LOG_OFF, NR, 'DBSExporterTargetDown'),
    ],
  });
}

// ------------------------------------------------------------------ drills
{
  const F = 31, R = F + 10, P = F + 25, O = F + 40, OE = F + 159, END = 221;
  const WEEK = 7 * D;
  const healthy = (over) => ({ jobs: [...fulls(), ...logJobs(PRE, END)], pollDown: [[O, OE]], ...over });
  const drill = (start, end, ok = true) => ({ start, end, ok, drill: true, point: start - 60 });
  const lastEnd = F - 1 - WEEK;
  const overdue = plan('dbsr20drill4orders', healthy({ drillMaxAge: 604_800, restores: [drill(lastEnd - 30, lastEnd), drill(180, 200)] }));
  const never = plan('dbsr21never4crm', healthy({ created: -10 * D, drillMaxAge: 604_800, restores: [] }));
  const young = plan('dbsr22young4blog', healthy({ created: -2 * D, drillMaxAge: 604_800, restores: [] }));
  const optOut = plan('dbsr23optout4dw', healthy({ restores: [] }));
  const dueLater = O + 30 - WEEK;
  const duringOutage = plan('dbsr27due4pay', healthy({ drillMaxAge: 604_800, restores: [drill(dueLater - 30, dueLater)] }));
  const slow = plan('dbsr24slow4erp', healthy({ drillRto: 3600, restores: [drill(-D - 120, -D), drill(100, 130)] }));
  const fast = plan('dbsr25fast4shop', healthy({ drillRto: 3600, restores: [drill(-D - 30, -D)] }));
  const noRto = plan('dbsr26nocfg4hr', healthy({ restores: [drill(-D - 120, -D)] }));
  const maxAge = { 'dbs:restore_drill_max_age_seconds': 604_800 };
  const rto = { 'dbs:restore_drill_rto_seconds': 3600 };
  const all = [overdue, never, young, optOut, duringOutage, slow, fast, noRto];
  const moments = [R, R + 1, R + 2, R + 16, P, P + 4, O, O + 15, OE, OE + 1];
  tests.push({
    name: 'restore drills (opt-in per plan): DBSRestoreDrillOverdue 7d after the last successful drill, or never drilled on a plan older than 7d; DBSRestoreDrillSlow while the newest took longer than the RTO; through a restart whose 72h lookback no longer sees the drill, a rollout and 2h of failed polls (no new page from stale data); none without a configured max age or RTO',
    comment: [
      `dbsr20drill4orders (max age 7d): its last drill ended 7d before 00:30; the next runs ${hm(180)}-${hm(200)}. dbsr21never4crm (7d): created 10 days ago, never drilled.`,
      'dbsr22young4blog (7d): created 2 days ago, never drilled. dbsr23optout4dw: no max age, never drilled.',
      `dbsr27due4pay (7d): its last drill ended 7d before ${hm(O + 30)}, while polls fail: the page waits for a working poll.`,
      `dbsr24slow4erp (RTO 1h): yesterday's drill took 2h; the next, ${hm(100)}-${hm(130)}, 30m. dbsr25fast4shop (RTO 1h): 30m. dbsr26nocfg4hr: no RTO, 2h.`,
      `Exporter restart at ${hm(R)} (its restore-task lookback, 72h here, shorter than the 35d default, no longer sees the 7-day-old drills), rollout at ${hm(P)}, polls fail ${hm(O)}-${hm(OE)};`,
      'DescribeRestoreTaskList runs every 5 minutes and at once after a failed poll.',
    ],
    step: 1, minutes: END,
    instances: exporters({ restart: R, rollout: P, end: END }), targets: [ACC], plans: all,
    checks: [
      ...timeline('DBSRestoreDrillOverdue', 'warning', [
        [F, 200, (at) => ({ ...labels(overdue), value: T(at) - T(lastEnd), queries: maxAge })],
        [0, END, (at) => ({ ...labels(never), value: T(at) + 10 * 86400, queries: maxAge })],
        [OE + 1, END, (at) => ({ ...labels(duringOutage), value: T(at) - T(dueLater), queries: maxAge })],
      ], { moments: [...moments, O + 31, O + 32], end: END }),
      ...span('DBSRestoreDrillSlow', 0, OE, () => [{ ...labels(slow), value: 7200, queries: rto }], { at: moments }),
      ...span(POLLS, O + 15, OE, () => all.map((p) => ({ ...labels(p), value: 0 }))),
      only(END, 'DBSRestoreDrillOverdue', 'DBSRestoreDrillSlow', POLLS),
    ],
  });
}

writeFileSync(outFile('restore.test.yml'), renderFile([
  'promtool unit tests of the shipped rules: the restore alerts (issue 23) as dbs-exporter serves their series',
  '(DescribeRestoreRangeInfo every 15 minutes, DescribeRestoreTaskList every 5), each through an exporter restart,',
  'a rolling update and a DBS outage: the page starts when it should, holds at every evaluation, ends when the',
  'incident does, and no other alert fires. The restore gap and a failed restore, which hold for a day, are in',
  'weeks.test.yml. Times from 1970-01-01T00:00:00Z. Run by test/rules/rules.test.ts.',
], '1m', tests));
