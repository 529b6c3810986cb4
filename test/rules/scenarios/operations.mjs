/**
 * Operational stops (test/rules/operations.test.yml, docs/design/operational-stops.md): a prepaid plan's expiry,
 * backup traffic, retention and encryption expectations, backup gateways, and DBS's reason for a failed full;
 * each through an exporter restart, a rollout and a DBS outage.
 */
import { writeFileSync } from 'node:fs';
import { D, full, logJobs, renderFile, outFile } from './model.mjs';
import { ACC, PRE, exporters, dailyFulls, plan, labels } from './fleet.mjs';
import { T, hm, span, only, timeline } from './checks.mjs';

const tests = [];
const GIB = 1_073_741_824;
const POLLS = 'DBSExporterPlanPollFailing';
const TARGET_DOWN = 'DBSExporterTargetDown';
const NR = 'DBSBackupPlanNotRunning';
const SOON = 'DBSBackupPlanExpiringSoon';
const EXPIRED = 'DBSBackupPlanExpired';
const TRAFFIC = 'DBSBackupTrafficQuotaNearlyUsed';
const GW_DOWN = 'DBSBackupGatewayDown';
const PLAN_GW_DOWN = 'DBSBackupPlanGatewayDown';
const RETENTION = 'DBSBackupRetentionBelowMinimum';
const UNENCRYPTED = 'DBSBackupStorageUnencrypted';

/** A plan whose backups are all on schedule: daily fulls and log backups every 5 minutes. */
const healthy = (id, over = {}) => plan(id, { jobs: [...dailyFulls(-12, 0, { at: 17 * 60 }), ...logJobs(PRE, 24 * 60)], ...over });
const promLabels = (obj) => `{${Object.entries(obj).map(([k, v]) => `${k}="${v}"`).join(', ')}}`;
/** The page that fires at `at` is the one that became active at `activeAt` (ALERTS_FOR_STATE): no restart, rollout or outage started a new one. */
function activeSince(alert, severity, alertLabels, activeAt, at) {
  const all = { alertname: alert, ...alertLabels };
  return { promql: { expr: `ALERTS_FOR_STATE${promLabels(all)}`, at, samples: [{ labels: `ALERTS_FOR_STATE${promLabels({ ...all, severity })}`, value: T(activeAt) }] } };
}
const disruptions = (R, P, outage) => `Exporter restart at ${hm(R)} (2 failed scrapes), rollout at ${hm(P)} (old and new pod overlap 4m), ${outage}.`;

