/**
 * Every DBS action the collector polls, registered by name. Adding an action: a source file
 * here, its families in metrics/families.ts, and its handler in simulator/actions.ts.
 */
import { backupPlans } from './backup-plans.js';
import { fullBackups } from './full-backups.js';
import { incrementalBackups } from './incremental-backups.js';
import type { JobSource } from './source.js';

/** Discovery: asked once per target per cycle; its plans drive the per-plan sources. */
export const PLAN_LIST_SOURCE = backupPlans;

/** Per-plan sources, in the order each plan's poll asks them (all at once). */
export const PLAN_SOURCES: readonly JobSource[] = [fullBackups, incrementalBackups];

/** Every source by name. */
export const SOURCES = Object.fromEntries([PLAN_LIST_SOURCE, ...PLAN_SOURCES].map((source) => [source.name, source])) as Readonly<
  Record<string, typeof PLAN_LIST_SOURCE | JobSource>
>;

export { EVERY_CYCLE, type JobSource, type PollSettings, type Schedule, defineJobSource, isDue } from './source.js';
export { lookbackFor } from './watermark.js';
