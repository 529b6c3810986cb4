import { describe, expect, it } from 'vitest';
import type { DbsApi } from '../../src/dbs/api.js';
import { DbsApiError, classifyThrown, isNotApplicable } from '../../src/dbs/errors.js';
import { backupPlanBillingSchema, backupPlanDetailSchema, type DbsAction } from '../../src/dbs/schemas.js';
import { planInfoFromDetail, isEncrypted } from '../../src/collector/plan-info.js';
import { pollPlan } from '../../src/collector/poll.js';
import { planSources, normaliseGatewayId } from '../../src/collector/sources/index.js';
import { observeBilling } from '../../src/collector/sources/billing.js';
import { CycleBudget, failureToExplain } from '../../src/collector/sources/job-errors.js';
import type { ObservedJob } from '../../src/collector/observe.js';

const H = 3_600_000;
const NOW = Date.UTC(2026, 10, 10, 12, 0, 0);
const settings = { lookbackMs: 72 * H, overlapMs: 2 * H };

const job = (id: string, state: ObservedJob['state'], endMs: number): ObservedJob => ({ id, rawStatus: state, state, endMs, sizeBytes: 1, storageClass: 'standard' });

describe('plan list facts', () => {
  it('reads expiry (prepaid only), charge type, the gateway id as a decimal string, encryption and retention by type', () => {
    const info = planInfoFromDetail(
      backupPlanDetailSchema.parse({
        BackupPlanId: 'p',
        BackupPlanStatus: 'running',
        InstanceChargeType: 'PREPAY',
        InstanceExpiredTimestamp: NOW + 5 * 24 * H,
        BackupGatewayId: 1234567,
        StorageEncryptMethod: 'sse_kms',
        BackupRetentionPeriod: 30,
        LogBackupRetentionPeriod: '7',
      }),
    );
    expect(info).toMatchObject({ chargeType: 'PREPAY', expiresMs: NOW + 5 * 24 * H, gatewayId: '1234567', storageEncryptMethod: 'sse_kms', retentionDays: 30, logRetentionDays: 7 });
    const postpay = planInfoFromDetail(
      backupPlanDetailSchema.parse({ BackupPlanId: 'q', BackupPlanStatus: 'running', InstanceChargeType: 'POSTPAY', InstanceExpiredTimestamp: NOW, BackupGatewayId: 0, IncrementBackupRetentionPeriod: '3' }),
    );
    expect(postpay.expiresMs).toBeUndefined();
    expect(postpay.gatewayId).toBeUndefined();
    expect(postpay.logRetentionDays).toBe(3);
    expect(normaliseGatewayId('0001234567')).toBe('1234567');
    expect([isEncrypted('sse_oss'), isEncrypted('NONE'), isEncrypted('')]).toEqual([true, false, false]);
  });
});

describe('billing', () => {
  it('keeps traffic apart from storage, and drops free bytes when they are unlimited', () => {
    const billing = (item: Record<string, unknown>) => observeBilling(backupPlanBillingSchema.parse(item));
    expect(billing({ TotalFreeBytes: 100, IsFreeBytesUnlimited: false, UsedFullBytes: 60, UsedIncrementBytes: 35, PaiedBytes: 0, QuotaEndTimestamp: NOW, FullStorageSize: 7 })).toEqual({
      supported: true,
      freeBytes: 100,
      freeUnlimited: false,
      usedFullBytes: 60,
      usedIncrementalBytes: 35,
      paidBytes: 0,
      quotaEndMs: NOW,
      fullStorageBytes: 7,
    });
    expect(billing({ TotalFreeBytes: 100, IsFreeBytesUnlimited: true })).toEqual({ supported: true, freeUnlimited: true });
  });

  it("recognises DBS's HTTP 400 \"can't support this action\" as not applicable, and nothing else", () => {
    const err = classifyThrown({ data: { statusCode: 400, Code: 'BackupPlanNotSupportAction', Message: "This backupPlan can't support this action" } }, 'DescribeBackupPlanBilling');
    expect(isNotApplicable(err)).toBe(true);
    expect(isNotApplicable(classifyThrown({ data: { statusCode: 400, Code: 'InvalidParameter', Message: 'PageSize' } }, 'X'))).toBe(false);
    expect(isNotApplicable(classifyThrown({ data: { statusCode: 500, Code: 'InternalError', Message: "can't support this action" } }, 'X'))).toBe(false);
  });
});