// ------------------------------------------------------------------ subscription expiry
{
  const R = 50, P = 65, O = 80, OE = 140, END = 240;
  const later = plan('dbso1prepay4orders', { expiry: 14 * D + 30 });
  const soon = plan('dbso2prepay4crm', { expiry: 30 });
  const duringOutage = plan('dbso3prepay4pay', { expiry: 100 });
  const renewed = plan('dbso4renew4erp', { expiry: (m) => (m < 45 ? 10 * D : 375 * D) });
  const postpaid = plan('dbso5postpay4dw', { encrypted: true });
  const expiry = (p, m = 0) => ({ 'dbs:operations_plan_expiry_timestamp_seconds': T(typeof p.expiry === 'function' ? p.expiry(m) : p.expiry) });
  const left = (p) => (at) => ({ ...labels(p), value: T(p.expiry) - T(at), queries: expiry(p) });
  const moments = [R, R + 1, R + 2, P, P + 4, O, O + 10, O + 30, OE, OE + 1];
  tests.push({
    name: 'prepaid plans: DBSBackupPlanExpiringSoon within 14d of the expiry, DBSBackupPlanExpired from it while DBS lists the plan, through a restart, a rollout and an hour of DBS unreachable (the expiry known before it still counts); a renewal ends the warning; a pay-as-you-go plan has no expiry',
    comment: [
      `dbso1prepay4orders expires 14d after ${hm(30)}; dbso2prepay4crm at ${hm(30)}; dbso3prepay4pay at ${hm(100)}, while DBS is unreachable.`,
      `dbso4renew4erp expires in 10 days until it is renewed for a year at ${hm(45)}. dbso5postpay4dw: pay-as-you-go, no InstanceExpiredTimestamp.`,
      disruptions(R, P, `DescribeBackupPlanList fails ${hm(O)}-${hm(OE)} (the last plan list stands)`),
    ],
    step: 1, minutes: END,
    instances: exporters({ restart: R, rollout: P, end: END }), targets: [{ ...ACC, down: [[O, OE]] }], plans: [later, soon, duringOutage, renewed, postpaid].map((p) => ({ ...p, jobs: healthy(p.id).jobs })),
    checks: [
      ...timeline(SOON, 'warning', [
        [31, END, left(later)],
        [0, 29, left(soon)],
        [0, 99, left(duringOutage)],
        [0, 44, (at) => ({ ...labels(renewed), value: T(10 * D) - T(at), queries: expiry(renewed) })],
      ], { moments, end: END }),
      ...timeline(EXPIRED, 'critical', [
        [30, END, () => ({ ...labels(soon), value: T(30) })],
        [100, END, () => ({ ...labels(duringOutage), value: T(100) })],
      ], { moments, end: END }),
      activeSince(SOON, 'warning', labels(later), 31, END),
      activeSince(EXPIRED, 'critical', labels(soon), 30, END),
      activeSince(EXPIRED, 'critical', labels(duringOutage), 100, END),
      ...span(TARGET_DOWN, O + 10, OE, () => [{ ...ACC, value: 0 }]),
      only(END, SOON, EXPIRED, TARGET_DOWN),
    ],
  });
}

// ------------------------------------------------------------------ backup traffic
{
  const R = 100, P = 115, O = 130, OE = 189, END = 300;
  const period = (m, used) => (m < 240 ? used : { full: 0, incremental: GIB });
  const nearly = healthy('dbso10traffic4orders', { trafficRatio: 0.9, billing: (m) => ({ free: 100 * GIB, used: period(m, { full: 60 * GIB, incremental: (m < 60 ? 20 : 35) * GIB }) }) });
  const unlimited = healthy('dbso11unlimited4crm', { trafficRatio: 0.9, billing: () => ({ unlimited: true, used: { full: 400 * GIB, incremental: 100 * GIB } }) });
  const noRatio = healthy('dbso12noratio4erp', { billing: () => ({ free: 100 * GIB, used: { full: 90 * GIB, incremental: 9 * GIB } }) });
  const noFree = healthy('dbso13nofree4dw', { trafficRatio: 0.5, billing: () => ({ used: { full: 90 * GIB, incremental: 9 * GIB } }) });
  const under = healthy('dbso14under4hr', { trafficRatio: 0.9, billing: () => ({ free: 100 * GIB, used: { full: 40 * GIB, incremental: 10 * GIB } }) });
  const all = [nearly, unlimited, noRatio, noFree, under];
  tests.push({
    name: 'backup traffic (opt-in per plan): DBSBackupTrafficQuotaNearlyUsed from the billing poll that shows 95% of the free traffic used (90% configured), through a restart, a rollout and an hour of failed polls, until the next billing period; not with an unlimited quota, without free bytes, without a configured ratio, nor under it',
    comment: [
      `dbso10traffic4orders: 100 GiB free, 80 GiB used until ${hm(60)}, then 95 GiB; a new billing period from ${hm(240)} (1 GiB used). DescribeBackupPlanBilling runs hourly per process`,
      `(at its first poll, then when due; a failed poll is retried next cycle): the new period shows at ${hm(250)}. dbso11unlimited4crm: IsFreeBytesUnlimited, 500 GiB used.`,
      'dbso12noratio4erp: 99% used, no ratio configured. dbso13nofree4dw: ratio 0.5, TotalFreeBytes not sent. dbso14under4hr: 50% used, ratio 0.9.',
      disruptions(R, P, `polls of every plan fail ${hm(O)}-${hm(OE)}`),
    ],
    step: 1, minutes: END,
    instances: exporters({ restart: R, rollout: P, end: END }), targets: [ACC], plans: all.map((p) => ({ ...p, pollDown: [[O, OE]] })),
    checks: [
      ...timeline(TRAFFIC, 'warning', [[60, 249, () => ({ ...labels(nearly), value: 0.95, queries: { 'dbs:operations_backup_traffic_alert_ratio': 0.9 } })]], {
        moments: [R, R + 1, R + 2, P, P + 4, O, O + 15, OE, OE + 1, 240],
        end: END,
      }),
      activeSince(TRAFFIC, 'warning', labels(nearly), 60, 249),
      ...span(POLLS, O + 15, OE, () => all.map((p) => ({ ...labels(p), value: 0 }))),
      only(END, TRAFFIC, POLLS),
    ],
  });
}

