/**
 * DBS response fuzzing. (a) In process: bodies shaped like src/dbs/schemas.ts, mutated by
 * fast-check (missing fields, wrong types, numeric and NaN-like strings, 10^4-item pages,
 * extreme timestamps, unknown statuses, nulls, extra fields, Success:false). parseResponse
 * returns only finite numbers or throws the right DbsApiError, and what it accepts stays
 * finite and non-negative through observe → mergeJobs → summarise. (b) End to end: the
 * simulator's `fuzz` fault mutates real responses of every action for 150 cycles; the
 * exposition stays parseable and finite, bad_response counts exactly the rejected bodies,
 * nothing rejects unhandled, and clearing the fault brings every plan back.
 */
import fc from 'fast-check';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { observeFullBackup, observeIncrementBackup, mergeJobs, planInfoFromDetail, summarise, type ObservedJob } from '../../src/collector/state.js';
import { summariseRanges, type RestorableRange } from '../../src/collector/sources/restore-ranges.js';
import { observeRestoreTask } from '../../src/collector/sources/restore-tasks.js';
import { millis } from '../../src/collector/wire-values.js';
import { parseConfig } from '../../src/config/index.js';
import { DbsApiError } from '../../src/dbs/errors.js';
import {
  backupPlanDetailSchema,
  describeFullBackupListResponseSchema,
  fullBackupFileSchema,
  incrementBackupFileSchema,
} from '../../src/dbs/schemas.js';
import {
  type DbsAction,
  DBS_ACTIONS,
  INCREMENT_BACKUP_STATUSES,
  FULL_BACKUP_STATUSES_SEEN,
  BACKUP_PLAN_STATUSES,
  RESTORE_RANGE_TYPES,
  RESTORE_STATUSES_SEEN,
  STORAGE_METHODS,
  recoverRangeSchema,
  restoreTaskDetailSchema,
} from '../../src/dbs/schemas.js';
import {
  BACKUP_GATEWAY_STATUSES,
  type BackupGateway,
  type BackupPlanBilling,
  backupGatewaySchema,
  backupPlanBillingSchema,
  jobErrorCodeSchema,
} from '../../src/dbs/schemas.js';
import type { BackupPlanDetail, FullBackupFile, IncrementBackupFile, RecoverRange, RestoreTaskDetail } from '../../src/dbs/schemas.js';
import { observeGateway } from '../../src/collector/sources/backup-gateways.js';
import { observeBilling } from '../../src/collector/sources/billing.js';
import { parseResponse } from '../../src/dbs/transport.js';
import { createExporter } from '../../src/exporter.js';
import { DEMO_CREDENTIAL, ManualClock, startSimulator } from '../../src/simulator/index.js';
import { find, parseExposition, type Sample } from '../support/exposition.js';
import { DELETE, type Path, getAt, isPlainRecord, nonFiniteNumbers, pickPath, setAt } from './tree.js';

// A fixed seed keeps CI deterministic; FUZZ_SEED=<n> (or FUZZ_SEED=random) explores further.
fc.configureGlobal({ ...(process.env.FUZZ_SEED === 'random' ? {} : { seed: Number(process.env.FUZZ_SEED ?? 20261128) }) });

const RUNS_PER_ACTION = 500;
const E2E_RUNS = 3;
const CYCLES_PER_RUN = 50;

const T0 = Date.UTC(2026, 10, 20, 12, 0, 0);
const MIN = 60_000;
const YEAR_9999 = Date.UTC(9999, 11, 31, 23, 59, 59);

// ---------------------------------------------------------------------------------------------
// Valid bodies, one arbitrary per action

const timestamp = fc.oneof(fc.integer({ min: T0 - 30 * 24 * 60 * MIN, max: T0 + 60 * MIN }), fc.constant(0));
const size = fc.oneof(fc.integer({ min: 0, max: 2 ** 40 }), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }));
const setId = fc.stringMatching(/^[a-z0-9]{4,12}$/);

const incrementItem = fc.record(
  {
    BackupSetId: setId,
    BackupSetJobId: fc.string({ maxLength: 8 }),
    BackupStatus: fc.constantFrom(...INCREMENT_BACKUP_STATUSES),
    StartTime: timestamp,
    EndTime: timestamp,
    BackupSetExpiredTime: timestamp,
    BackupSize: size,
    StorageMethod: fc.constantFrom(...STORAGE_METHODS),
    SourceEndpointIpPort: fc.constant('10.0.0.1:3306'),
  },
  { requiredKeys: ['BackupSetId', 'BackupStatus'] },
);

