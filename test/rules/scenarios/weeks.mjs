/** Long stretches at 5m (test/rules/weeks.test.yml): a healthy week, a disappeared plan's 6h. */
import { writeFileSync } from 'node:fs';
import { D, H, full, logJobs, renderFile, ALERT_NAMES, outFile } from './model.mjs';
import { ACC, A, B, PRE, dailyFulls, plan, labels } from './fleet.mjs';
import { hm, span, only, silent } from './checks.mjs';

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

writeFileSync(outFile('weeks.test.yml'), renderFile([
  'promtool unit tests of the shipped rules over long stretches, with every series at 5 minutes and the rules',
  'evaluated every 10 minutes (a week in a few seconds): a healthy week of daily and weekly fulls, and how long a',
  'disappeared plan pages. Series as dbs-exporter serves them; times from 1970-01-01T00:00:00Z (a Thursday).',
  'Run by test/rules/rules.test.ts.',
], '10m', tests));
