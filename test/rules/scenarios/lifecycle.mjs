/** Plan statuses, plans leaving the plan list, and the no-page restart and rollout (test/rules/lifecycle.test.yml). */
import { writeFileSync } from 'node:fs';
import { D, H, logJobs, renderFile, outFile } from './model.mjs';
import { A, ACC, PRE, exporters, dailyFulls, plan, labels, others } from './fleet.mjs';
import { hm, span, only } from './checks.mjs';

const tests = [];

// ------------------------------------------------------------------ healthy: restart and rollout
{
  const R = 15, P = 25, END = 60;
  const p = plan('dbse1ok4orders', { jobs: [...dailyFulls(-12, 0, { at: 10 }), ...logJobs(PRE, END)] });
  const waiting = plan('dbse2wait', { status: 'wait', interval: undefined, logEnabled: undefined, created: -30 * D, jobs: [] });
  tests.push({
    name: 'no page: a healthy plan and a plan in wait through an exporter restart and a rollout, during a full',
    comment: [
      `dbse1ok4orders: today's full runs 00:10-00:30, log backups every 5 minutes. dbse2wait: bought, never configured.`,
      `Exporter restart at ${hm(R)} (2 failed scrapes), rollout at ${hm(P)} (4 minutes of overlap).`,
    ],
    step: 1, minutes: END,
    instances: exporters({ restart: R, rollout: P, end: END }), targets: [ACC], plans: [p, waiting],
    checks: [{ at: R + 1, none: others() }, { at: P + 2, none: others() }, only(END)],
  });
}

// ------------------------------------------------------------------ paused
{
  const PAUSE = 10, F = PAUSE + 30, R = 50, P = 65, O = 80, OE = 199, RESUME = 215, END = 216;
  const status = (m) => (m >= PAUSE && m < RESUME ? 'pause' : 'running');
  const p = plan('dbsf1pause4crm', { status, logEnabled: false, jobs: dailyFulls(-12, -1, { at: 12 * H }) });
  const other = plan('dbsf2ok4billing', { jobs: [...dailyFulls(-12, -1, { at: 12 * H }), ...logJobs(PRE, END)] });
  tests.push({
    name: 'a plan is paused: DBSBackupPlanNotRunning after 30m, held through a restart, a rollout and 2h of DBS unreachable (status frozen), until it runs again',
    comment: [
      `dbsf1pause4crm is paused at ${hm(PAUSE)} and resumed at ${hm(RESUME)} (EnableBackupLog false). Restart at ${hm(R)}, rollout at ${hm(P)},`,
      `DescribeBackupPlanList fails ${hm(O)}-${hm(OE)}: the exporter keeps the last plan list (status pause) and DBSExporterTargetDown fires.`,
    ],
    step: 1, minutes: END,
    instances: exporters({ restart: R, rollout: P, end: END }), targets: [{ ...ACC, down: [[O, OE]] }], plans: [p, other],
    checks: [
      ...span('DBSBackupPlanNotRunning', F, RESUME - 1, () => [{ ...labels(p), status: 'pause', value: 1 }], { at: [R, R + 1, R + 2, P, P + 4, O, O + 10, OE, OE + 1] }),
      ...span('DBSExporterTargetDown', O + 10, OE, () => [{ ...ACC, value: 0 }]),
      only(END, 'DBSBackupPlanNotRunning', 'DBSExporterTargetDown'),
    ],
  });
}

// ------------------------------------------------------------------ the other statuses
{
  const R = 20, P = 40, UNLOCK = 70, END = 80;
  const mk = (id, status, over = {}) => plan(id, { status, jobs: [...dailyFulls(-12, -1, { at: 12 * H }), ...logJobs(PRE, 5)], ...over });
  const stopped = mk('dbsg1stop', (m) => (m >= 5 ? 'stop' : 'running'));
  const locked = mk('dbsg2locked', (m) => (m >= 5 && m < UNLOCK ? 'locked' : 'running'), { jobs: [...dailyFulls(-12, -1, { at: 12 * H }), ...logJobs(PRE, 5), ...logJobs(UNLOCK, END)] });
  const checkPass = mk('dbsg3checkpass', (m) => (m >= 5 ? 'check_pass' : 'running'));
  const initOld = plan('dbsg4init8h', { status: 'init', created: -8 * H, jobs: [] });
  const initAged = plan('dbsg5init5h40', { status: 'init', created: -5 * H - 40, jobs: [] });
  const initNew = plan('dbsg6init1h', { status: (m) => (m >= 30 ? 'running' : 'init'), created: -H, jobs: [], logEnabled: false, logOffIntended: true, interval: 86_400 });
  const waiting = plan('dbsg7wait', { status: 'wait', interval: undefined, logEnabled: undefined, created: -30 * D, jobs: [] });
  const nr = (p, status) => ({ ...labels(p), status, value: 1 });
  // who pages when: stop, locked, check_pass from 00:35 (30m after 00:05), dbsg4init8h from 00:30, dbsg5init5h40 from 00:50
  const pages = [[stopped, 'stop', 35, END], [locked, 'locked', 35, UNLOCK - 1], [checkPass, 'check_pass', 35, END], [initOld, 'init', 30, END], [initAged, 'init', 50, END]];
  const firingAt = (at) => pages.filter(([, , from, to]) => at >= from && at <= to).map(([p, status]) => nr(p, status));
  tests.push({
    name: 'stop, locked and check_pass page after 30m (through a restart and a rollout), init only 6h after the plan was created, wait never',
    comment: [
      `At 00:05 dbsg1stop stops, dbsg2locked is locked (until ${hm(UNLOCK)}), dbsg3checkpass goes to check_pass.`,
      'In init: dbsg4init8h (created 8h before 00:00), dbsg5init5h40 (created 5h40m before: 6h old at 00:20),',
      `dbsg6init1h (created 1h before, running from 00:30). dbsg7wait: bought, never configured. Restart at ${hm(R)}, rollout at ${hm(P)}.`,
    ],
    step: 1, minutes: END,
    instances: exporters({ restart: R, rollout: P, end: END }),
    targets: [ACC], plans: [stopped, locked, checkPass, initOld, initAged, initNew, waiting],
    checks: [
      ...[29, 30, 34, 35, R, R + 1, R + 2, P, P + 4, 49, 50, UNLOCK - 1, UNLOCK, END].map((at) => ({ at, alert: 'DBSBackupPlanNotRunning', firing: firingAt(at) })),
      {
        promql: {
          expr: `count_over_time(ALERTS{alertname="DBSBackupPlanNotRunning", alertstate="firing"}[${hm(END - 30)}])`, at: END,
          samples: pages.map(([p, status, from, to]) => ({
            labels: `{alertname="DBSBackupPlanNotRunning", alertstate="firing", severity="warning", account="prod", region="cn-hangzhou", backup_plan_id="${p.id}", status="${status}"}`,
            value: to - from + 1,
          })),
        },
      },
      only(END, 'DBSBackupPlanNotRunning'),
    ],
  });
}