const fullItem = fc.record(
  {
    BackupSetId: setId,
    BackupStatus: fc.constantFrom(...FULL_BACKUP_STATUSES_SEEN, 'failed'),
    StartTime: timestamp,
    EndTime: timestamp,
    FinishTime: timestamp,
    CreateTime: timestamp,
    BackupSetExpiredTime: timestamp,
    BackupSize: size,
    StorageMethod: fc.constantFrom(...STORAGE_METHODS),
    ErrMessage: fc.string({ maxLength: 10 }),
    BackupObjects: fc.constant('*'),
  },
  { requiredKeys: ['BackupSetId', 'BackupStatus'] },
);

const planItem = fc.record(
  {
    BackupPlanId: fc.stringMatching(/^dbs[a-z0-9]{6,10}$/),
    BackupPlanName: fc.string({ maxLength: 12 }),
    BackupPlanStatus: fc.constantFrom(...BACKUP_PLAN_STATUSES),
    BackupMethod: fc.constantFrom('logical', 'physical'),
    DatabaseType: fc.constantFrom('MySQL', 'PostgreSQL'),
    SourceEndpointInstanceType: fc.constantFrom('RDS', 'ECS', 'PolarDB'),
    SourceEndpointInstanceID: fc.string({ maxLength: 10 }),
    BeginTimestampForRestore: timestamp,
    EndTimestampForRestore: timestamp,
    BackupPeriod: fc.constantFrom('Monday', 'Monday,Thursday', 'Monday,Tuesday,Wednesday,Thursday,Friday,Saturday,Sunday', '', 'Funday'),
    BackupStartTime: fc.constantFrom('01:00', '25:99', ''),
    BackupRetentionPeriod: fc.integer({ min: 0, max: 3650 }),
    EnableBackupLog: fc.oneof(fc.boolean(), fc.constantFrom('true', 'false')),
  },
  { requiredKeys: ['BackupPlanId', 'BackupPlanStatus'] },
);

const recoverRangeItem = fc.record(
  {
    RangeType: fc.constantFrom(...RESTORE_RANGE_TYPES, 'Range', 'unknown'),
    BeginTimestampForRestore: timestamp,
    EndTimestampForRestore: timestamp,
    FullBackupList: fc.record({ FullBackupDetail: fc.array(fc.record({ BackupSetId: setId, StartTime: timestamp, EndTime: timestamp }), { maxLength: 3 }) }),
    SourceEndpointInstanceType: fc.constantFrom('RDS', 'ECS', 'PolarDB'),
    SourceEndpointInstanceID: fc.string({ maxLength: 10 }),
  },
  { requiredKeys: ['RangeType'] },
);

const progress = fc.integer({ min: 0, max: 100 });
const restoreTaskItem = fc.record(
  {
    RestoreTaskId: setId,
    RestoreTaskName: fc.oneof(fc.string({ maxLength: 12 }), fc.constant('drill-weekly-2026-11-20')),
    RestoreStatus: fc.constantFrom(...RESTORE_STATUSES_SEEN),
    RestoreTaskCreateTime: timestamp,
    RestoreTaskFinishTime: timestamp,
    RestoreTime: timestamp,
    BackupSetId: setId,
    BackupPlanId: fc.stringMatching(/^dbs[a-z0-9]{6,10}$/),
    ErrMessage: fc.string({ maxLength: 10 }),
    FullDataRestoreProgress: progress,
    ContinuousRestoreProgress: progress,
    FullStruAfterRestoreProgress: progress,
    RestoreDestinationMode: fc.constantFrom('newInstance', ''),
    DestinationEndpointInstanceType: fc.constantFrom('RDS', 'ECS'),
    DestinationEndpointInstanceID: fc.string({ maxLength: 10 }),
  },
  { requiredKeys: ['RestoreTaskId', 'RestoreStatus'] },
);