describe('why a job failed', () => {
  it('asks only about a failure newer than the one explained, and remembers one the budget put off', () => {
    expect(failureToExplain(undefined, [job('a', 'failed', NOW - 2 * H), job('b', 'failed', NOW - H), job('c', 'succeeded', NOW)])).toEqual({ jobId: 'b', endMs: NOW - H });
    const explained = { full: { jobId: 'b', endMs: NOW - H, code: 'X', message: 'm' } };
    expect(failureToExplain(explained, [job('a', 'failed', NOW - 2 * H), job('b', 'failed', NOW - H)])).toBeUndefined();
    expect(failureToExplain({ ...explained, pending: { jobId: 'd', endMs: NOW } }, [])).toEqual({ jobId: 'd', endMs: NOW });
  });

  it('shares a budget of calls per cycle over every plan', () => {
    const budget = new CycleBudget(2);
    expect([budget.take(1), budget.take(1), budget.take(1), budget.take(2)]).toEqual([true, true, false, true]);
  });
});

/** A DBS whose full listing returns one failed set; records every call. */
function failingFullApi(errorCode?: DbsApiError) {
  const calls: Array<{ action: DbsAction; params: Record<string, unknown> }> = [];
  const api = {
    async call(action: DbsAction, params: object) {
      calls.push({ action, params: { ...params } });
      if (action === 'DescribeJobErrorCode') {
        if (errorCode) throw errorCode;
        return { Item: { JobId: 'full-1', ErrorCode: 'DBS.Source.Connect', ErrorMessage: 'cannot connect' } } as never;
      }
      if (action === 'DescribeBackupPlanBilling') throw classifyThrown({ data: { statusCode: 400, Code: 'NotSupport', Message: "This backupPlan can't support this action" } }, action);
      const status = action === 'DescribeFullBackupList' ? 'failed' : 'COMPLETED';
      return { PageNum: 0, PageSize: 100, TotalElements: 1, Items: [{ BackupSetId: 'full-1', BackupStatus: status, StartTime: NOW - 2 * H, EndTime: NOW - H }] } as never;
    },
  } as DbsApi;
  return { api, calls };
}

describe('pollPlan with the operational sources', () => {
  const detail = backupPlanDetailSchema.parse({ BackupPlanId: 'dbs-1', BackupPlanStatus: 'running' });
  const sources = planSources({ billing: { intervalMs: H }, job_errors: { maxPerCycle: 5, language: 'en' } });

  it('asks why the newly failed full failed after the listing, once; billing not applicable is a state, not a failure', async () => {
    const { api, calls } = failingFullApi();
    const first = await pollPlan(api, { account: 'a', region: 'r' }, detail, undefined, settings, NOW, sources, 1);
    expect(calls.map((c) => c.action)).toEqual(['DescribeFullBackupList', 'DescribeIncrementBackupList', 'DescribeBackupPlanBilling', 'DescribeJobErrorCode']);
    expect(calls[3]?.params).toEqual({ TaskId: 'full-1', Language: 'en' });
    expect(first.state.sources).toMatchObject({ billing: { supported: false }, job_errors: { full: { jobId: 'full-1', code: 'DBS.Source.Connect', message: 'cannot connect' } } });

    calls.length = 0;
    const second = await pollPlan(api, { account: 'a', region: 'r' }, detail, first.state, settings, NOW + 60_000, sources, 2);
    expect(calls.map((c) => c.action)).toEqual(['DescribeFullBackupList', 'DescribeIncrementBackupList']);
    expect(second.state.sources?.billing).toBe(first.state.sources?.billing);
  });

  it('a task DBS no longer knows is recorded without a reason, not taken for the plan being gone', async () => {
    const { api } = failingFullApi(new DbsApiError('not_found', 'InvalidTaskId.NotFound', 'gone'));
    const result = await pollPlan(api, { account: 'a', region: 'r' }, detail, undefined, settings, NOW, sources, 1);
    expect(result.state.sources?.job_errors).toEqual({ full: { jobId: 'full-1', endMs: NOW - H, code: '', message: '' } });
  });
});
