/** The exporter's own alerts (test/rules/exporter.test.yml). */
import { writeFileSync } from 'node:fs';
import { H, logJobs, renderFile, outFile } from './model.mjs';
import { ACC, A, PRE, exporters, dailyFulls, plan, labels } from './fleet.mjs';
import { hm, span, only } from './checks.mjs';

const tests = [];
const STAGING = { account: 'staging', region: 'ap-southeast-1' };
const healthyJobs = (end) => [...dailyFulls(-12, -1, { at: 12 * H }), ...logJobs(PRE, end)];

// ------------------------------------------------------------------ target down
{
  const DOWN = 10, R = 30, P = 45, NET = 50, NET_UP = 80, UP = 100, END = 110;
  const p = plan('dbsi1prod4crm', { jobs: healthyJobs(END) });
  const forbidden = (m) => m >= DOWN && m < UP;
  const unreachable = (m) => m >= NET && m < NET_UP;
  const prod = [{ ...ACC, value: 0 }];
  const both = [{ ...ACC, value: 0 }, { ...STAGING, value: 0 }];
  tests.push({
    name: 'DBS forbids one account\'s plan list, another is unreachable: DBSExporterTargetDown for each after 10m, held through a restart (the new process knows no plan) and a rollout, until DBS answers; no plan page',
    comment: [
      `DescribeBackupPlanList answers Forbidden for prod from ${hm(DOWN)} to ${hm(UP - 1)}; staging (no plans) is unreachable from ${hm(NET)} to ${hm(NET_UP - 1)}.`,
      `Restart at ${hm(R)}: the new process has no plan list for prod, so its plan's series end (no page from that). Rollout at ${hm(P)}.`,
    ],
    step: 1, minutes: END,
    instances: exporters({ restart: R, rollout: P, end: END }),
    targets: [{ ...ACC, down: [[DOWN, UP - 1]] }, { ...STAGING, down: [[NET, NET_UP - 1]] }],
    requests: [
      { account: 'prod', action: 'DescribeBackupPlanList', code: 'ok', perStep: (m) => (forbidden(m) ? 0 : 1) },
      { account: 'prod', action: 'DescribeBackupPlanList', code: 'forbidden', perStep: (m) => (forbidden(m) ? 1 : 0) },
      { account: 'staging', action: 'DescribeBackupPlanList', code: 'ok', perStep: (m) => (unreachable(m) ? 0 : 1) },
      { account: 'staging', action: 'DescribeBackupPlanList', code: 'network', perStep: (m) => (unreachable(m) ? 3 : 0) },
    ],
    plans: [p],
    checks: [
      { at: DOWN + 9, alert: 'DBSExporterTargetDown', firing: [] },
      ...[DOWN + 10, R, R + 1, R + 2, R + 16, P, P + 4, NET + 9].map((at) => ({ at, alert: 'DBSExporterTargetDown', firing: prod })),
      ...[NET + 10, NET_UP - 1].map((at) => ({ at, alert: 'DBSExporterTargetDown', firing: both })),
      ...[NET_UP, UP - 1].map((at) => ({ at, alert: 'DBSExporterTargetDown', firing: prod })),
      { at: UP, alert: 'DBSExporterTargetDown', firing: [] },
      {
        promql: {
          expr: `count_over_time(ALERTS{alertname="DBSExporterTargetDown", alertstate="firing"}[${hm(UP - 1 - DOWN - 10)}])`, at: UP - 1,
          samples: [
            { labels: '{alertname="DBSExporterTargetDown", alertstate="firing", severity="critical", account="prod", region="cn-hangzhou"}', value: UP - DOWN - 10 },
            { labels: '{alertname="DBSExporterTargetDown", alertstate="firing", severity="critical", account="staging", region="ap-southeast-1"}', value: NET_UP - NET - 10 },
          ],
        },
      },
      only(END, 'DBSExporterTargetDown'),
    ],
  });
}

