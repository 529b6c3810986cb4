/**
 * The landing page's operational stops without HTTP (docs/design/operational-stops.md): a prepaid
 * plan's subscription, its backup traffic, its backup gateway, DBS's reason for a failed full, and the
 * settings the expectations check; as problems (at the operations rules' thresholds, at their edges),
 * in the plan's cell, in the backup gateways section, escaped, and in /api/v1/status.
 */
import { describe, expect, it } from 'vitest';
import type { GatewaySnapshot, PlanSnapshot, Snapshot, TargetSnapshot } from '../../src/collector/snapshot.js';
import { type ObservedJob, type PlanInfo, mergeJobs, summarise } from '../../src/collector/state.js';
import { DEFAULT_THRESHOLDS } from '../../src/rules/rules.js';
import { renderStatusHtml } from '../../src/server/landing/html.js';
import { statusJson } from '../../src/server/landing/json.js';
import { gatewayText, subscriptionText, trafficText } from '../../src/server/landing/operations-html.js';
import { planProblems } from '../../src/server/landing/problems.js';
import { statusViewer } from '../../src/server/landing/view.js';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;
const NOW = Date.UTC(2026, 10, 20, 12, 0, 0);
const GiB = 1024 ** 3;

const INFO: PlanInfo = {
  planId: 'dbs1ops',
  name: 'ops',
  status: 'running',
  backupMethod: 'logical',
  databaseType: 'MySQL',
  instanceType: 'RDS',
  instanceId: 'rm-1',
  createdMs: NOW - 30 * D,
  logBackupEnabled: true,
};

/** A listed plan with no backup history of its own: only what the test gives it can be a problem. */
function plan(changes: { info?: Partial<PlanInfo> } & Partial<Omit<PlanSnapshot, 'info'>> = {}): PlanSnapshot {
  const { info, ...rest } = changes;
  const merged = { ...INFO, ...info };
  return { account: 'prod', region: 'cn-hangzhou', planId: merged.planId, info: merged, pollOk: true, lastPollAttemptMs: NOW - 30 * S, lastPollSuccessMs: NOW - 30 * S, listed: true, fresh: true, types: {}, views: {}, ...rest };
}

/** A full backup history: success `successAgo`, then a failure `failedAgo` (summarised the collector's way). */
function fullTypes(successAgo: number, failedAgo: number): PlanSnapshot['types'] {
  const base = { sizeBytes: 100, storageClass: 'standard' as const };
  const jobs: ObservedJob[] = [
    { id: 's', rawStatus: 'finish', state: 'succeeded', startMs: NOW - successAgo - 30 * M, endMs: NOW - successAgo, ...base },
    { id: 'f', rawStatus: 'failed', state: 'failed', startMs: NOW - failedAgo - 10 * M, endMs: NOW - failedAgo, ...base },
  ];
  const state = mergeJobs(undefined, jobs, { nowMs: NOW, fetchStartMs: NOW - 3 * D, windowStartMs: NOW - 3 * D });
  return { full: summarise(state, NOW) };
}

function gateway(changes: Partial<GatewaySnapshot> = {}): GatewaySnapshot {
  return { id: '1234', status: 'ONLINE', lastHeartbeatMs: NOW - M, displayName: 'idc-01', identifier: 'dbsgw01', hostname: 'db01.corp', plans: 1, runningPlans: 1, ...changes };
}

const lookup = (g: GatewaySnapshot, listOk = true) => ({ gateway: g, listOk });
const said = (p: PlanSnapshot, g?: { gateway: GatewaySnapshot; listOk: boolean }) => planProblems(p, true, NOW, DEFAULT_THRESHOLDS, g).map((x) => `${x.severity} ${x.alert}: ${x.text}`);

