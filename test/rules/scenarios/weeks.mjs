/** Long stretches at 5m (test/rules/weeks.test.yml): a healthy week, a disappeared plan's 6h. */
import { writeFileSync } from 'node:fs';
import { D, H, full, logJobs, renderFile, ALERT_NAMES, outFile } from './model.mjs';
import { ACC, A, B, PRE, dailyFulls, plan, labels } from './fleet.mjs';
import { T, hm, span, only, silent, timeline } from './checks.mjs';

const tests = [];

// ------------------------------------------------------------------ a healthy week
{
  const END = 7 * D, P = 4 * D + 12 * H;
  const daily = plan('dbsw1daily4orders', { jobs: [...dailyFulls(-12, 7, { at: H, retention: D }), ...logJobs(PRE, END)] });
  const weekly = plan('dbsw2weekly4dw', {
    interval: 604_800,
    jobs: [-11, -4, 3, 10].map((d) => full(d * D + H, { retention: 7 * D })).concat(logJobs(PRE, END)),
  });
  const boundary = 3 * D + H + 10; // Sunday 01:10: both plans' newest full expires at 01:20, when the new ones end
  tests.push({
    name: 'no page in a healthy week: daily fulls kept 1 day and weekly fulls kept 7 days (retention equal to the interval), log backups every 5 minutes, a rollout',
    comment: [
      'dbsw1daily4orders: fulls every day 01:00-01:20 UTC, each expiring when the next ends (BackupRetentionPeriod 1 day).',
      'dbsw2weekly4dw: fulls on Sundays (1970-01-04) 01:00-01:20, each expiring when the next ends (7 days).',
      `Log backups end every 5 minutes. Rollout at ${hm(P)} (one scrape of overlap).`,
    ],
    step: 5, minutes: END,
    instances: [
      { ...A, processes: [{ from: 0, to: P + 5, lookbackFrom: PRE }], removedAt: P + 10 },
      { ...B, processes: [{ from: P, to: END }] },
    ],
    targets: [ACC], plans: [daily, weekly],
    promql: [
      // the newest full of each plan expires 10 minutes from now, and its replacement is running
      {
        expr: 'dbs:backup_full_expiry_timestamp_seconds - time()', at: boundary,
        samples: [daily, weekly].map((p) => ({ labels: `{account="prod", region="cn-hangzhou", backup_plan_id="${p.id}"}`, value: 600 })),
      },
    ],
    checks: [
      ...[boundary, boundary + 10, 3 * D + 2 * H, 3 * D + 2 * H + 10, 6 * D].flatMap((at) => ALERT_NAMES.map((alert) => ({ at, alert, firing: [] }))),
      silent(END),
    ],
  });
}

// ------------------------------------------------------------------ disappeared: 6h later
{
  const GONE = 10, END = 380;
  const p = plan('dbsw3gone4crm', { listed: (m) => m < GONE, jobs: [...dailyFulls(-12, 0, { at: 12 * H }), ...logJobs(PRE, END)] });
  tests.push({
    name: 'a running plan leaves the plan list for good: DBSBackupPlanDisappeared from 15m after until 6h after',
    comment: ['dbsw3gone4crm is no longer listed from 00:10 (the last scrape with its series at 00:05): 15m later, at the first evaluation', 'after 00:20, its status is gone; the page ends when its last running status (evaluated at 00:00) is 6h old.'],
    step: 5, minutes: END,
    instances: [{ ...A, processes: [{ from: 0, to: END, lookbackFrom: PRE }] }],
    targets: [ACC], plans: [p],
    checks: [...span('DBSBackupPlanDisappeared', 30, 360, () => [{ ...labels(p), value: 1 }], { step: 10, at: [60, 180, 300] }), only(END, 'DBSBackupPlanDisappeared')],
  });
}

