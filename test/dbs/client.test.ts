/**
 * The real DBS client (openapi-client callApi, signed) against the real simulator over
 * HTTP: pagination, error classes, retries, and unknown values carried through.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createCredential, createDbsClient, DbsApiError, listAll, type DbsApi } from '../../src/dbs/index.js';
import { PAGES_IN_FLIGHT } from '../../src/dbs/pagination.js';
import { DEMO_CREDENTIAL, ManualClock, startSimulator, type Simulator } from '../../src/simulator/index.js';

const T0 = Date.UTC(2026, 10, 20, 12, 0, 0);
const MIN = 60_000;
let sim: Simulator;

function client(overrides: { secret?: string; keyId?: string; maxAttempts?: number; timeoutMs?: number; sha1?: boolean; sleeps?: number[] } = {}): DbsApi {
  return createDbsClient({
    endpoint: sim.endpoint,
    protocol: 'http',
    regionId: 'cn-hangzhou',
    credential: createCredential({
      type: 'access_key',
      accessKeyId: overrides.keyId ?? DEMO_CREDENTIAL.accessKeyId,
      accessKeySecret: overrides.secret ?? DEMO_CREDENTIAL.accessKeySecret,
    }),
    signatureAlgorithm: overrides.sha1 ? 'HMAC-SHA1' : 'ACS3-HMAC-SHA256',
    timeoutMs: overrides.timeoutMs ?? 5_000,
    retry: { maxAttempts: overrides.maxAttempts ?? 3, initialBackoffMs: 10, maxBackoffMs: 40 },
    retryHooks: {
      random: () => 1,
      sleep: async (ms) => {
        overrides.sleeps?.push(ms);
      },
    },
  });
}

/** A plan with no generated jobs and exactly `count` completed incremental sets. */
function planWithSets(id: string, count: number): string {
  sim.fleet.addPlan({ id, schedule: { full: false, incremental: false } });
  for (let i = 0; i < count; i++) {
    sim.fleet.addIncrementBackup(id, {
      BackupSetId: `${id}-set-${i}`,
      BackupStatus: 'COMPLETED',
      StartTime: T0 - (i + 1) * 10 * MIN,
      EndTime: T0 - (i + 1) * 10 * MIN + MIN,
      BackupSize: 1000 + i,
    });
  }
  return id;
}

function requestsFor(planId: string) {
  return sim.requests.entries((e) => e.params.BackupPlanId === planId);
}

beforeAll(async () => {
  sim = await startSimulator({ clock: new ManualClock(T0) });
});
afterAll(async () => {
  await sim.close();
});
afterEach(() => {
  sim.faults.clear();
});

describe('pagination against the simulator', () => {
  it.each([
    { count: 0, pageSize: 30 as const, calls: 1 },
    { count: 7, pageSize: 30 as const, calls: 1 },
    { count: 30, pageSize: 30 as const, calls: 1 },
    { count: 100, pageSize: 100 as const, calls: 1 },
    { count: 250, pageSize: 100 as const, calls: 3 },
    { count: 61, pageSize: 30 as const, calls: 3 },
  ])('lists $count sets with page size $pageSize in $calls call(s), every set once', async ({ count, pageSize, calls }) => {
    const planId = planWithSets(`dbspage${count}x${pageSize}`, count);
    const listing = await listAll(client(), 'DescribeIncrementBackupList', { BackupPlanId: planId }, { pageSize });
    expect(listing.items).toHaveLength(count);
    expect(new Set(listing.items.map((s) => s.BackupSetId)).size).toBe(count);
    const sent = requestsFor(planId);
    expect(sent).toHaveLength(calls);
    expect(sent.map((e) => e.params.PageNum)).toEqual(Array.from({ length: calls }, (_, i) => String(i)));
  });

  it('stops on a server that repeats the same page instead of looping forever', async () => {
    const planId = planWithSets('dbsrepeat', 40);
    sim.faults.set({ kind: 'repeatPage', totalElements: 3_000 });
    const err = await listAll(client(), 'DescribeIncrementBackupList', { BackupPlanId: planId }, { pageSize: 30 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DbsApiError);
    expect((err as DbsApiError).errorClass).toBe('bad_response');
    expect((err as DbsApiError).code).toBe('RepeatedPage');
    // Page 0, then one batch of pages in flight; the first of them repeats page 0.
    expect(requestsFor(planId).length).toBe(1 + PAGES_IN_FLIGHT);
  });

  it('fails at once when the announced total needs more pages than the cap', async () => {
    const planId = planWithSets('dbspagecap', 95);
    const err = await listAll(client(), 'DescribeIncrementBackupList', { BackupPlanId: planId }, { pageSize: 30, maxPages: 2 }).catch((e: unknown) => e);
    expect((err as DbsApiError).code).toBe('PageCapExceeded');
    expect(requestsFor(planId).length).toBe(1);
  });

  it('requests the pages after the first in batches once the total is known', async () => {
    const planId = planWithSets('dbsbatch', 25 * 30);
    const listing = await listAll(client(), 'DescribeIncrementBackupList', { BackupPlanId: planId }, { pageSize: 30 });
    expect(listing.items).toHaveLength(750);
    expect(listing.pages).toBe(25);
    expect(sim.requests.entries((e) => e.params.BackupPlanId === planId).map((e) => Number(e.params.PageNum)).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 25 }, (_, i) => i),
    );
  });

  it('filters by StartTimestamp in epoch milliseconds', async () => {
    const planId = planWithSets('dbswindow', 10);
    const listing = await listAll(client(), 'DescribeIncrementBackupList', { BackupPlanId: planId, StartTimestamp: T0 - 35 * MIN });
    expect(listing.items.map((s) => s.BackupSetId).sort()).toEqual(['dbswindow-set-0', 'dbswindow-set-1', 'dbswindow-set-2']);
  });
});

