/** How far back the job sources ask: pure, shared by the full and incremental sources. */
import type { BackupType } from '../status.js';
import type { PollSettings } from './source.js';

const DAY = 86_400_000;

/**
 * Full backups can be a week apart; a short lookback would find none and report a
 * healthy weekly plan as never backed up. So fulls look back at least two intervals.
 */
export function lookbackFor(backupType: BackupType, fullIntervalSeconds: number | undefined, settings: PollSettings): number {
  if (backupType === 'incremental') return settings.lookbackMs;
  const interval = fullIntervalSeconds !== undefined ? fullIntervalSeconds * 1000 : 7 * DAY;
  return Math.max(settings.lookbackMs, 2 * interval + DAY);
}
