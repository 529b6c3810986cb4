/**
 * Wire shapes of the actions behind operational stops (issue: why backups stop without failing):
 * a plan's billing and backup traffic quota, backup gateways, and why a job failed. One zod schema
 * per response, as in schemas.ts. Design: docs/design/operational-stops.md
 */
import { z } from 'zod';
import { envelope, epochMillis, itemsOf, long, opt, wireBoolean } from './wire.js';

/** DescribeBackupPlanBilling Item. The Used and Paied fields measure this quota period's backup traffic, not storage. */
export const backupPlanBillingSchema = z.looseObject({
  BuyChargeType: opt(z.string()),
  BuyCreateTimestamp: opt(epochMillis),
  /** PREPAY only. */
  BuyExpiredTimestamp: opt(epochMillis),
  IsExpired: opt(wireBoolean),
  BuySpec: opt(z.string()),
  FullStorageSize: opt(long),
  ContStorageSize: opt(long),
  /** PREPAY, and only when IsFreeBytesUnlimited is false. */
  TotalFreeBytes: opt(long),
  IsFreeBytesUnlimited: opt(wireBoolean),
  UsedFullBytes: opt(long),
  UsedIncrementBytes: opt(long),
  /** DBS's spelling. */
  PaiedBytes: opt(long),
  QuotaStartTimestamp: opt(epochMillis),
  QuotaEndTimestamp: opt(epochMillis),
});
export type BackupPlanBilling = z.infer<typeof backupPlanBillingSchema>;

/** Not paged; plans that do not support it answer HTTP 400 "This backupPlan can't support this action". */
export const describeBackupPlanBillingResponseSchema = z.looseObject({
  ...envelope,
  Item: opt(backupPlanBillingSchema),
});
export type DescribeBackupPlanBillingResponse = z.infer<typeof describeBackupPlanBillingResponseSchema>;

export const BACKUP_GATEWAY_STATUSES = ['ONLINE', 'OFFLINE', 'STOPPED', 'UPGRADING'] as const;

/** DescribeBackupGatewayList item. BackupGatewayId is a string here and a number in DescribeBackupPlanList. */
export const backupGatewaySchema = z.looseObject({
  BackupGatewayId: z.union([z.string().min(1), z.number().finite().transform(String)]),
  BackupGatewayStatus: opt(z.string()),
  LastHeartbeatTime: opt(epochMillis),
  Identifier: opt(z.string()),
  DisplayName: opt(z.string()),
  Region: opt(z.string()),
  SourceEndpointHostname: opt(z.string()),
  SourceEndpointInternetIP: opt(z.string()),
  SourceEndpointIntranetIP: opt(z.string()),
  BackupGatewayCreateTime: opt(epochMillis),
});
export type BackupGateway = z.infer<typeof backupGatewaySchema>;

export const describeBackupGatewayListResponseSchema = z.looseObject({
  ...envelope,
  Items: itemsOf('BackupGateway', backupGatewaySchema),
});
export type DescribeBackupGatewayListResponse = z.infer<typeof describeBackupGatewayListResponseSchema>;

/** DescribeJobErrorCode Item: DBS's standard reason for a failed full backup or restore task. */
export const jobErrorCodeSchema = z.looseObject({
  JobId: opt(z.string()),
  JobState: opt(z.string()),
  JobType: opt(z.string()),
  ErrorCode: opt(z.string()),
  ErrorMessage: opt(z.string()),
});
export type JobErrorCode = z.infer<typeof jobErrorCodeSchema>;

export const describeJobErrorCodeResponseSchema = z.looseObject({
  ...envelope,
  Item: opt(jobErrorCodeSchema),
});
export type DescribeJobErrorCodeResponse = z.infer<typeof describeJobErrorCodeResponseSchema>;

export interface DescribeBackupPlanBillingRequest {
  BackupPlanId: string;
  ShowStorageType?: boolean;
  ClientToken?: string;
}

/** Region is required; PageNum 0-based; PageSize 30, 50 or 100 only. */
export interface DescribeBackupGatewayListRequest {
  Region: string;
  /** Comma-separated gateway identifiers. */
  Identifier?: string;
  PageNum?: number;
  PageSize?: 30 | 50 | 100;
  ClientToken?: string;
}

/** TaskId: a full backup (its BackupSetId) or a restore task. */
export interface DescribeJobErrorCodeRequest {
  TaskId: string;
  Language?: 'en' | 'cn';
  ClientToken?: string;
}

export type WireBackupPlanBilling = z.input<typeof backupPlanBillingSchema>;
export type WireBackupGateway = z.input<typeof backupGatewaySchema>;
export type WireJobErrorCode = z.input<typeof jobErrorCodeSchema>;