describe('operational stops as problems, at the operations rules thresholds', () => {
  it('uses the rules module defaults', () => {
    expect(DEFAULT_THRESHOLDS).toMatchObject({ planExpiryWarningSeconds: 14 * 86_400, gatewayHeartbeatMaxAgeSeconds: 600 });
  });

  it('a prepaid plan: expired is critical, within 14 days a warning, exactly 14 days none', () => {
    const prepaid = (expiresMs: number) => plan({ info: { chargeType: 'PREPAY', expiresMs } });
    expect(said(prepaid(NOW - 2 * D))).toEqual(['critical DBSBackupPlanExpired: prepaid subscription expired 2d ago: DBS takes no backups until it is renewed']);
    expect(said(prepaid(NOW))).toEqual(['critical DBSBackupPlanExpired: prepaid subscription expired 0s ago: DBS takes no backups until it is renewed']);
    expect(said(prepaid(NOW + 5 * D))).toEqual(['warning DBSBackupPlanExpiringSoon: prepaid subscription expires in 5d (warning 14d ahead): renew it or its backups stop']);
    expect(said(prepaid(NOW + 14 * D - S))).toHaveLength(1);
    expect(said(prepaid(NOW + 14 * D))).toEqual([]);
    // Any listed plan, running or not (as the rules: listed is enough).
    expect(said(plan({ info: { chargeType: 'PREPAY', expiresMs: NOW - D, status: 'pause' } }))).toContain('critical DBSBackupPlanExpired: prepaid subscription expired 24h ago: DBS takes no backups until it is renewed');
  });

  it("a running plan's gateway: OFFLINE or STOPPED, or silent over 10 minutes while the listing works", () => {
    const behind = plan({ info: { gatewayId: '1234' } });
    expect(said(behind, lookup(gateway({ status: 'OFFLINE', lastHeartbeatMs: NOW - 3 * H })))).toEqual([
      'critical DBSBackupGatewayDown: backup gateway 1234 (idc-01) is OFFLINE, last heartbeat 3h ago: no backup of this plan runs until it is back',
    ]);
    expect(said(behind, lookup(gateway({ status: 'STOPPED', lastHeartbeatMs: undefined, displayName: '' })))).toEqual([
      'critical DBSBackupGatewayDown: backup gateway 1234 is STOPPED, no heartbeat known: no backup of this plan runs until it is back',
    ]);
    expect(said(behind, lookup(gateway({ lastHeartbeatMs: NOW - 11 * M })))).toEqual([
      'critical DBSBackupGatewayDown: backup gateway 1234 (idc-01) is ONLINE but silent: last heartbeat 11m ago (limit 10m): no backup of this plan runs until it is back',
    ]);
    expect(said(behind, lookup(gateway({ lastHeartbeatMs: NOW - 10 * M })))).toEqual([]);
    // A failing listing holds the last heartbeat, which ages without news: not down for that alone.
    expect(said(behind, lookup(gateway({ lastHeartbeatMs: NOW - H }), false))).toEqual([]);
    expect(said(behind, lookup(gateway({ status: 'UPGRADING' })))).toEqual([]);
    // Only running plans: a paused plan takes no backups anyway.
    expect(said(plan({ info: { gatewayId: '1234', status: 'pause' } }), lookup(gateway({ status: 'OFFLINE' })))).toEqual(['warning DBSBackupPlanNotRunning: plan status is pause: no scheduled backups run']);
  });

  it('backup traffic: used of free at or over the expectation, opt-in; never when unlimited or not applicable', () => {
    const billing = (usedFullBytes: number, usedIncrementalBytes: number, extra: object = {}) => ({ supported: true as const, freeBytes: 100 * GiB, usedFullBytes, usedIncrementalBytes, ...extra });
    const traffic = (b: NonNullable<PlanSnapshot['views']['billing']>, ratio?: number) => plan({ views: { billing: b }, ...(ratio !== undefined ? { expectations: { backupTrafficAlertRatio: ratio } } : {}) });
    expect(said(traffic(billing(80 * GiB, 15 * GiB), 0.9))).toEqual([
      'warning DBSBackupTrafficQuotaNearlyUsed: 95% of the free backup traffic of this billing period used (alert at 90%): traffic beyond it is charged',
    ]);
    expect(said(traffic(billing(80 * GiB, 10 * GiB), 0.9))).toHaveLength(1);
    expect(said(traffic(billing(80 * GiB, 10 * GiB - 1), 0.9))).toEqual([]);
    expect(said(traffic(billing(99 * GiB, 0)))).toEqual([]);
    expect(said(traffic({ supported: true, freeUnlimited: true, usedFullBytes: 999 * GiB }, 0.5))).toEqual([]);
    expect(said(traffic({ supported: false }, 0.5))).toEqual([]);
  });

  it('retention below the minimum, per backup type; storage unencrypted when required', () => {
    const minRetentionMs = { full: 30 * D, incremental: 7 * D };
    expect(said(plan({ info: { retentionDays: 7, logRetentionDays: 7 }, expectations: { minRetentionMs } }))).toEqual(['warning DBSBackupRetentionBelowMinimum: full backups kept 7d, less than the minimum of 30d']);
    expect(said(plan({ info: { retentionDays: 30, logRetentionDays: 3 }, expectations: { minRetentionMs } }))).toEqual(['warning DBSBackupRetentionBelowMinimum: log backups kept 3d, less than the minimum of 7d']);
    expect(said(plan({ info: { retentionDays: 7 } }))).toEqual([]);
    const required = { storageEncryptionRequired: true as const };
    expect(said(plan({ info: { storageEncryptMethod: 'NONE' }, expectations: required }))).toEqual(['warning DBSBackupStorageUnencrypted: backup storage is not encrypted (StorageEncryptMethod NONE); the configuration requires it']);
    expect(said(plan({ info: { storageEncryptMethod: '' }, expectations: required }))).toEqual(['warning DBSBackupStorageUnencrypted: backup storage is not encrypted (StorageEncryptMethod empty); the configuration requires it']);
    expect(said(plan({ info: { storageEncryptMethod: 'sse_kms' }, expectations: required }))).toEqual([]);
    // DBS not sending the field: nothing to say (the metric is absent too).
    expect(said(plan({ expectations: required }))).toEqual([]);
    expect(said(plan({ info: { storageEncryptMethod: 'none' } }))).toEqual([]);
  });

  it("DBS's reason for the failed full, beside the failure", () => {
    const failed = (reason?: { jobId: string; endMs: number; code: string; message: string }) => plan({ types: fullTypes(D, 2 * H), views: reason ? { job_errors: { full: reason } } : {} });
    expect(said(failed())).toEqual(['warning DBSBackupJobFailed: last full backup job failed 2h ago, no success since']);
    expect(said(failed({ jobId: 'f', endMs: NOW - 2 * H, code: 'DBS.FullBackup.SourceConnectFailed', message: 'Failed to connect to the source database' }))).toEqual([
      'warning DBSBackupJobFailed: last full backup job failed 2h ago, no success since; DBS says DBS.FullBackup.SourceConnectFailed: Failed to connect to the source database',
    ]);
    expect(said(failed({ jobId: 'old', endMs: NOW - 2 * D, code: 'DBS.FullBackup.LockWaitTimeout', message: 'Timed out' }))).toEqual([
      'warning DBSBackupJobFailed: last full backup job failed 2h ago, no success since; for an earlier failure 2d ago, DBS says DBS.FullBackup.LockWaitTimeout: Timed out',
    ]);
    expect(said(failed({ jobId: 'f', endMs: NOW - 2 * H, code: '', message: '' }))).toEqual(['warning DBSBackupJobFailed: last full backup job failed 2h ago, no success since; DBS gives no reason']);
  });
});