const gatewayItem = fc.record(
  {
    BackupGatewayId: fc.oneof(fc.stringMatching(/^[0-9]{6,8}$/), fc.integer({ min: 1, max: 99_999_999 })),
    BackupGatewayStatus: fc.constantFrom(...BACKUP_GATEWAY_STATUSES, 'REBOOTING'),
    LastHeartbeatTime: timestamp,
    Identifier: fc.stringMatching(/^dbsgw[a-z0-9]{4,8}$/),
    DisplayName: fc.string({ maxLength: 12 }),
    Region: fc.constant('cn-hangzhou'),
    SourceEndpointHostname: fc.string({ maxLength: 12 }),
    SourceEndpointInternetIP: fc.constant('203.0.113.7'),
    SourceEndpointIntranetIP: fc.constant('10.0.0.7'),
    BackupGatewayCreateTime: timestamp,
  },
  { requiredKeys: ['BackupGatewayId'] },
);

const billingItem = fc.record({
  BuyChargeType: fc.constantFrom('PREPAY', 'POSTPAY'),
  BuyCreateTimestamp: timestamp,
  BuyExpiredTimestamp: timestamp,
  IsExpired: fc.boolean(),
  BuySpec: fc.constantFrom('micro', 'large'),
  FullStorageSize: size,
  ContStorageSize: size,
  TotalFreeBytes: size,
  IsFreeBytesUnlimited: fc.boolean(),
  UsedFullBytes: size,
  UsedIncrementBytes: size,
  PaiedBytes: size,
  QuotaStartTimestamp: timestamp,
  QuotaEndTimestamp: timestamp,
}, { requiredKeys: [] });

const jobErrorItem = fc.record({
  JobId: setId,
  JobState: fc.constantFrom('failed', 'finish'),
  JobType: fc.constantFrom('FULL_BACKUP', 'RESTORE'),
  ErrorCode: fc.constantFrom('DBS.FullBackup.SourceConnectFailed', ''),
  ErrorMessage: fc.string({ maxLength: 300 }),
}, { requiredKeys: [] });

/** Listings: the key of their `Items` and an item. */
const LISTED: Partial<Record<DbsAction, [string, fc.Arbitrary<Record<string, unknown>>]>> = {
  DescribeBackupPlanList: ['BackupPlanDetail', planItem],
  DescribeFullBackupList: ['FullBackupFile', fullItem],
  DescribeIncrementBackupList: ['IncrementBackupFile', incrementItem],
  DescribeRestoreRangeInfo: ['DBSRecoverRange', recoverRangeItem],
  DescribeRestoreTaskList: ['RestoreTaskDetail', restoreTaskItem],
  DescribeBackupGatewayList: ['BackupGateway', gatewayItem],
};
/** Answered with one `Item`. */
const SINGLE: Partial<Record<DbsAction, fc.Arbitrary<Record<string, unknown>>>> = {
  DescribeBackupPlanBilling: billingItem,
  DescribeJobErrorCode: jobErrorItem,
};
/** Answered in one piece, without the paging fields. */
const UNPAGED: ReadonlySet<DbsAction> = new Set(['DescribeRestoreRangeInfo']);

function validBody(action: DbsAction): fc.Arbitrary<Record<string, unknown>> {
  const single = SINGLE[action];
  if (single) return single.map((item) => ({ RequestId: '00000000-0000-0000-0000-000000000000', Success: true, HttpStatusCode: 200, Item: item }));
  const [key, arb] = LISTED[action]!;
  return fc.array(arb, { maxLength: 6 }).map((items) => ({
    RequestId: '00000000-0000-0000-0000-000000000000',
    Success: true,
    ...(UNPAGED.has(action) ? { HttpStatusCode: 200 } : { PageNum: 0, PageSize: 100, TotalPages: 1, TotalElements: items.length }),
    Items: { [key]: items },
  }));
}

// ---------------------------------------------------------------------------------------------
// Mutations

