/**
 * The exporter's vocabulary shared by every source: backup types, job states, storage classes and
 * the full-backup interval implied by a plan's BackupPeriod. Each action's own status spellings
 * live in its source file (sources/).
 */
export const BACKUP_TYPES = ['full', 'incremental'] as const;
export type BackupType = (typeof BACKUP_TYPES)[number];

export const JOB_STATES = ['pending', 'running', 'succeeded', 'failed', 'unknown'] as const;
export type JobState = (typeof JOB_STATES)[number];

export function isTerminal(state: JobState): boolean {
  return state === 'succeeded' || state === 'failed';
}

export const STORAGE_CLASSES = ['standard', 'ia', 'archive', 'unknown'] as const;
export type StorageClass = (typeof STORAGE_CLASSES)[number];

export function normaliseStorageClass(raw: string | undefined): StorageClass {
  switch ((raw ?? '').toLowerCase()) {
    case 'standard':
      return 'standard';
    case 'ia':
      return 'ia';
    case 'archive':
      return 'archive';
    default:
      return 'unknown';
  }
}

const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];

/**
 * The longest gap between two scheduled full backups, in seconds, from a BackupPeriod
 * such as "Monday,Thursday" (gaps of 3 and 4 days → 4 days). Undefined when the period
 * names no weekday we know.
 */
export function fullBackupIntervalSeconds(backupPeriod: string | undefined): number | undefined {
  if (!backupPeriod) return undefined;
  const days = [
    ...new Set(
      backupPeriod
        .split(/[,\s]+/)
        .map((d) => WEEKDAYS.indexOf(d.trim().toLowerCase()))
        .filter((d) => d >= 0),
    ),
  ].sort((a, b) => a - b);
  if (days.length === 0) return undefined;
  let longest = 0;
  for (let i = 0; i < days.length; i++) {
    const current = days[i]!;
    const next = i + 1 < days.length ? days[i + 1]! : days[0]! + 7;
    longest = Math.max(longest, next - current);
  }
  return longest * 86_400;
}