// ------------------------------------------------------------------ resumed after a long pause
{
  const PAUSE = 60, RESUME = 41 * H, END = 3 * D;
  const status = (m) => (m >= PAUSE && m < RESUME ? 'pause' : 'running');
  // Daily fulls at 17:00 UTC; none while paused (the 17:00 of day 1 falls in the pause), then day 2's.
  const fulls = (p) => dailyFulls(-12, 2, { at: 17 * H, except: { 0: 'skip', 1: 'skip' } });
  const resumes = plan('dbsw4resume4crm', { status, jobs: [...fulls(), ...logJobs(PRE, PAUSE), ...logJobs(RESUME + 10, END)] });
  const silentLogs = plan('dbsw5resume2erp', { status, jobs: [...fulls(), ...logJobs(PRE, PAUSE)] });
  const nr = (p) => ({ ...labels(p), status: 'pause', value: 1 });
  tests.push({
    name: 'plans paused for 40h and resumed: no lag or overdue page on resume (the schedule counts again from the resume); log backups that do not restart page 2h after the resume',
    comment: [
      `Both plans: paused ${hm(PAUSE)}-${hm(RESUME)}, daily fulls at 17:00 UTC (none during the pause, so the newest is 31h old at the resume`,
      'and over 36h old from 18h20m on: only overdue if counted from before the pause), the next at 2d17h. dbsw4resume4crm: log backups',
      `resume ${hm(RESUME + 10)}. dbsw5resume2erp: log backups never resume: DBSIncrementalBackupLagging 2h after the last evaluation that saw it paused (${hm(RESUME + 2 * H - 10)}).`,
    ],
    step: 5, minutes: END,
    instances: [{ ...A, processes: [{ from: 0, to: END, lookbackFrom: PRE }] }],
    targets: [ACC], plans: [resumes, silentLogs],
    checks: [
      ...span('DBSBackupPlanNotRunning', PAUSE + 30, RESUME - 10, () => [nr(resumes), nr(silentLogs)], { step: 10 }),
      ...span('DBSIncrementalBackupLagging', RESUME + 2 * H - 10, END, (at) => [{ ...labels(silentLogs, 'incremental'), value: (at - PAUSE) * 60 }], { step: 10, after: false }),
      ...[RESUME, RESUME + 10, RESUME + H, RESUME + 2 * H].flatMap((at) => ['DBSFullBackupOverdue', 'DBSNoSuccessfulFullBackup'].map((alert) => ({ at, alert, firing: [] }))),
      only(END, 'DBSBackupPlanNotRunning', 'DBSIncrementalBackupLagging'),
    ],
  });
}

