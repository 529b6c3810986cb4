/**
 * Wire shapes of the DBS OpenAPI, one zod schema per response; the simulator builds its responses from
 * the same types. Lenient where DBS is loose, strict where a wrong value would become a wrong metric.
 * Why: docs/design/dbs-client.md#response-schemas
 */
import { z } from 'zod';
import { envelope, epochMillis, itemsOf, long, opt, wireBoolean } from './wire.js';
import * as ops from './operations.js';

export { epochMillis } from './wire.js';
export * from './operations.js';

export const API_VERSION = '2019-03-06';

/** Page sizes the API accepts. */
export const PAGE_SIZES = [30, 50, 100] as const;
export type PageSize = (typeof PAGE_SIZES)[number];

/** Known values are documented; anything else is carried through as a plain string. */
export const INCREMENT_BACKUP_STATUSES = ['INIT', 'FILLING', 'COMPLETED', 'UNCOMPLETED'] as const;
export const FULL_BACKUP_STATUSES_SEEN = ['schedule', 'running', 'finish'] as const;
export const BACKUP_PLAN_STATUSES = ['wait', 'init', 'running', 'stop', 'pause', 'locked', 'check_pass'] as const;
export const STORAGE_METHODS = ['Standard', 'IA', 'Archive', 'UNKNOWN'] as const;

export type IncrementBackupStatus = (typeof INCREMENT_BACKUP_STATUSES)[number];
export type BackupPlanStatus = (typeof BACKUP_PLAN_STATUSES)[number];
export type StorageMethod = (typeof STORAGE_METHODS)[number];

export const incrementBackupFileSchema = z.looseObject({
  BackupSetId: z.string().min(1),
  BackupSetJobId: opt(z.string()),
  BackupStatus: z.string(),
  StartTime: opt(epochMillis),
  EndTime: opt(epochMillis),
  BackupSetExpiredTime: opt(epochMillis),
  BackupSize: opt(long),
  StorageMethod: opt(z.string()),
  SourceEndpointIpPort: opt(z.string()),
});
export type IncrementBackupFile = z.infer<typeof incrementBackupFileSchema>;

export const fullBackupFileSchema = z.looseObject({
  BackupSetId: z.string().min(1),
  BackupStatus: z.string(),
  StartTime: opt(epochMillis),
  EndTime: opt(epochMillis),
  FinishTime: opt(epochMillis),
  CreateTime: opt(epochMillis),
  BackupSetExpiredTime: opt(epochMillis),
  BackupSize: opt(long),
  StorageMethod: opt(z.string()),
  ErrMessage: opt(z.string()),
  BackupObjects: opt(z.string()),
  SourceEndpointIpPort: opt(z.string()),
});
export type FullBackupFile = z.infer<typeof fullBackupFileSchema>;

export const backupPlanDetailSchema = z.looseObject({
  BackupPlanId: z.string().min(1),
  BackupPlanName: opt(z.string()),
  BackupPlanStatus: z.string(),
  BackupMethod: opt(z.string()),
  DatabaseType: opt(z.string()),
  SourceEndpointInstanceType: opt(z.string()),
  SourceEndpointInstanceID: opt(z.string()),
  SourceEndpointRegion: opt(z.string()),
  SourceEndpointIpPort: opt(z.string()),
  BeginTimestampForRestore: opt(epochMillis),
  EndTimestampForRestore: opt(epochMillis),
  /** Days of the week with a scheduled full backup, e.g. "Monday,Thursday". */
  BackupPeriod: opt(z.string()),
  /** Start time of the scheduled full backup, "HH:mm" (UTC per the API docs). */
  BackupStartTime: opt(z.string()),
  /** Days a backup set is kept. */
  BackupRetentionPeriod: opt(long),
  EnableBackupLog: opt(wireBoolean),
  BackupStorageType: opt(z.string()),
  InstanceClass: opt(z.string()),
  BackupPlanCreateTime: opt(epochMillis),
  ErrMessage: opt(z.string()),
  /** When a prepaid plan's subscription ends (epoch ms). */
  InstanceExpiredTimestamp: opt(epochMillis),
  /** PREPAY (subscription) or POSTPAY (pay-as-you-go). */
  InstanceChargeType: opt(z.string()),
  /** A number here, a string in DescribeBackupGatewayList; 0 or absent: no gateway (a cloud database). */
  BackupGatewayId: opt(z.union([long, z.literal('')]).transform((v) => (v === '' ? undefined : v))),
  StorageEncryptMethod: opt(z.string()),
  /** Days, as a string. */
  LogBackupRetentionPeriod: opt(z.union([long, z.literal('')]).transform((v) => (v === '' ? undefined : v))),
  /** Days, as a string. */
  IncrementBackupRetentionPeriod: opt(z.union([long, z.literal('')]).transform((v) => (v === '' ? undefined : v))),
});
export type BackupPlanDetail = z.infer<typeof backupPlanDetailSchema>;