// ------------------------------------------------------------------ retention and storage encryption
{
  const R = 50, P = 65, O = 80, OE = 140, RAISED = 170, END = 200;
  const week = 7 * 86_400, month = 30 * 86_400;
  const short = healthy('dbso20short4orders', { retention: (m) => ({ full: m < RAISED ? week : month, incremental: week }), minRetention: { full: month, incremental: week } });
  const noMinimum = healthy('dbso21nomin4crm', { retention: { full: week, incremental: week } });
  const plain = healthy('dbso22plain4erp', { encrypted: false, encryptionRequired: true });
  const kms = healthy('dbso23kms4dw', { encrypted: true, encryptionRequired: true });
  const notRequired = healthy('dbso24plain4hr', { encrypted: false });
  const moments = [R, R + 1, R + 2, P, P + 4, O, O + 10, OE, OE + 1];
  tests.push({
    name: 'settings against expectations (opt-in per plan): DBSBackupRetentionBelowMinimum for a full retention of 7d under a 30d minimum until it is raised, DBSBackupStorageUnencrypted for unencrypted storage that must be encrypted; through a restart, a rollout and an hour of DBS unreachable; none without the expectation, nor when it is met',
    comment: [
      `dbso20short4orders: full and log backups kept 7d, minimum 30d (full) and 7d (incremental); the full retention is raised to 30d at ${hm(RAISED)}.`,
      'dbso21nomin4crm: 7d, no minimum. dbso22plain4erp: unencrypted, encryption required. dbso23kms4dw: encrypted (kms), required. dbso24plain4hr: unencrypted, not required.',
      disruptions(R, P, `DescribeBackupPlanList fails ${hm(O)}-${hm(OE)} (the last plan list stands)`),
    ],
    step: 1, minutes: END,
    instances: exporters({ restart: R, rollout: P, end: END }), targets: [{ ...ACC, down: [[O, OE]] }], plans: [short, noMinimum, plain, kms, notRequired],
    checks: [
      ...timeline(RETENTION, 'warning', [[0, RAISED - 1, () => ({ ...labels(short, 'full'), value: week, queries: { 'dbs:operations_backup_retention_minimum_seconds': month } })]], { moments, end: END }),
      ...timeline(UNENCRYPTED, 'warning', [[0, END, () => ({ ...labels(plain), value: 0 })]], { moments, end: END }),
      activeSince(RETENTION, 'warning', labels(short, 'full'), 0, RAISED - 1),
      activeSince(UNENCRYPTED, 'warning', labels(plain), 0, END),
      ...span(TARGET_DOWN, O + 10, OE, () => [{ ...ACC, value: 0 }]),
      only(END, RETENTION, UNENCRYPTED, TARGET_DOWN),
    ],
  });
}