// ------------------------------------------------------------------ restore gap and failed restores: a day
{
  const R = 300, P = 600, O = 900, OE = 1015, END = 1560;
  const fulls = [...dailyFulls(-12, 0, { at: 17 * H })];
  const done = (jobs, m, type) => jobs.filter((j) => j.ok && j.type === type && j.end <= m);
  const points = (jobs, m) => done(jobs, m, 'full').filter((j) => j.end > m - 7 * D).map((j) => ({ type: 'point', start: j.end, end: j.end }));
  const newestLog = (jobs, m, before = Infinity) => Math.max(...done(jobs, m, 'incremental').filter((j) => j.end <= before).map((j) => j.end));
  /** DBS's ranges: points for the fulls, and continuous ranges broken where the log chain broke ([breakEnd, restart]). */
  const broken = (jobs, breakEnd, restart) => (m) => [
    ...points(jobs, m),
    { type: 'range', start: m - 7 * D, end: newestLog(jobs, m, breakEnd) },
    ...(m >= restart ? [{ type: 'range', start: restart, end: newestLog(jobs, m) }] : []),
  ];
  const gapJobs = [...fulls, full(80), ...logJobs(PRE, 40), ...logJobs(100, END)];
  const gap = plan('dbsw6gap4pay', { jobs: gapJobs, ranges: broken(gapJobs, 40, 100), pollDown: [[O, OE]] });
  const oldJobs = [...fulls, ...logJobs(PRE, END)];
  const oldGap = plan('dbsw7oldgap4crm', { jobs: oldJobs, ranges: broken(oldJobs, -2 * D, -2 * D + 60), pollDown: [[O, OE]] });
  const healthy = [...fulls, ...logJobs(PRE, END)];
  const failed = plan('dbsw8restore4crm', { jobs: healthy, restores: [{ start: 20, end: 30, ok: false }, { start: 200, end: 260, ok: true }], pollDown: [[O, OE]] });
  const forgotten = plan('dbsw9restore4erp', { jobs: healthy, restores: [{ start: -4 * D - 60, end: -4 * D, ok: false }, { start: 700, end: 760, ok: true }], pollDown: [[O, OE]] });
  const paused = plan('dbswapause4hr', { status: 'pause', jobs: fulls, restores: [{ start: -2 * D - 30, end: -2 * D, ok: false }], pollDown: [[O, OE]] });
  const retried = plan('dbswbok4shop', { jobs: healthy, restores: [{ start: -2 * D - 30, end: -2 * D, ok: false }, { start: -D - 30, end: -D, ok: true }], pollDown: [[O, OE]] });
  const all = [gap, oldGap, failed, forgotten, paused, retried];
  const moments = [R, R + 10, P, P + 10, O, O + 20, OE - 5, OE + 5];
  tests.push({
    name: 'a gap in point-in-time restore: DBSRestoreGap for a day after it ended; a failed restore: DBSRestoreFailed for a day, and while it is the newest outcome of a running plan (also once a restarted exporter no longer sees it); through a restart, a rollout and 2h of failed polls',
    comment: [
      'dbsw6gap4pay: the log chain breaks after the log backup ending 00:40; a full 01:20-01:40 starts a new continuous range: a 1h gap ending at',
      '01:40 (seen at the 01:45 range poll). dbsw7oldgap4crm: a 1h gap that ended 2 days ago. dbsw8restore4crm: a restore fails at 00:30,',
      `one succeeds at ${hm(260)}. dbsw9restore4erp: a restore failed 4 days ago (the exporter restarted at ${hm(R)} reads 72h back here), the next`,
      `succeeds at ${hm(760)}. dbswapause4hr: paused, its newest restore failed 2 days ago. dbswbok4shop: a restore failed 2 days ago, one succeeded since.`,
      `Restart at ${hm(R)} (one failed scrape), rollout at ${hm(P)} (one scrape of overlap), polls of every plan fail ${hm(O)}-${hm(OE)}.`,
    ],
    step: 5, minutes: END,
    instances: [
      { ...A, processes: [{ from: 0, to: R - 5, lookbackFrom: PRE }, { from: R + 5, to: P + 5 }], removedAt: P + 10 },
      { ...B, processes: [{ from: P, to: END }] },
    ],
    targets: [ACC], plans: all,
    checks: [
      ...timeline('DBSRestoreGap', 'warning', [[110, 1530, () => ({ ...labels(gap), value: 3600, queries: { 'dbs:restore_newest_gap_end_timestamp_seconds': T(100) } })]], { moments, step: 10, end: END }),
      ...timeline('DBSRestoreFailed', 'warning', [
        [30, 1460, () => ({ ...labels(failed), value: T(30) })],
        [0, 750, () => ({ ...labels(forgotten), value: T(-4 * D) })],
      ], { moments: [...moments, R + 20, 260, 270], step: 10, end: END }),
      ...timeline('DBSBackupPlanNotRunning', 'warning', [[30, END, () => ({ ...labels(paused), status: 'pause', value: 1 })]], { step: 10, end: END }),
      ...timeline('DBSExporterPlanPollFailing', 'warning', all.map((p) => [920, 1010, () => ({ ...labels(p), value: 0 })]), { step: 10, end: END }),
      only(END, 'DBSRestoreGap', 'DBSRestoreFailed', 'DBSBackupPlanNotRunning', 'DBSExporterPlanPollFailing'),
    ],
  });
}

writeFileSync(outFile('weeks.test.yml'), renderFile([
  'promtool unit tests of the shipped rules over long stretches, with every series at 5 minutes and the rules',
  'evaluated every 10 minutes (a week in a few seconds): a healthy week of daily and weekly fulls, and how long a',
  'disappeared plan pages, a restore gap and a failed restore (a day each). Series as dbs-exporter serves them; times from 1970-01-01T00:00:00Z (a Thursday).',
  'Run by test/rules/rules.test.ts.',
], '10m', tests));