/** Numbers as DBS might send them, and as a broken gateway might. Bounded by ±1e20: DBS sends Java longs. */
const numberLike: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(0, -1, -0, 1, -1e20, 1e20, YEAR_9999, -YEAR_9999, 2 ** 63, Number.MAX_SAFE_INTEGER + 2, 0.5, NaN, Infinity, -Infinity),
  fc.double({ min: -1e20, max: 1e20 }),
  fc.integer(),
  // Numeric strings (accepted by the schema) up to 21 digits.
  fc.oneof(fc.constantFrom('0', '-1', '100000000000000000000', String(YEAR_9999), '-253402300799000', '1.5', '007'), fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n }).map(String)),
  // NaN-like and otherwise not-quite-numeric strings (rejected by the schema).
  fc.constantFrom('NaN', 'Infinity', '-Infinity', '1e999', '1e20', '0x1F', ' 12', '12 ', '1,000', '', ' ', '+1', '.5', '5.', '--1', '1e', '٣'),
);

const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: numberLike },
  { weight: 2, arbitrary: fc.string({ maxLength: 10 }) },
  { weight: 1, arbitrary: fc.constantFrom('teleporting', 'FAILED', 'Completed', 'finish ', 'UNKNOWN', 'schedule', '', 'null') },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 2, arbitrary: fc.constant(null) },
  { weight: 1, arbitrary: fc.array(fc.oneof(fc.constant(null), fc.integer(), fc.string({ maxLength: 3 })), { maxLength: 3 }) },
  { weight: 1, arbitrary: fc.dictionary(fc.string({ maxLength: 5 }), fc.oneof(fc.constant(null), fc.integer()), { maxKeys: 3 }) },
);

type BodyOp =
  | { kind: 'replace'; at: number; value: unknown }
  | { kind: 'delete'; at: number }
  | { kind: 'extra'; at: number; key: string; value: unknown }
  | { kind: 'stringify'; at: number }
  | { kind: 'huge'; count: number }
  | { kind: 'fail'; success: unknown; errCode: unknown; httpStatus: unknown };

const bodyOp: fc.Arbitrary<BodyOp> = fc.oneof(
  { weight: 16, arbitrary: fc.record({ kind: fc.constant('replace' as const), at: fc.nat(), value: anyValue }) },
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('extra' as const), at: fc.nat(), key: fc.oneof(fc.constantFrom('__proto__', 'constructor', 'Extra', 'BackupSize ', 'ErrCode'), fc.string({ maxLength: 6 })), value: anyValue }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('stringify' as const), at: fc.nat() }) },
  // Expensive (a 10^4-item page is parsed, merged and summarised): rare, but in every run.
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('huge' as const), count: fc.oneof({ weight: 1, arbitrary: fc.constant(10_000) }, { weight: 4, arbitrary: fc.constantFrom(1_000, 101) }) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('fail' as const),
      success: fc.constantFrom(false, 'false', true, 'true', undefined, null, 0),
      errCode: fc.constantFrom('Throttling.User', 'InvalidAccessKeyId.NotFound', 'Forbidden.RAM', 'InternalError', 'Backupplan.NotFound', 'InvalidParameter', 'Weird.Code', '', undefined, 42),
      httpStatus: fc.constantFrom(403, 404, 400, 500, 503, 200, undefined, '500'),
    }),
  },
);

function itemsOf(body: unknown): unknown[] | undefined {
  if (!isPlainRecord(body) || !isPlainRecord(body.Items)) return undefined;
  const list = Object.values(body.Items)[0];
  return Array.isArray(list) ? list : undefined;
}

/** Applies `op` to `body` (in place where it can); `allowRoot: false` keeps the body an object. */
function applyBodyOp(body: unknown, op: BodyOp, allowRoot: boolean): unknown {
  const notRoot = (p: Path) => allowRoot || p.length > 0;
  switch (op.kind) {
    case 'replace': {
      const path = pickPath(body, op.at, notRoot);
      return path ? setAt(body, path, structuredClone(op.value)) : body;
    }
    case 'delete': {
      const path = pickPath(body, op.at, (p) => p.length > 0);
      return path ? setAt(body, path, DELETE) : body;
    }
    case 'extra': {
      const path = pickPath(body, op.at, (_p, node) => isPlainRecord(node));
      if (path) (getAt(body, path) as Record<string, unknown>)[op.key] = structuredClone(op.value);
      return body;
    }
    case 'stringify': {
      // A number sent as a string (as some gateways do with longs).
      const path = pickPath(body, op.at, (p, node) => p.length > 0 && typeof node === 'number');
      return path ? setAt(body, path, String(getAt(body, path))) : body;
    }
    case 'huge': {
      const items = itemsOf(body);
      const first = items?.[0];
      if (!items || !isPlainRecord(first)) return body;
      const idKey = ['BackupSetId', 'RestoreTaskId', 'BackupGatewayId', 'BackupPlanId'].find((key) => key in first) ?? 'BackupPlanId';
      for (let i = 1; i < op.count; i++) items.push({ ...first, [idKey]: `${String(first[idKey])}-${i}` });
      return body;
    }
    case 'fail': {
      if (!isPlainRecord(body)) return body;
      for (const [key, value] of [['Success', op.success], ['ErrCode', op.errCode], ['HttpStatusCode', op.httpStatus]] as const) {
        if (value === undefined) delete body[key];
        else body[key] = value;
      }
      return body;
    }
  }
}