// ------------------------------------------------------------------ backup gateways
{
  const R = 40, P = 55, O = 90, OE = 130, BACK = 200, SILENT = 60, HEARD = 220, END = 240;
  const gateway = (id, name, over) => ({ ...ACC, id, name, hostname: `${name}.idc.example`, status: 'ONLINE', heartbeat: (m) => m, ...over });
  const offline = gateway('1001', 'idc-orders', { status: (m) => (m >= 20 && m < BACK ? 'OFFLINE' : 'ONLINE'), heartbeat: (m) => (m >= 20 && m < BACK ? 19 : m) });
  const pausedOnly = gateway('1002', 'idc-archive', { status: (m) => (m >= 20 ? 'OFFLINE' : 'ONLINE'), heartbeat: (m) => Math.min(m, 19) });
  const silent = gateway('1003', 'idc-crm', { heartbeat: (m) => (m >= SILENT && m < HEARD ? SILENT : m) });
  const fine = gateway('1004', 'idc-erp');
  const a = healthy('dbso30gw4orders', { gateway: '1001' });
  const b = healthy('dbso31gw4pay', { gateway: '1001' });
  const c = healthy('dbso32gw4old', { gateway: '1001', status: 'pause' });
  const d = healthy('dbso33gw4arch', { gateway: '1002', status: 'pause' });
  const e = healthy('dbso34gw4crm', { gateway: '1003' });
  const f = healthy('dbso35gw4erp', { gateway: '1004' });
  const cloud = healthy('dbso36cloud4dw', { gateway: '' });
  const gl = (g) => ({ ...ACC, backup_gateway_id: g.id });
  const queries = (g, status, heartbeat) => (at) => ({
    dbs_backup_gateway_info: { display_name: g.name, hostname: g.hostname },
    'dbs:operations_gateway_status:bridged': { status },
    'dbs:operations_gateway_heartbeat_age_seconds': T(at) - T(heartbeat),
  });
  const moments = [R, R + 1, R + 2, P, P + 4, O, O + 1, O + 15, O + 30, OE, OE + 1];
  tests.push({
    name: 'backup gateways: DBSBackupGatewayDown (critical, valued with the running plans behind it) and DBSBackupPlanGatewayDown (info, one per running plan, for inhibition) 5m after a gateway goes OFFLINE or falls silent for 10m, through a restart, a rollout and 40 minutes of failed gateway listings, until it is back; paused plans do not count, and a gateway serving only paused plans, a cloud database without one, and a healthy gateway whose held heartbeat ages while the listing fails page nothing',
    comment: [
      `Gateway 1001 (idc-orders) is OFFLINE ${hm(20)}-${hm(BACK)}; it serves running dbso30gw4orders and dbso31gw4pay, and paused dbso32gw4old.`,
      `Gateway 1002 (idc-archive) is OFFLINE from ${hm(20)}, serving only paused dbso33gw4arch. Gateway 1003 (idc-crm) stays ONLINE but sends no heartbeat`,
      `${hm(SILENT)}-${hm(HEARD)}; it serves dbso34gw4crm. Gateway 1004 (idc-erp) is healthy (dbso35gw4erp). dbso36cloud4dw: a cloud database, no gateway.`,
      disruptions(R, P, `DescribeBackupGatewayList fails ${hm(O)}-${hm(OE)} (the last listing stands, dbs_exporter_gateway_list_success 0; 1004's held heartbeat is over 10m old from ${hm(O + 10)})`),
    ],
    step: 1, minutes: END,
    instances: exporters({ restart: R, rollout: P, end: END }), targets: [{ ...ACC, gatewayDown: [[O, OE]] }], gateways: [offline, pausedOnly, silent, fine], plans: [a, b, c, d, e, f, cloud],
    checks: [
      ...timeline(GW_DOWN, 'critical', [
        [25, BACK - 1, (at) => ({ ...gl(offline), value: 2, queries: queries(offline, 'OFFLINE', 19)(at) })],
        [SILENT + 16, HEARD - 1, (at) => ({ ...gl(silent), value: 1, queries: queries(silent, 'ONLINE', SILENT)(at) })],
      ], { moments: [...moments, 20, 24, SILENT + 11, SILENT + 15], end: END }),
      ...timeline(PLAN_GW_DOWN, 'info', [
        [25, BACK - 1, () => ({ ...labels(a), backup_gateway_id: '1001', value: 1 })],
        [25, BACK - 1, () => ({ ...labels(b), backup_gateway_id: '1001', value: 1 })],
        [SILENT + 16, HEARD - 1, () => ({ ...labels(e), backup_gateway_id: '1003', value: 1 })],
      ], { moments: [...moments, 20, 24, SILENT + 11, SILENT + 15], end: END }),
      activeSince(GW_DOWN, 'critical', gl(offline), 20, BACK - 1),
      activeSince(GW_DOWN, 'critical', gl(silent), SILENT + 11, HEARD - 1),
      activeSince(PLAN_GW_DOWN, 'info', { ...labels(a), backup_gateway_id: '1001' }, 20, BACK - 1),
      activeSince(PLAN_GW_DOWN, 'info', { ...labels(e), backup_gateway_id: '1003' }, SILENT + 11, HEARD - 1),
      ...timeline(NR, 'warning', [
        [30, END, () => ({ ...labels(c), status: 'pause', value: 1 })],
        [30, END, () => ({ ...labels(d), status: 'pause', value: 1 })],
      ], { end: END }),
      only(END, GW_DOWN, PLAN_GW_DOWN, NR),
    ],
  });
}