describe('values are carried through', () => {
  it('keeps an unknown full-backup status and storage class as DBS sent them', async () => {
    sim.fleet.addPlan({ id: 'dbsunknownenum', schedule: { full: false, incremental: false } });
    sim.fleet.addFullBackup('dbsunknownenum', { BackupSetId: 'odd', BackupStatus: 'teleporting', StartTime: T0 - MIN, StorageMethod: 'Glacier' });
    const listing = await listAll(client(), 'DescribeFullBackupList', { BackupPlanId: 'dbsunknownenum' });
    expect(listing.items).toHaveLength(1);
    expect(listing.items[0]?.BackupStatus).toBe('teleporting');
    expect(listing.items[0]?.StorageMethod).toBe('Glacier');
    expect(listing.items[0]?.StartTime).toBe(T0 - MIN);
  });

  it('discovers plans with DescribeBackupPlanList and the legacy HMAC-SHA1 signature', async () => {
    const page = await client({ sha1: true }).call('DescribeBackupPlanList', { BackupPlanId: 'dbsunknownenum' });
    expect(page.Items.map((p) => p.BackupPlanId)).toEqual(['dbsunknownenum']);
    expect(page.Success).toBe(true);
  });
});

describe('error classes', () => {
  const call = (api: DbsApi) => api.call('DescribeFullBackupList', { BackupPlanId: 'dbsunknownenum' }).then(
    () => {
      throw new Error('expected the call to fail');
    },
    (e: unknown) => e as DbsApiError,
  );
  const attempts = () => sim.requests.entries((e) => e.action === 'DescribeFullBackupList').length;

  it.each([
    { name: 'throttling', rule: { kind: 'throttle' } as const, errorClass: 'throttled', code: 'Throttling.User', tries: 3 },
    { name: '403', rule: { kind: 'forbidden' } as const, errorClass: 'forbidden', code: 'Request.Forbidden', tries: 1 },
    { name: '500', rule: { kind: 'http', status: 500 } as const, errorClass: 'server', code: 'InternalError', tries: 3 },
    { name: '503', rule: { kind: 'http', status: 503 } as const, errorClass: 'server', code: 'ServiceUnavailable', tries: 3 },
    { name: 'non-JSON body', rule: { kind: 'malformed' } as const, errorClass: 'bad_response', code: 'InvalidJSON', tries: 1 },
    { name: 'Success:false', rule: { kind: 'successFalse', errCode: 'Param.NotFound', errMessage: 'nope' } as const, errorClass: 'not_found', code: 'Param.NotFound', tries: 1 },
    { name: 'connection reset', rule: { kind: 'reset' } as const, errorClass: 'network', code: undefined, tries: 3 },
  ])('$name → $errorClass after $tries attempt(s)', async ({ rule, errorClass, code, tries }) => {
    sim.faults.set({ ...rule, action: 'DescribeFullBackupList' });
    const before = attempts();
    const err = await call(client());
    expect(err).toBeInstanceOf(DbsApiError);
    expect(err.errorClass).toBe(errorClass);
    if (code) expect(err.code).toBe(code);
    expect(attempts() - before).toBe(tries);
    if (errorClass === 'throttled' || errorClass === 'forbidden') expect(err.requestId).toMatch(/^[0-9A-F-]{36}$/);
  });

  it('a request that hangs past the timeout is a timeout', async () => {
    sim.faults.set({ kind: 'latency', ms: 3_000, action: 'DescribeFullBackupList' });
    const err = await call(client({ timeoutMs: 300, maxAttempts: 1 }));
    expect(err.errorClass).toBe('timeout');
  });

  it('a wrong secret is rejected by the signature check', async () => {
    const err = await call(client({ secret: 'wrong-secret', maxAttempts: 3 }));
    expect([err.errorClass, err.code, err.statusCode]).toEqual(['auth', 'SignatureDoesNotMatch', 400]);
    expect(err.message).not.toContain('wrong-secret');
  });

  it('an unknown access key is InvalidAccessKeyId.NotFound, not retried', async () => {
    const before = sim.requests.count();
    const err = await call(client({ keyId: 'LTAInobodyHasThisKey' }));
    expect([err.errorClass, err.code, err.statusCode]).toEqual(['auth', 'InvalidAccessKeyId.NotFound', 404]);
    expect(sim.requests.count() - before).toBe(1);
  });
});

describe('retries', () => {
  it('recovers when throttling clears within the attempt budget, with full-jitter backoff', async () => {
    sim.faults.set({ kind: 'throttle', times: 2, action: 'DescribeBackupPlanList' });
    const sleeps: number[] = [];
    const page = await client({ maxAttempts: 3, sleeps }).call('DescribeBackupPlanList', { BackupPlanId: 'dbsunknownenum' });
    expect(page.Items).toHaveLength(1);
    // random() = 1 → the ceiling: initial 10 ms, doubled once.
    expect(sleeps).toEqual([10, 20]);
  });

  it('gives up at its bound and reports the last error', async () => {
    sim.faults.set({ kind: 'throttle', times: 5, action: 'DescribeBackupPlanList' });
    const sleeps: number[] = [];
    const before = sim.requests.count('DescribeBackupPlanList');
    const err = await client({ maxAttempts: 4, sleeps })
      .call('DescribeBackupPlanList', {})
      .catch((e: unknown) => e as DbsApiError);
    expect(err.errorClass).toBe('throttled');
    expect(sim.requests.count('DescribeBackupPlanList') - before).toBe(4);
    // The backoff never exceeds max_backoff (40 ms).
    expect(sleeps).toEqual([10, 20, 40]);
  });
});