const HOSTILE_NAME = '<script>alert("gw")</script> & co';
const HOSTILE_MESSAGE = '<img src=x onerror=alert(1)> & <script>alert(2)</script>';

/** Five plans, one per operational stop, and a target with two gateways (one OFFLINE, named with markup). */
function operationsSnapshot(gatewaysListOk = true): Snapshot {
  const offline = gateway({ status: 'OFFLINE', lastHeartbeatMs: NOW - 3 * H, displayName: HOSTILE_NAME, plans: 2, runningPlans: 1 });
  const online = gateway({ id: '5678', displayName: 'idc-02', hostname: 'db02.corp', plans: 3, runningPlans: 3 });
  const plans = [
    plan({ info: { planId: 'dbs1expiring', name: 'expiring', chargeType: 'PREPAY', expiresMs: NOW + 5 * D } }),
    plan({ info: { planId: 'dbs1expired', name: 'expired', chargeType: 'PREPAY', expiresMs: NOW - 2 * D } }),
    plan({ info: { planId: 'dbs1offline', name: 'offline', chargeType: 'POSTPAY', gatewayId: '1234' }, views: { billing: { supported: false } } }),
    plan({
      info: { planId: 'dbs1failed', name: 'failed', gatewayId: '5678' },
      types: fullTypes(D, 2 * H),
      views: { job_errors: { full: { jobId: 'f', endMs: NOW - 2 * H, code: 'DBS.Custom<b>', message: HOSTILE_MESSAGE } }, billing: { supported: true, freeUnlimited: true, usedFullBytes: GiB } },
    }),
    plan({
      info: { planId: 'dbs1traffic', name: 'traffic', chargeType: 'PREPAY', expiresMs: NOW + 200 * D },
      views: { billing: { supported: true, freeBytes: 100 * GiB, usedFullBytes: 90 * GiB, usedIncrementalBytes: 5 * GiB, paidBytes: 0, quotaEndMs: Date.UTC(2026, 11, 1) } },
      expectations: { backupTrafficAlertRatio: 0.9 },
    }),
  ];
  const target: TargetSnapshot = {
    account: 'prod',
    region: 'cn-hangzhou',
    up: true,
    lastListingSuccessMs: NOW - 10 * S,
    plans: plans.length,
    excluded: [],
    gateways: { listOk: gatewaysListOk, lastSuccessMs: gatewaysListOk ? NOW - 10 * S : NOW - 2 * H, items: [online, offline] },
  };
  return { completedAtMs: NOW, cycle: 7, plans, targets: [target] };
}