// ------------------------------------------------------------------ why a full failed
{
  const F = 30, FIXED = 220, END = 221;
  const R = F + 10, P = F + 25, O = F + 40, OE = F + 159;
  const reason = { error_code: 'DBS.FullBackup.SourceConnectFailed', error_message: "Failed to connect to the source database: check the network and the account's password" };
  const failed = { ...full(10, { ok: false }), reason: { code: reason.error_code, message: reason.error_message } };
  const p = plan('dbso40reason4erp', { jobs: [...dailyFulls(-12, -1, { at: 10 }), failed, full(200), ...logJobs(PRE, END)], pollDown: [[O, OE]] });
  const log = plan('dbso41log4pay', { jobs: [...dailyFulls(-12, 0, { at: 17 * 60 }), ...logJobs(PRE, END, { fail: (e) => e === 30 })], pollDown: [[O, OE]] });
  const moments = [R, R + 1, R + 2, P, P + 4, O, O + 15, O + 30, OE, OE + 1];
  tests.push({
    name: "a failed full's reason: DBSBackupJobFailed quotes DBS's error code and message (DescribeJobErrorCode), through a restart, a rollout and 2h of failed polls, until a full succeeds; a failed log backup has none to quote",
    comment: [
      `dbso40reason4erp: today's full (00:10-00:30) fails with DBS.FullBackup.SourceConnectFailed; a manual full runs ${hm(200)}-${hm(FIXED)} and succeeds.`,
      'dbso41log4pay: the log backup ending at 00:30 fails (no reason is asked for log backups).',
      disruptions(R, P, `polls fail ${hm(O)}-${hm(OE)}`),
    ],
    step: 1, minutes: END, instances: exporters({ restart: R, rollout: P, end: END }), targets: [ACC], plans: [p, log],
    checks: [
      ...timeline('DBSBackupJobFailed', 'warning', [
        [F, FIXED - 1, () => ({ ...labels(p, 'full'), value: T(30), queries: { dbs_backup_last_failure_reason_info: reason } })],
        [F, 89, () => ({ ...labels(log, 'incremental'), value: T(30) })],
      ], { moments, end: END }),
      ...span(POLLS, O + 15, OE, () => [{ ...labels(p), value: 0 }, { ...labels(log), value: 0 }]),
      only(END, 'DBSBackupJobFailed', POLLS),
    ],
  });
}

writeFileSync(outFile('operations.test.yml'), renderFile([
  'promtool unit tests of the shipped rules: operational stops (docs/design/operational-stops.md) as dbs-exporter serves',
  "their series: a prepaid plan's expiry, backup traffic, retention and encryption expectations, backup gateways, and",
  "DBS's reason for a failed full; each through an exporter restart, a rolling update and a DBS outage: the page starts",
  'when it should, holds at every evaluation without a new activeAt (ALERTS_FOR_STATE), ends when the incident does,',
  'and no other alert fires. Times from 1970-01-01T00:00:00Z. Run by test/rules/rules.test.ts.',
], '1m', tests));