// ------------------------------------------------------------------ throttled
{
  const R = 60, P = 75, END = 106;
  const throttled = (m) => m > 10 && m <= 100;
  const p = plan('dbsj1prod4crm', { jobs: healthyJobs(END) });
  tests.push({
    name: 'a third of one account\'s DBS requests are throttled: DBSExporterThrottled after 30m, held through a restart (counters start again) and a rollout, until the throttling stops',
    comment: [
      'prod: 10 requests a minute answered, 5 throttled from 00:11 to 01:40; staging: 1 in 11 throttled all along.',
      `Restart at ${hm(R)}, rollout at ${hm(P)}.`,
    ],
    step: 1, minutes: END,
    instances: exporters({ restart: R, rollout: P, end: END }),
    targets: [ACC, STAGING],
    requests: [
      { account: 'prod', action: 'DescribeFullBackupList', code: 'ok', perStep: () => 10 },
      { account: 'prod', action: 'DescribeFullBackupList', code: 'throttled', perStep: (m) => (throttled(m) ? 5 : 0) },
      { account: 'staging', action: 'DescribeFullBackupList', code: 'ok', perStep: () => 10 },
      { account: 'staging', action: 'DescribeFullBackupList', code: 'throttled', perStep: () => 1 },
    ],
    plans: [p],
    checks: [
      // over 20% from 00:16 (30 of 130 in the last 10 minutes), for 30m
      // throttled in the last 10 minutes: 50 of 150 until 01:40, then 5 fewer a minute; under 20% from 01:45 (25 of 125)
      ...span('DBSExporterThrottled', 46, 104, (at) => [{ account: 'prod', value: at <= 100 ? 1 / 3 : (5 * (110 - at)) / (100 + 5 * (110 - at)) }], { at: [R, R + 1, R + 2, P, P + 4, 100, 101] }),
      only(END, 'DBSExporterThrottled'),
    ],
  });
}

// ------------------------------------------------------------------ one plan's polls fail
{
  const FAIL = 10, F = FAIL + 15, R = 35, P = 50, OK = 100, END = 101;
  const p = plan('dbsk1poll4crm', { jobs: healthyJobs(END), pollDown: [[FAIL, OK - 1]] });
  const q = plan('dbsk2ok4billing', { jobs: healthyJobs(END) });
  tests.push({
    name: 'one plan\'s job listings fail: DBSExporterPlanPollFailing after 15m, held through a restart (the new process lists the plan but has never polled it) and a rollout, until a poll works; no backup page from its stale values',
    comment: [
      `DescribeFullBackupList fails for dbsk1poll4crm from ${hm(FAIL)} to ${hm(OK - 1)}; the plan list answers. Restart at ${hm(R)}: the new`,
      `process exports the plan's status and info but no backup timestamps. Rollout at ${hm(P)}.`,
    ],
    step: 1, minutes: END,
    instances: exporters({ restart: R, rollout: P, end: END }), targets: [ACC], plans: [p, q],
    checks: [
      ...span('DBSExporterPlanPollFailing', F, OK - 1, () => [{ ...labels(p), value: 0 }], { at: [R, R + 1, R + 2, R + 16, P, P + 4] }),
      only(END, 'DBSExporterPlanPollFailing'),
    ],
  });
}

// ------------------------------------------------------------------ exporter down
{
  const DOWN = 10, BACK = 40, GONE = 60, END = 66;
  const p = plan('dbsl1ok4crm', { jobs: healthyJobs(END) });
  tests.push({
    name: 'the exporter cannot be scraped: DBSExporterDown after 5m until it answers; no scrape target at all: DBSExporterDown after 5m',
    comment: [`Scrapes of the exporter fail from ${hm(DOWN)} to ${hm(BACK - 1)} (crash loop); its target is gone from ${hm(GONE)} (deployment deleted).`],
    step: 1, minutes: END,
    instances: [{ ...A, processes: [{ from: 0, to: DOWN - 1, lookbackFrom: PRE }, { from: BACK, to: GONE - 1 }], removedAt: GONE }],
    targets: [ACC], plans: [p],
    checks: [
      ...span('DBSExporterDown', DOWN + 5, BACK - 1, () => [{ job: 'dbs-exporter', instance: A.instance, value: 0 }], ),
      { at: GONE + 4, alert: 'DBSExporterDown', firing: [] },
      { at: GONE + 5, alert: 'DBSExporterDown', firing: [{ job: 'dbs-exporter', value: 1 }] },
      { at: GONE + 6, alert: 'DBSExporterDown', firing: [{ job: 'dbs-exporter', value: 1 }] },
      only(END, 'DBSExporterDown'),
    ],
  });
}

writeFileSync(outFile('exporter.test.yml'), renderFile([
  'promtool unit tests of the shipped rules: the exporter\'s own alerts (DBS unreachable or throttling,',
  'a plan that cannot be polled, the exporter down). Series as dbs-exporter serves them, minute by minute;',
  'times from 1970-01-01T00:00:00Z. Run by test/rules/rules.test.ts.',
], '1m', tests));