/** One restorable stretch of time (DescribeRestoreRangeInfo). */
export const RESTORE_RANGE_TYPES = ['point', 'range'] as const;
export const recoverRangeSchema = z.looseObject({
  /** `point`: restorable only to the listed full backups; `range`: to any time inside (point-in-time restore). */
  RangeType: z.string(),
  BeginTimestampForRestore: opt(epochMillis),
  EndTimestampForRestore: opt(epochMillis),
  FullBackupList: opt(
    z.looseObject({
      FullBackupDetail: opt(
        z.array(z.looseObject({ BackupSetId: opt(z.string()), StartTime: opt(epochMillis), EndTime: opt(epochMillis) })),
      ),
    }),
  ),
  SourceEndpointInstanceType: opt(z.string()),
  SourceEndpointInstanceID: opt(z.string()),
});
export type RecoverRange = z.infer<typeof recoverRangeSchema>;

/** Documented restore statuses; the success value is not documented (`finish`, as for full backups). */
export const RESTORE_STATUSES_SEEN = ['init', 'running', 'stop', 'pause', 'check_pass', 'finish'] as const;
export const restoreTaskDetailSchema = z.looseObject({
  RestoreTaskId: z.string().min(1),
  RestoreTaskName: opt(z.string()),
  RestoreStatus: z.string(),
  RestoreTaskCreateTime: opt(epochMillis),
  RestoreTaskFinishTime: opt(epochMillis),
  /** The point in time restored to. */
  RestoreTime: opt(epochMillis),
  BackupSetId: opt(z.string()),
  BackupPlanId: opt(z.string()),
  ErrMessage: opt(z.string()),
  FullDataRestoreProgress: opt(long),
  ContinuousRestoreProgress: opt(long),
  FullStruAfterRestoreProgress: opt(long),
  RestoreDestinationMode: opt(z.string()),
  DestinationEndpointInstanceType: opt(z.string()),
  DestinationEndpointInstanceID: opt(z.string()),
});
export type RestoreTaskDetail = z.infer<typeof restoreTaskDetailSchema>;

export const describeIncrementBackupListResponseSchema = z.looseObject({
  ...envelope,
  Items: itemsOf('IncrementBackupFile', incrementBackupFileSchema),
});
export type DescribeIncrementBackupListResponse = z.infer<typeof describeIncrementBackupListResponseSchema>;

export const describeFullBackupListResponseSchema = z.looseObject({
  ...envelope,
  Items: itemsOf('FullBackupFile', fullBackupFileSchema),
});
export type DescribeFullBackupListResponse = z.infer<typeof describeFullBackupListResponseSchema>;

export const describeBackupPlanListResponseSchema = z.looseObject({
  ...envelope,
  Items: itemsOf('BackupPlanDetail', backupPlanDetailSchema),
});
export type DescribeBackupPlanListResponse = z.infer<typeof describeBackupPlanListResponseSchema>;

/** Not paged: every range of the asked window in one answer. */
export const describeRestoreRangeInfoResponseSchema = z.looseObject({
  ...envelope,
  Items: itemsOf('DBSRecoverRange', recoverRangeSchema),
});
export type DescribeRestoreRangeInfoResponse = z.infer<typeof describeRestoreRangeInfoResponseSchema>;

export const describeRestoreTaskListResponseSchema = z.looseObject({
  ...envelope,
  Items: itemsOf('RestoreTaskDetail', restoreTaskDetailSchema),
});
export type DescribeRestoreTaskListResponse = z.infer<typeof describeRestoreTaskListResponseSchema>;

/** Body of a non-2xx answer from the Alibaba Cloud gateway. */
export const apiErrorBodySchema = z.looseObject({
  RequestId: opt(z.string()),
  HostId: opt(z.string()),
  Code: z.string(),
  Message: opt(z.string()),
  Recommend: opt(z.string()),
});
export type ApiErrorBody = z.infer<typeof apiErrorBodySchema>;

/* ---------- request parameters (what the client sends in the query string) ---------- */

export interface PageRequest {
  PageNum?: number;
  PageSize?: PageSize;
  ClientToken?: string;
}