/** What parseResponse documents: Success false, or an ErrCode without Success true, is an API error. */
function signalsFailure(body: unknown): { code: string } | undefined {
  if (!isPlainRecord(body)) return undefined;
  const errCode = typeof body.ErrCode === 'string' && body.ErrCode.length > 0 ? body.ErrCode : undefined;
  const success = body.Success;
  if (success === false || success === 'false' || (errCode !== undefined && success !== true && success !== 'true')) return { code: errCode ?? 'UnknownError' };
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// (a) parseResponse and the state functions, in process

const SIZE_KEY = /size|bytes/i;
/** Numbers under a size/bytes key (at any depth) that are negative. */
function negativeSizes(value: unknown, prefix = '', out: string[] = []): string[] {
  if (value === null || typeof value !== 'object') return out;
  const entries = value instanceof Map ? [...value.entries()] : Object.entries(value);
  for (const [key, child] of entries) {
    const path = `${prefix}.${String(key)}`;
    if (typeof child === 'number' && SIZE_KEY.test(String(key)) && child < 0) out.push(`${path}=${child}`);
    else if (typeof child === 'object' && child !== null) {
      // A record keyed by storage class under a size key (setBytesByStorage) holds sizes too.
      if (SIZE_KEY.test(String(key))) for (const [k, v] of Object.entries(child)) if (typeof v === 'number' && v < 0) out.push(`${path}.${k}=${v}`);
      negativeSizes(child, path, out);
    }
  }
  return out;
}

/**
 * Fields the schemas declare. Unknown fields pass through (looseObject) unvalidated and unused;
 * only an in-process body can put NaN there (JSON cannot), so finiteness is asked of the known ones.
 */
const KNOWN_FIELDS = new Set(
  [
    describeFullBackupListResponseSchema,
    fullBackupFileSchema,
    incrementBackupFileSchema,
    backupPlanDetailSchema,
    recoverRangeSchema,
    restoreTaskDetailSchema,
    backupGatewaySchema,
    backupPlanBillingSchema,
    jobErrorCodeSchema,
  ].flatMap((schema) =>
    Object.keys(schema.shape),
  ),
);
function nonFiniteKnownFields(data: unknown): string[] {
  return nonFiniteNumbers(data).filter((entry) => {
    const path = entry.slice(0, entry.lastIndexOf('='));
    return KNOWN_FIELDS.has(path.slice(path.lastIndexOf('.') + 1));
  });
}

/** Ranges as the restore_ranges source reads them (unset or reversed bounds dropped), then summarised. */
function throughRangeSummary(items: readonly RecoverRange[]): unknown[] {
  const window = { beginMs: T0 - 7 * 24 * 60 * MIN, endMs: T0 };
  const ranges = items.flatMap((range): RestorableRange[] => {
    const begin = millis(range.BeginTimestampForRestore);
    const end = millis(range.EndTimestampForRestore) ?? begin;
    if (begin === undefined || end === undefined || end < begin) return [];
    const type = range.RangeType.toLowerCase();
    return [{ type: type === 'point' || type === 'range' ? type : 'unknown', beginMs: begin, endMs: end }];
  });
  return [summariseRanges(ranges, window)];
}

function throughState(action: DbsAction, items: readonly unknown[]): unknown[] {
  if (action === 'DescribeBackupPlanList') return (items as BackupPlanDetail[]).map(planInfoFromDetail);
  if (action === 'DescribeBackupGatewayList') return (items as BackupGateway[]).map(observeGateway);
  if (action === 'DescribeBackupPlanBilling') return (items as Array<BackupPlanBilling | undefined>).map(observeBilling);
  if (action === 'DescribeJobErrorCode') return [...items];
  if (action === 'DescribeRestoreRangeInfo') return throughRangeSummary(items as RecoverRange[]);
  if (action === 'DescribeRestoreTaskList') return (items as RestoreTaskDetail[]).map((task) => observeRestoreTask(task, /^drill-weekly-/));
  const observe = action === 'DescribeFullBackupList' ? (f: unknown) => observeFullBackup(f as FullBackupFile) : (f: unknown) => observeIncrementBackup(f as IncrementBackupFile);
  const observed: ObservedJob[] = items.map(observe);
  const ctx = { nowMs: T0, fetchStartMs: T0 - 72 * 60 * MIN, windowStartMs: T0 - 72 * 60 * MIN };
  const baseline = mergeJobs(undefined, observed, ctx);
  // A second poll where every job grew and some finished: counters and progress move.
  const later = observed.map((job, i) => ({ ...job, sizeBytes: job.sizeBytes * 2 + 1, state: i % 2 === 0 ? ('succeeded' as const) : job.state }));
  const next = mergeJobs(baseline, later, { ...ctx, nowMs: T0 + 5 * MIN });
  // States and summaries are read through their public view (inside, NaN marks an absent value).
  return [observed, baseline.toJSON(), next.toJSON(), summarise(baseline, T0).toJSON(), summarise(next, T0 + 5 * MIN).toJSON()];
}

describe('DBS response fuzzing, in process', () => {
  const figures = { payloads: 0, accepted: 0, rejectedBadResponse: 0, apiErrors: 0, itemsThroughState: 0, pagesOf10kItems: 0 };
  afterAll(() => console.log(`payload fuzz (parseResponse + state): ${JSON.stringify(figures)}`));

  for (const action of DBS_ACTIONS) {
    it(`${action}: parseResponse returns finite data or the right DbsApiError; state stays finite and non-negative`, () => {
      const mutated = fc
        .tuple(validBody(action), fc.array(bodyOp, { maxLength: 5 }))
        .map(([body, ops]) => ops.reduce<unknown>((b, op) => applyBodyOp(b, op, true), body));
      fc.assert(
        fc.property(mutated, (body) => {
          figures.payloads += 1;
          if ((itemsOf(body)?.length ?? 0) >= 10_000) figures.pagesOf10kItems += 1;
          const failure = signalsFailure(body);
          let data;
          try {
            data = parseResponse(action, body);
          } catch (err) {
            expect(err).toBeInstanceOf(DbsApiError);
            const apiError = err as DbsApiError;
            if (failure) {
              expect(apiError.code).toBe(failure.code);
              expect(apiError.errorClass).not.toBe('bad_response');
              figures.apiErrors += 1;
            } else {
              expect(apiError.errorClass).toBe('bad_response');
              figures.rejectedBadResponse += 1;
            }
            return;
          }
          expect(failure).toBeUndefined();
          figures.accepted += 1;
          expect(nonFiniteKnownFields(data)).toEqual([]);
          const parsed = data as { Items?: readonly unknown[]; Item?: unknown };
          const items = parsed.Items ?? [parsed.Item];
          figures.itemsThroughState += items.length;
          const state = throughState(action, items);
          expect(nonFiniteNumbers(state)).toEqual([]);
          expect(negativeSizes(state)).toEqual([]);
        }),
        { numRuns: RUNS_PER_ACTION, endOnFailure: true },
      );
    }, 30_000);
  }

  // Found by this fuzzing: the `long` schema accepts any string of digits and converts it with
  // Number(), so 309 or more digits become Infinity and are returned as data, although the
  // schema means to reject non-finite numbers ("a timestamp that is not a finite number is
  // rejected"). The state functions drop it (millis/bytes check isFinite), so no metric shows
  // it, but TotalElements/PageNum/HttpStatusCode/BackupRetentionPeriod reach callers as Infinity.
  it('a numeric string too large for a double is rejected, not parsed to Infinity (found by this fuzzing)', () => {
    const body = { Items: { FullBackupFile: [{ BackupSetId: 'f1', BackupStatus: 'finish', EndTime: '9'.repeat(400) }] }, TotalElements: '1'.repeat(309) };
    let data: unknown;
    try {
      data = parseResponse('DescribeFullBackupList', body);
    } catch (err) {
      expect((err as DbsApiError).errorClass).toBe('bad_response');
      return;
    }
    expect(nonFiniteNumbers(data)).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// (b) End to end: the exporter against the simulator's `fuzz` fault

const silent = pino({ level: 'silent' });

function bootConfig(endpoint: string) {
  const yaml = [
    'defaults:',
    '  retries: { max_attempts: 2, initial_backoff: 1ms, max_backoff: 2ms }',
    '  rate_limit: { requests_per_second: 1000 }',
    'collection: { interval: 60s, lookback: 24h, max_staleness: 30m }',
    'targets:',
    '  - name: fuzz',
    '    region: cn-hangzhou',
    `    endpoint: ${endpoint}`,
    '    protocol: http',
    '    credentials: { type: access_key, access_key_id_env: SIM_KEY_ID, access_key_secret_env: SIM_SECRET }',
  ].join('\n');
  return parseConfig(yaml, { env: { SIM_KEY_ID: DEMO_CREDENTIAL.accessKeyId, SIM_SECRET: DEMO_CREDENTIAL.accessKeySecret } });
}

function sum(samples: Sample[]): number {
  return samples.reduce((total, s) => total + s.value, 0);
}

describe('DBS response fuzzing, end to end', () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  beforeAll(() => process.on('unhandledRejection', onUnhandled));
  afterAll(() => process.off('unhandledRejection', onUnhandled));

  it(`${E2E_RUNS} × ${CYCLES_PER_RUN} cycles of mutated responses: finite exposition, exact bad_response count, recovery`, async () => {
    const figures = { cycles: 0, responses: 0, mutated: 0, hugeItems: 0, predictedBadResponse: 0, countedBadResponse: 0, successFalseBodies: 0, hugePages: 0, cyclesWithLateCount: 0 };
    // The n-th response of a cycle takes the n-th list of mutations (an empty list passes it through); later responses pass through.
    const cycleArb = fc.array(fc.array(bodyOp, { maxLength: 3 }), { minLength: 1, maxLength: 8 });

    await fc.assert(
      fc.asyncProperty(fc.array(cycleArb, { minLength: CYCLES_PER_RUN, maxLength: CYCLES_PER_RUN }), fc.integer({ min: 1, max: 1000 }), async (cycles, seed) => {
        const clock = new ManualClock(T0);
        const sim = await startSimulator({ clock, scenario: { plans: 4, seed } });
        try {
          const exporter = createExporter(bootConfig(sim.endpoint), { logger: silent, build: { version: 'fuzz' }, now: () => clock.now(), processMetrics: false });
          let current: BodyOp[][] = [];
          let request = 0;
          let predicted = 0;
          for (const action of DBS_ACTIONS) {
            sim.faults.set({
              kind: 'fuzz',
              action,
              mutate: (body) => {
                figures.responses += 1;
                // Each list once per cycle, then pass-through: retries and extra pages get real bodies.
                const ops = current[request++] ?? [];
                if (ops.length > 0) figures.mutated += 1;
                if (ops.some((op) => op.kind === 'huge')) figures.hugePages += 1;
                figures.hugeItems += Math.max(0, ...(action === 'DescribeBackupPlanList' ? [] : ops).map((op) => (op.kind === 'huge' ? op.count : 0)));
                // A copy: the body shares objects with the fleet, and mutating them in place would corrupt it.
                // A 10^4-plan list would make the cycle poll 10^4 phantom plans: plan lists grow to 101 at most.
                const capped = action === 'DescribeBackupPlanList' ? ops.map((op) => (op.kind === 'huge' ? { ...op, count: Math.min(op.count, 101) } : op)) : ops;
                const out = ops.length === 0 ? body : capped.reduce<unknown>((b, op) => applyBodyOp(b, op, false), structuredClone(body));
                // What the exporter will receive: the body after a JSON round trip.
                const sent: unknown = JSON.parse(JSON.stringify(out));
                try {
                  parseResponse(action, sent);
                } catch (err) {
                  if ((err as DbsApiError).errorClass === 'bad_response') predicted += 1;
                  // Success:false, from a mutation or from the simulator itself (e.g. for the phantom plans of a 10^4-item plan list).
                  else figures.successFalseBodies += 1;
                }
                return out;
              },
            });
          }

          for (const ops of cycles) {
            current = ops;
            request = 0;
            clock.advance(5 * MIN);
            await exporter.runCycle();
            figures.cycles += 1;
            const text = await exporter.metrics.render();
            const samples = parseExposition(text);
            const nonFinite = samples.filter((s) => !Number.isFinite(s.value) && !(s.name.endsWith('_bucket') && s.labels.le === '+Inf'));
            expect(nonFinite.map((s) => `${s.name}${JSON.stringify(s.labels)} ${s.value}`)).toEqual([]);
            expect(find(samples, 'dbs_backup_lag_seconds').filter((s) => s.value < 0)).toEqual([]);
            // pollPlan's Promise.all settles at the first failed listing while the other listing's
            // request is still in flight, so a rejection can be counted just after its cycle: the
            // count may lag, never lead, and must catch up (checked below).
            const bad = sum(find(samples, 'dbs_exporter_api_requests_total', { code: 'bad_response' }));
            expect(bad, `cycle ${figures.cycles}: bad_response counted vs rejected bodies so far`).toBeLessThanOrEqual(predicted);
            if (bad < predicted) figures.cyclesWithLateCount += 1;
          }
          const settled = Date.now() + 5_000;
          let counted = 0;
          while ((counted = sum(find(parseExposition(await exporter.metrics.render()), 'dbs_exporter_api_requests_total', { code: 'bad_response' }))) < predicted && Date.now() < settled) {
            await new Promise((resolve) => setTimeout(resolve, 20));
          }
          expect(counted, 'bad_response counted vs rejected bodies, all cycles').toBe(predicted);
          figures.predictedBadResponse += predicted;
          figures.countedBadResponse += counted;

          // The fault cleared, one cycle brings every plan back.
          sim.faults.clear();
          clock.advance(5 * MIN);
          await exporter.runCycle();
          const samples = parseExposition(await exporter.metrics.render());
          expect(find(samples, 'dbs_exporter_target_up', { account: 'fuzz' }).map((s) => s.value)).toEqual([1]);
          const plans = sim.fleet.listPlans();
          expect(plans.length).toBe(4);
          for (const plan of plans) {
            expect(find(samples, 'dbs_exporter_plan_poll_success', { account: 'fuzz', backup_plan_id: plan.id }).map((s) => s.value), plan.id).toEqual([1]);
          }
        } finally {
          await sim.close();
        }
      }),
      { numRuns: E2E_RUNS, endOnFailure: true },
    );

    expect(unhandled).toEqual([]);
    console.log(`payload fuzz (end to end): ${JSON.stringify({ ...figures, unhandledRejections: unhandled.length })}`);
    expect(figures.countedBadResponse).toBeGreaterThan(0);
  }, 120_000);

  // Found while fuzzing: a 2xx body that is valid JSON but not an object ([], "x", 42, null) is
  // refused by @alicloud/openapi-client (tea-util assertAsMap: "The value is not a object")
  // before parseResponse sees it; classifyThrown files that Error as `network` (retryable), so
  // it is retried and counted as code="network" rather than bad_response, and parseResponse's
  // InvalidBody branch never ran for the real transport. Fixed in classifyThrown.
  it('a JSON body that is not an object is a bad_response, not a network error (found by this fuzzing)', async () => {
    const clock = new ManualClock(T0);
    const sim = await startSimulator({ clock, scenario: { plans: 1 } });
    try {
      const exporter = createExporter(bootConfig(sim.endpoint), { logger: silent, build: { version: 'fuzz' }, now: () => clock.now(), processMetrics: false });
      sim.faults.set({ kind: 'fuzz', action: 'DescribeBackupPlanList', mutate: () => [] });
      await exporter.runCycle();
      const samples = parseExposition(await exporter.metrics.render());
      expect(find(samples, 'dbs_exporter_api_requests_total', { action: 'DescribeBackupPlanList', code: 'network' }).map((s) => s.value)).toEqual([0]);
      expect(find(samples, 'dbs_exporter_api_requests_total', { action: 'DescribeBackupPlanList', code: 'bad_response' }).map((s) => s.value)).toEqual([1]);
    } finally {
      await sim.close();
    }
  });
});