// ------------------------------------------------------------------ disappeared
{
  const GONE = 20, F = GONE + 15, R = 45, P = 60, O = 75, OE = 194, BACK = 215, END = 216;
  const listedFn = (m) => m < GONE || m >= BACK;
  const jobs = [...dailyFulls(-12, -1, { at: 12 * H }), ...logJobs(PRE, END)];
  const gone = plan('dbsh1gone4crm', { listed: listedFn, jobs });
  const pausedGone = plan('dbsh2paused', { status: 'pause', listed: (m) => m < GONE, logEnabled: false, jobs: dailyFulls(-12, -1, { at: 12 * H }) });
  const stays = plan('dbsh3ok4billing', { jobs });
  tests.push({
    name: 'a running plan leaves the plan list: DBSBackupPlanDisappeared after 15m, held through a restart, a rollout and 2h of DBS unreachable, until it is listed again; a paused plan that leaves does not page',
    comment: [
      `dbsh1gone4crm (running) and dbsh2paused (paused all along) are no longer listed from ${hm(GONE)}: the exporter drops their series.`,
      `dbsh1gone4crm is listed again from ${hm(BACK)}. Restart at ${hm(R)} (up 0 for 2 scrapes), rollout at ${hm(P)},`,
      `DescribeBackupPlanList fails ${hm(O)}-${hm(OE)}.`,
    ],
    step: 1, minutes: END,
    instances: exporters({ restart: R, rollout: P, end: END }), targets: [{ ...ACC, down: [[O, OE]] }], plans: [gone, pausedGone, stays],
    checks: [
      ...span('DBSBackupPlanDisappeared', F, BACK - 1, () => [{ ...labels(gone), value: 1 }], { at: [R, R + 1, R + 2, P, P + 4, O, O + 10, OE, OE + 1] }),
      ...span('DBSExporterTargetDown', O + 10, OE, () => [{ ...ACC, value: 0 }]),
      // dbsh2paused pages as paused (30m after the test's first evaluation) until its status is 15m gone; not as disappeared
      ...span('DBSBackupPlanNotRunning', 30, GONE + 14, () => [{ ...labels(pausedGone), status: 'pause', value: 1 }]),
      only(END, 'DBSBackupPlanDisappeared', 'DBSExporterTargetDown', 'DBSBackupPlanNotRunning'),
    ],
  });
}

// ------------------------------------------------------------------ left out by the plan selection
{
  const PAUSE = 20, R = 40, END = 120;
  // plans: { include: { statuses: [running] } }: once paused, the plan is listed but not selected.
  const p = plan('dbsh4filtered', { status: (m) => (m >= PAUSE ? 'pause' : 'running'), excluded: (m) => m >= PAUSE, jobs: [...dailyFulls(-12, -1, { at: 12 * H }), ...logJobs(PRE, END)] });
  tests.push({
    name: 'a running plan paused out of a status filter (dbs_exporter_plan_excluded): no DBSBackupPlanDisappeared, also across a restart',
    comment: [`dbsh4filtered is paused at ${hm(PAUSE)}; the exporter selects only running plans, so from then on it exports only dbs_exporter_plan_excluded for it. Restart at ${hm(R)}.`],
    step: 1, minutes: END,
    instances: [{ ...A, processes: [{ from: 0, to: R - 1, lookbackFrom: PRE }, { from: R + 2, to: END }] }], targets: [ACC], plans: [p],
    checks: [...[PAUSE + 16, R + 1, R + 5, END].map((at) => ({ at, alert: 'DBSBackupPlanDisappeared', firing: [] })), only(END)],
  });
}

writeFileSync(outFile('lifecycle.test.yml'), renderFile([
  'promtool unit tests of the shipped rules: plan lifecycle (statuses, plans leaving the plan list) and',
  'the no-page cases of an exporter restart and a rollout. Series as dbs-exporter serves them, minute by',
  'minute; times from 1970-01-01T00:00:00Z. Run by test/rules/rules.test.ts.',
], '1m', tests));