export interface DescribeIncrementBackupListRequest extends PageRequest {
  BackupPlanId: string;
  ShowStorageType?: boolean;
  /** Epoch ms: only sets whose StartTime is at or after this. */
  StartTimestamp?: number;
  /** Epoch ms: only sets whose StartTime is before or at this. */
  EndTimestamp?: number;
}

export interface DescribeFullBackupListRequest extends PageRequest {
  BackupPlanId: string;
  BackupSetId?: string;
  ShowStorageType?: boolean;
  StartTimestamp?: number;
  EndTimestamp?: number;
}

export interface DescribeBackupPlanListRequest extends PageRequest {
  Region?: string;
  BackupPlanId?: string;
  BackupPlanName?: string;
  BackupPlanStatus?: string;
  ResourceGroupId?: string;
}

export interface DescribeRestoreRangeInfoRequest {
  BackupPlanId: string;
  /** Epoch ms; both ends are required. */
  BeginTimestampForRestore: number;
  EndTimestampForRestore: number;
  RecentlyRestore?: boolean;
  ClientToken?: string;
}

/** BackupPlanId or RestoreTaskId, not both; PageSize 1–100 (not only 30/50/100). */
export interface DescribeRestoreTaskListRequest {
  BackupPlanId?: string;
  RestoreTaskId?: string;
  StartTimestamp?: number;
  EndTimestamp?: number;
  PageNum?: number;
  PageSize?: number;
  ClientToken?: string;
}

/**
 * What the simulator emits: the wire item shapes with every field it knows set.
 * Input types (z.input) so the simulator writes what DBS writes, not what we parse into.
 */
export type WireIncrementBackupFile = z.input<typeof incrementBackupFileSchema>;
export type WireFullBackupFile = z.input<typeof fullBackupFileSchema>;
export type WireBackupPlanDetail = z.input<typeof backupPlanDetailSchema>;
export type WireRecoverRange = z.input<typeof recoverRangeSchema>;
export type WireRestoreTaskDetail = z.input<typeof restoreTaskDetailSchema>;

/** An action's entry: its response schema, and its request as a type only (requests are built in code, not parsed). */
interface ActionSpec<Request extends object, Response extends z.ZodType> {
  response: Response;
  /** Never set: carries the request type for ActionTypes (api.ts). */
  readonly request?: Request;
}
function action<Request extends object>() {
  return <Response extends z.ZodType>(response: Response): ActionSpec<Request, Response> => ({ response });
}

/**
 * Every DBS action the exporter calls, one entry each: DbsAction, DBS_ACTIONS, RESPONSE_SCHEMAS
 * and ActionTypes (api.ts) are derived from it, so adding an action here is one line.
 */
export const ACTION_SPECS = {
  DescribeBackupPlanList: action<DescribeBackupPlanListRequest>()(describeBackupPlanListResponseSchema),
  DescribeFullBackupList: action<DescribeFullBackupListRequest>()(describeFullBackupListResponseSchema),
  DescribeIncrementBackupList: action<DescribeIncrementBackupListRequest>()(describeIncrementBackupListResponseSchema),
  DescribeRestoreRangeInfo: action<DescribeRestoreRangeInfoRequest>()(describeRestoreRangeInfoResponseSchema),
  DescribeRestoreTaskList: action<DescribeRestoreTaskListRequest>()(describeRestoreTaskListResponseSchema),
  DescribeBackupPlanBilling: action<ops.DescribeBackupPlanBillingRequest>()(ops.describeBackupPlanBillingResponseSchema),
  DescribeBackupGatewayList: action<ops.DescribeBackupGatewayListRequest>()(ops.describeBackupGatewayListResponseSchema),
  DescribeJobErrorCode: action<ops.DescribeJobErrorCodeRequest>()(ops.describeJobErrorCodeResponseSchema),
} as const;

export type DbsAction = keyof typeof ACTION_SPECS;
export const DBS_ACTIONS = Object.keys(ACTION_SPECS) as [DbsAction, ...DbsAction[]];

/** The request parameters of an action. */
export type ActionRequest<A extends DbsAction> = NonNullable<(typeof ACTION_SPECS)[A]['request']>;

/** The response schema of each action: what the transport validates a body against, and what each collector source names. */
export const RESPONSE_SCHEMAS = Object.fromEntries(Object.entries(ACTION_SPECS).map(([name, spec]) => [name, spec.response])) as {
  readonly [A in DbsAction]: (typeof ACTION_SPECS)[A]['response'];
};
