/**
 * DBS's standard reasons a job failed, as DescribeJobErrorCode tells them: a bounded vocabulary of
 * codes with an English and a Chinese message. Which reason a failed full gets is deterministic.
 */
import { hashUnit } from './random.js';
import type { BackupPlan } from './model.js';

export type JobErrorLanguage = 'en' | 'cn';

interface StandardError {
  en: string;
  cn: string;
}

export const FULL_BACKUP_ERRORS = {
  'DBS.FullBackup.SourceConnectFailed': {
    en: "Failed to connect to the source database: check the network and the account's password",
    cn: '连接源数据库失败：请检查网络连通性和账号密码',
  },
  'DBS.FullBackup.SourceAuthFailed': {
    en: "The source database refused the backup account: check the account's password and privileges",
    cn: '源数据库拒绝了备份账号：请检查账号密码和权限',
  },
  'DBS.FullBackup.SourceObjectNotFound': {
    en: 'A database or table chosen for backup no longer exists on the source database',
    cn: '所选的备份对象在源数据库中已不存在',
  },
  'DBS.FullBackup.LockWaitTimeout': {
    en: 'Timed out waiting for a consistent snapshot lock on the source database',
    cn: '等待源数据库一致性快照锁超时',
  },
  'DBS.FullBackup.StorageWriteFailed': {
    en: "Failed to write the backup to storage: check the storage bucket's permissions and capacity",
    cn: '备份数据写入存储失败：请检查存储空间的权限和容量',
  },
  'DBS.FullBackup.GatewayUnreachable': {
    en: 'The backup gateway is unreachable: check that the gateway is online',
    cn: '备份网关不可达：请检查备份网关是否在线',
  },
} as const satisfies Record<string, StandardError>;

export type FullBackupErrorCode = keyof typeof FULL_BACKUP_ERRORS;
export const FULL_BACKUP_ERROR_CODES = Object.keys(FULL_BACKUP_ERRORS) as [FullBackupErrorCode, ...FullBackupErrorCode[]];

export const RESTORE_ERRORS = {
  'DBS.Restore.DestinationDiskInsufficient': {
    en: 'The destination instance does not have enough free disk space for the restore',
    cn: '目标实例磁盘空间不足，无法完成恢复',
  },
  'DBS.Restore.DestinationConnectFailed': {
    en: 'Failed to connect to the destination instance: check the network and the account',
    cn: '连接目标实例失败：请检查网络连通性和账号',
  },
} as const satisfies Record<string, StandardError>;

type AnyCode = FullBackupErrorCode | keyof typeof RESTORE_ERRORS;

/** The standard message of a code; a code outside the vocabulary gets a generic one. */
export function errorMessage(code: string, language: JobErrorLanguage = 'en'): string {
  const known = (FULL_BACKUP_ERRORS as Record<string, StandardError>)[code] ?? (RESTORE_ERRORS as Record<string, StandardError>)[code];
  if (known) return known[language];
  return language === 'cn' ? '任务执行失败' : 'The job failed';
}

/** The code of a failed full that started at `start`: its failure stretch's, the plan's, or one read from ErrMessage. */
export function fullBackupErrorCode(plan: BackupPlan, start: number): string {
  const failure = plan.full.failures?.find((f) => f.from <= start && start < f.to);
  if (failure) return failure.errorCode;
  if (plan.full.errorCode) return plan.full.errorCode;
  const text = plan.full.errMessage ?? '';
  if (/access denied|password/i.test(text)) return 'DBS.FullBackup.SourceAuthFailed';
  if (/connect/i.test(text)) return 'DBS.FullBackup.SourceConnectFailed';
  // Same plan, same reason: a plan that keeps failing usually fails for one cause.
  return FULL_BACKUP_ERROR_CODES[Math.floor(hashUnit(plan.seed, 91) * FULL_BACKUP_ERROR_CODES.length)]!;
}

/** The code of a failed restore task, read from its ErrMessage. */
export function restoreErrorCode(errMessage: string | undefined): AnyCode {
  return /disk/i.test(errMessage ?? '') ? 'DBS.Restore.DestinationDiskInsufficient' : 'DBS.Restore.DestinationConnectFailed';
}