const viewOf = (snapshot: Snapshot) => statusViewer({ version: 't', source: { snapshot: () => snapshot, now: () => NOW } })(new URLSearchParams());
/** Text content of an HTML fragment, the way a browser shows it (tags dropped, references decoded). */
const text = (fragment: string) =>
  fragment
    .replace(/<[^>]*>/g, ' ')
    .replace(/&#(\d+);/g, (_m, n: string) => String.fromCharCode(Number(n)))
    .replace(/\s+/g, ' ')
    .trim();

describe('the page: a compact cell per plan, the backup gateways, everything from DBS escaped', () => {
  const page = renderStatusHtml(viewOf(operationsSnapshot()), { telemetryPath: '/metrics' });
  const row = (id: string) => page.slice(page.indexOf(`data-plan-id="${id}"`), page.indexOf('</tr>', page.indexOf(`data-plan-id="${id}"`)));
  const cell = (id: string) => {
    const r = row(id);
    const start = r.indexOf('<td class="operations">');
    return text(r.slice(start, r.indexOf('</td>', start)));
  };

  it('subscription, backup traffic and gateway in words', () => {
    expect(page).toContain('<th>Subscription, traffic, gateway</th>');
    expect(cell('dbs1expiring')).toBe('prepaid, expires in 5d');
    expect(cell('dbs1expired')).toBe('prepaid, expired 2d ago');
    expect(cell('dbs1offline')).toBe('pay-as-you-go traffic: not applicable gateway 1234 OFFLINE, silent 3h');
    expect(cell('dbs1failed')).toBe('unlimited free traffic gateway 5678 ONLINE');
    expect(cell('dbs1traffic')).toBe('prepaid, expires in 200d 95% of free traffic used');
    // The problems marked: expired, expiring, the down gateway and the traffic in the alert colour.
    expect(row('dbs1expired')).toContain('<span class="bad">prepaid, expired 2d ago</span>');
    expect(row('dbs1offline')).toContain('<span class="bad">gateway 1234 OFFLINE, silent 3h</span>');
    expect(row('dbs1traffic')).toContain('<span class="bad">95% of free traffic used</span>');
    expect(row('dbs1traffic')).toContain('title="95 GiB used, of 100 GiB free, quota period ends 2026-12-01 00:00:00 UTC"');
  });

  it("the problems, with DBS's reason next to the failed full", () => {
    const problems = (id: string) => text(row(id).slice(row(id).indexOf('<td class="problems">'), row(id).indexOf('<td class="operations">')));
    expect(problems('dbs1expired')).toBe('prepaid subscription expired 2d ago: DBS takes no backups until it is renewed');
    expect(problems('dbs1offline')).toBe(`backup gateway 1234 (${HOSTILE_NAME}) is OFFLINE, last heartbeat 3h ago: no backup of this plan runs until it is back`);
    expect(problems('dbs1failed')).toBe(`last full backup job failed 2h ago, no success since; DBS says DBS.Custom<b>: ${HOSTILE_MESSAGE}`);
    expect(problems('dbs1traffic')).toBe('95% of the free backup traffic of this billing period used (alert at 90%): traffic beyond it is charged');
  });

  it('the backup gateways section: down first, with heartbeat age and plans behind each', () => {
    const section = page.slice(page.indexOf('<section id="gateways">'), page.indexOf('</section>', page.indexOf('<section id="gateways">')));
    expect(text(section)).toBe(
      `Backup gateways Status Gateway Display name Host Account Region Last heartbeat Plans behind it Running plans OFFLINE 1234 ${HOSTILE_NAME} db01.corp prod cn-hangzhou 3h ago 2 1 ONLINE 5678 idc-02 db02.corp prod cn-hangzhou 60s ago 3 3`,
    );
    // Before the plans, after the targets.
    expect(page.indexOf('id="targets"')).toBeLessThan(page.indexOf('id="gateways"'));
    expect(page.indexOf('id="gateways"')).toBeLessThan(page.indexOf('id="plans"'));
  });

  it('a failed gateway listing is said, with the age of the values shown', () => {
    const failed = renderStatusHtml(viewOf(operationsSnapshot(false)), { telemetryPath: '/metrics' });
    expect(text(failed.slice(failed.indexOf('<p class="bad gateway-list-failed">'), failed.indexOf('</p>', failed.indexOf('gateway-list-failed'))))).toBe(
      'The last backup gateway listing of account prod (cn-hangzhou) failed: these are the gateways as of 2026-11-20 10:00:00 UTC (2h ago).',
    );
    // No gateway listed anywhere (a cloud-only fleet): no section.
    const none = operationsSnapshot();
    none.targets[0] = { ...none.targets[0]!, gateways: { listOk: true, items: [] } };
    expect(renderStatusHtml(viewOf(none), { telemetryPath: '/metrics' })).not.toContain('id="gateways"');
  });

  it('escapes gateway names and error messages from DBS: no markup of theirs reaches the page', () => {
    expect(page).not.toContain('<script');
    expect(page).not.toContain('<img');
    expect(page).not.toContain('<b>');
    expect(page).toContain('&#60;script&#62;alert(&#34;gw&#34;)&#60;/script&#62; &#38; co');
    expect(page).toContain('&#60;img src=x onerror=alert(1)&#62; &#38; &#60;script&#62;alert(2)&#60;/script&#62;');
    expect(page).toContain('DBS.Custom&#60;b&#62;');
    // In an attribute too (the plan cell's gateway title).
    expect(row('dbs1offline')).toContain('title="&#60;script&#62;alert(&#34;gw&#34;)&#60;/script&#62; &#38; co"');
  });
});

describe('the words of the cell, one fact each', () => {
  it('subscription', () => {
    expect(subscriptionText('PREPAY', NOW + 5 * D, NOW)).toBe('prepaid, expires in 5d');
    expect(subscriptionText('PREPAY', NOW + 89 * M, NOW)).toBe('prepaid, expires in 89m');
    expect(subscriptionText('PREPAY', NOW - 2 * D - 3 * H, NOW)).toBe('prepaid, expired 2d 3h ago');
    expect(subscriptionText('PREPAY', undefined, NOW)).toBe('prepaid');
    expect(subscriptionText('POSTPAY', undefined, NOW)).toBe('pay-as-you-go');
    expect(subscriptionText(undefined, undefined, NOW)).toBeUndefined();
  });

  it('backup traffic', () => {
    expect(trafficText(undefined)).toBeUndefined();
    expect(trafficText({ supported: false })).toBe('traffic: not applicable');
    expect(trafficText({ supported: true, unlimited: true, usedBytes: GiB })).toBe('unlimited free traffic');
    expect(trafficText({ supported: true, unlimited: false, usedBytes: 95 * GiB, freeBytes: 100 * GiB, ratio: 0.95, paidBytes: 0 })).toBe('95% of free traffic used');
    expect(trafficText({ supported: true, unlimited: false, usedBytes: 120 * GiB, freeBytes: 100 * GiB, ratio: 1.2, paidBytes: 20 * GiB })).toBe('120% of free traffic used, 20 GiB paid');
    // Pay-as-you-go: no free amount, everything used is paid for.
    expect(trafficText({ supported: true, unlimited: false, usedBytes: 46.5 * GiB, paidBytes: 46.5 * GiB })).toBe('46.5 GiB traffic used, all paid');
    expect(trafficText({ supported: true, unlimited: false })).toBe('traffic: nothing said');
  });

  it('gateway', () => {
    expect(gatewayText(undefined, NOW)).toBeUndefined();
    expect(gatewayText({ id: '1234', listed: true, status: 'OFFLINE', lastHeartbeatMs: NOW - 3 * H, down: true }, NOW)).toBe('gateway 1234 OFFLINE, silent 3h');
    expect(gatewayText({ id: '1234', listed: true, status: 'ONLINE', lastHeartbeatMs: NOW - 11 * M, down: true }, NOW)).toBe('gateway 1234 ONLINE, silent 11m');
    expect(gatewayText({ id: '1234', listed: true, status: 'ONLINE', lastHeartbeatMs: NOW - M, down: false }, NOW)).toBe('gateway 1234 ONLINE');
    expect(gatewayText({ id: '1234', listed: false, down: false }, NOW)).toBe('gateway 1234 not in the gateway list');
    // Gateways not listed at all (collection.gateways off): only the id the plan names.
    expect(gatewayText({ id: '1234', down: false }, NOW)).toBe('gateway 1234');
  });
});

describe('/api/v1/status: the same facts', () => {
  const json = statusJson(viewOf(operationsSnapshot()));
  const of = (id: string) => json.plans.find((p) => p.planId === id)!;

  it('subscription, traffic, gateway, reason and storage per plan', () => {
    expect(of('dbs1expired').subscription).toEqual({ chargeType: 'PREPAY', expiresAt: '2026-11-18T12:00:00.000Z', expiresInSeconds: -2 * 86_400, expired: true });
    expect(of('dbs1expiring').subscription).toEqual({ chargeType: 'PREPAY', expiresAt: '2026-11-25T12:00:00.000Z', expiresInSeconds: 5 * 86_400, expired: false });
    expect(of('dbs1expired').backupTraffic).toBeNull();
    expect(of('dbs1offline').backupTraffic).toEqual({ applicable: false, usedBytes: null, freeBytes: null, freeUnlimited: null, usedRatio: null, paidBytes: null, quotaEndsAt: null });
    expect(of('dbs1traffic').backupTraffic).toEqual({ applicable: true, usedBytes: 95 * GiB, freeBytes: 100 * GiB, freeUnlimited: false, usedRatio: 0.95, paidBytes: 0, quotaEndsAt: '2026-12-01T00:00:00.000Z' });
    expect(of('dbs1offline').backupGateway).toEqual({ id: '1234', listed: true, status: 'OFFLINE', displayName: HOSTILE_NAME, lastHeartbeatAt: '2026-11-20T09:00:00.000Z', heartbeatAgeSeconds: 3 * 3600, down: true });
    expect(of('dbs1expired').backupGateway).toBeNull();
    const unlisted = operationsSnapshot();
    unlisted.targets[0] = { ...unlisted.targets[0]!, gateways: undefined };
    expect(statusJson(viewOf(unlisted)).plans.find((p) => p.planId === 'dbs1offline')!.backupGateway).toEqual({
      id: '1234',
      listed: null,
      status: null,
      displayName: null,
      lastHeartbeatAt: null,
      heartbeatAgeSeconds: null,
      down: false,
    });
    expect(statusJson(viewOf(unlisted)).targets[0]!.gateways).toBeNull();
    expect(of('dbs1failed').lastFailureReason).toEqual({ backupType: 'full', jobId: 'f', failedAt: '2026-11-20T10:00:00.000Z', errorCode: 'DBS.Custom<b>', errorMessage: HOSTILE_MESSAGE });
    expect(of('dbs1expired').lastFailureReason).toBeNull();
    expect(of('dbs1expired').storage).toEqual({ encryptMethod: null, retentionDays: null, logRetentionDays: null });
    expect(of('dbs1offline').problems.map((p) => p.code)).toEqual(['gateway_down']);
    expect(of('dbs1traffic').problems).toEqual([
      { code: 'traffic_quota_nearly_used', severity: 'warning', alert: 'DBSBackupTrafficQuotaNearlyUsed', text: '95% of the free backup traffic of this billing period used (alert at 90%): traffic beyond it is charged' },
    ]);
  });

  it("each target's gateways, down first", () => {
    expect(json.targets[0]!.gateways).toEqual({
      listOk: true,
      lastSuccessAt: '2026-11-20T11:59:50.000Z',
      items: [
        { id: '1234', status: 'OFFLINE', displayName: HOSTILE_NAME, identifier: 'dbsgw01', hostname: 'db01.corp', lastHeartbeatAt: '2026-11-20T09:00:00.000Z', heartbeatAgeSeconds: 3 * 3600, plans: 2, runningPlans: 1, down: true },
        { id: '5678', status: 'ONLINE', displayName: 'idc-02', identifier: 'dbsgw01', hostname: 'db02.corp', lastHeartbeatAt: '2026-11-20T11:59:00.000Z', heartbeatAgeSeconds: 60, plans: 3, runningPlans: 3, down: false },
      ],
    });
  });
});
