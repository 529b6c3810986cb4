/**
 * The demo fleet's plan templates, one of each interesting backup case; larger fleets repeat
 * the healthy ones with a few paused, failing and stuck plans mixed in (see scenario.ts).
 */
import { randomId } from './random.js';
import type { PlanSeed } from './scenario.js';
import { generatedIncrementId } from './schedule.js';
import { DAY, EVERY_DAY, HOUR, MINUTE, WEEKDAYS, type BackupPlan } from './model.js';

/** The first plans of every fleet; their ids, names and behaviour are what the demo and tests rely on. */
export const DEMO_PLAN_COUNT = 8;

export interface TemplateContext {
  random: () => number;
  id: string;
  index: number;
  region: string;
  startTime: number;
  createdAt: number;
  historyDays: number;
}

export const GiB = 1024 ** 3;
export const MiB = 1024 ** 2;

export function hhmm(hours: number, minutes: number): string {
  return `${String(hours).padStart(2, '0')}:${String(minutes).padStart(2, '0')}`;
}

export function ip(random: () => number, port: number): string {
  return `10.${Math.floor(random() * 250) + 1}.${Math.floor(random() * 250)}.${Math.floor(random() * 250) + 1}:${port}`;
}

export function objects(databases: string[]): string {
  return JSON.stringify(databases.map((DBName) => ({ DBName, SchemaName: '', TableIncludes: [], TableExcludes: [] })));
}

function suffix(ctx: TemplateContext): string {
  return ctx.index < DEMO_PLAN_COUNT ? '' : `-${String(ctx.index).padStart(4, '0')}`;
}

/** A healthy, running plan with both schedules generating from createdAt. */
export function running(ctx: TemplateContext, plan: Omit<BackupPlan, 'id' | 'region' | 'createdAt' | 'seed' | 'status'>): PlanSeed {
  const full: BackupPlan = {
    ...plan,
    id: ctx.id,
    status: 'running',
    region: ctx.region,
    createdAt: ctx.createdAt,
    seed: Math.floor(ctx.random() * 2 ** 31),
  };
  const open = [{ from: ctx.createdAt, to: Infinity }];
  return {
    plan: full,
    schedule: { full: true, incremental: plan.incremental !== undefined },
    windows: { full: open, incremental: plan.incremental ? [{ ...open[0]! }] : [] },
    increments: [],
    restores: { tasks: [], drills: [] },
  };
}

export type Template = (ctx: TemplateContext) => PlanSeed;

const mysqlHealthy: Template = (ctx) =>
  running(ctx, {
    name: `mysql-orders-prod${suffix(ctx)}`,
    backupMethod: 'logical',
    databaseType: 'MySQL',
    sourceEndpointInstanceType: 'RDS',
    sourceEndpointInstanceId: `rm-bp1${randomId(ctx.random, 13)}`,
    sourceEndpointRegion: ctx.region,
    sourceEndpointIpPort: ip(ctx.random, 3306),
    instanceClass: 'medium',
    backupObjects: objects(['orders', 'customers']),
    retentionDays: 7,
    full: { weekdays: [...EVERY_DAY], startTime: hhmm(2, Math.floor(ctx.random() * 4) * 15), durationMs: 40 * MINUTE, sizeBytes: 20 * GiB, outcome: 'finish' },
    incremental: { intervalMs: 5 * MINUTE, sizeBytes: 48 * MiB, outcome: 'COMPLETED' },
    storage: { iaAfterDays: 1, archiveAfterDays: 2 },
  });

const postgresWeekly: Template = (ctx) =>
  running(ctx, {
    name: `pg-analytics${suffix(ctx)}`,
    backupMethod: 'physical',
    databaseType: 'PostgreSQL',
    sourceEndpointInstanceType: 'ECS',
    sourceEndpointInstanceId: `i-bp1${randomId(ctx.random, 17)}`,
    sourceEndpointRegion: ctx.region,
    sourceEndpointIpPort: ip(ctx.random, 5432),
    instanceClass: 'large',
    backupObjects: objects(['analytics']),
    retentionDays: 30,
    // The weekly full falls on the day before startTime, so a fresh demo fleet already has one.
    full: {
      weekdays: [WEEKDAYS[new Date(ctx.startTime - DAY).getUTCDay()]!],
      startTime: hhmm(1, 30),
      durationMs: 2 * HOUR,
      sizeBytes: 120 * GiB,
      outcome: 'finish',
    },
    incremental: { intervalMs: HOUR, sizeBytes: 300 * MiB, outcome: 'COMPLETED' },
    storage: { iaAfterDays: 2, archiveAfterDays: Infinity },
  });

const sqlServer: Template = (ctx) =>
  running(ctx, {
    name: `sqlserver-erp${suffix(ctx)}`,
    backupMethod: 'physical',
    databaseType: 'SQLServer',
    sourceEndpointInstanceType: 'RDS',
    sourceEndpointInstanceId: `rm-bp1${randomId(ctx.random, 13)}`,
    sourceEndpointRegion: ctx.region,
    sourceEndpointIpPort: ip(ctx.random, 1433),
    instanceClass: 'small',
    backupObjects: objects(['erp']),
    retentionDays: 14,
    full: { weekdays: [...EVERY_DAY], startTime: hhmm(3, 30), durationMs: 25 * MINUTE, sizeBytes: 8 * GiB, outcome: 'finish' },
    incremental: { intervalMs: 30 * MINUTE, sizeBytes: 20 * MiB, outcome: 'COMPLETED' },
    storage: { iaAfterDays: Infinity, archiveAfterDays: Infinity },
  });

const mongo: Template = (ctx) =>
  running(ctx, {
    name: `mongo-sessions${suffix(ctx)}`,
    backupMethod: 'logical',
    databaseType: 'MongoDB',
    sourceEndpointInstanceType: 'ECS',
    sourceEndpointInstanceId: `i-bp1${randomId(ctx.random, 17)}`,
    sourceEndpointRegion: ctx.region,
    sourceEndpointIpPort: ip(ctx.random, 27017),
    instanceClass: 'small',
    backupObjects: objects(['sessions']),
    retentionDays: 7,
    full: { weekdays: [...EVERY_DAY], startTime: hhmm(1, 0), durationMs: 15 * MINUTE, sizeBytes: 4 * GiB, outcome: 'finish' },
    incremental: { intervalMs: 10 * MINUTE, sizeBytes: 5 * MiB, outcome: 'COMPLETED' },
    storage: { iaAfterDays: Infinity, archiveAfterDays: Infinity },
  });

/** Paused some time before startTime: its schedule stopped then, its old sets remain. */
export const mysqlPaused: Template = (ctx) => {
  const seed = running(ctx, {
    name: `mysql-legacy-paused${suffix(ctx)}`,
    backupMethod: 'logical',
    databaseType: 'MySQL',
    sourceEndpointInstanceType: 'Express',
    sourceEndpointInstanceId: `dbs-express-${randomId(ctx.random, 8)}`,
    sourceEndpointRegion: ctx.region,
    sourceEndpointIpPort: ip(ctx.random, 3306),
    instanceClass: 'micro',
    backupObjects: objects(['legacy']),
    retentionDays: 7,
    full: { weekdays: [...EVERY_DAY], startTime: hhmm(4, 0), durationMs: 20 * MINUTE, sizeBytes: 2 * GiB, outcome: 'finish' },
    incremental: { intervalMs: 15 * MINUTE, sizeBytes: 4 * MiB, outcome: 'COMPLETED' },
    storage: { iaAfterDays: Infinity, archiveAfterDays: Infinity },
  });
  const pausedAt = ctx.startTime - Math.min(26 * HOUR, (ctx.historyDays * DAY) / 2);
  seed.plan.status = 'pause';
  seed.windows.full[0]!.to = pausedAt;
  seed.windows.incremental[0]!.to = pausedAt;
  return seed;
};

/** Every full fails and every log backup ends UNCOMPLETED. */
export const mysqlFailing: Template = (ctx) => {
  const seed = running(ctx, {
    name: `mysql-billing-failing${suffix(ctx)}`,
    backupMethod: 'logical',
    databaseType: 'MySQL',
    sourceEndpointInstanceType: 'ECS',
    sourceEndpointInstanceId: `i-bp1${randomId(ctx.random, 17)}`,
    sourceEndpointRegion: ctx.region,
    sourceEndpointIpPort: ip(ctx.random, 3306),
    instanceClass: 'small',
    backupObjects: objects(['billing']),
    retentionDays: 7,
    full: {
      weekdays: [...EVERY_DAY],
      startTime: hhmm(5, 0),
      durationMs: 10 * MINUTE,
      sizeBytes: 6 * GiB,
      outcome: 'failed',
      errMessage: "ERROR 1045 (28000): Access denied for user 'dbs_backup'@'10.%' (using password: YES)",
    },
    incremental: { intervalMs: 10 * MINUTE, sizeBytes: 3 * MiB, outcome: 'UNCOMPLETED' },
    storage: { iaAfterDays: Infinity, archiveAfterDays: Infinity },
  });
  seed.plan.errMessage = 'connect to source database failed';
  return seed;
};

/**
 * A log backup that started hours before startTime and never finished: FILLING forever
 * with a constant size, and no later log backups. Fulls carry on.
 */
export const polardbStuck: Template = (ctx) => {
  const seed = running(ctx, {
    name: `polardb-catalog-stuck${suffix(ctx)}`,
    backupMethod: 'physical',
    databaseType: 'MySQL',
    sourceEndpointInstanceType: 'PolarDB',
    sourceEndpointInstanceId: `pc-bp1${randomId(ctx.random, 13)}`,
    sourceEndpointRegion: ctx.region,
    sourceEndpointIpPort: ip(ctx.random, 3306),
    instanceClass: 'large',
    backupObjects: objects(['catalog']),
    retentionDays: 7,
    full: { weekdays: [...EVERY_DAY], startTime: hhmm(0, 30), durationMs: 30 * MINUTE, sizeBytes: 15 * GiB, outcome: 'finish' },
    incremental: { intervalMs: 10 * MINUTE, sizeBytes: 12 * MiB, outcome: 'COMPLETED' },
    storage: { iaAfterDays: Infinity, archiveAfterDays: Infinity },
  });
  const interval = 10 * MINUTE;
  const stuckSlot = Math.floor((ctx.startTime - Math.min(5 * HOUR, (ctx.historyDays * DAY) / 2)) / interval);
  const stuckStart = stuckSlot * interval;
  seed.schedule.incremental = false;
  seed.windows.incremental[0]!.to = stuckStart;
  seed.increments.push({
    BackupSetId: generatedIncrementId(ctx.id, stuckSlot),
    BackupSetJobId: `${ctx.id}-job-${stuckSlot}`,
    BackupStatus: 'FILLING',
    StartTime: stuckStart,
    BackupSize: 37 * MiB,
    StorageMethod: 'Standard',
    SourceEndpointIpPort: seed.plan.sourceEndpointIpPort,
  });
  return seed;
};

/** Cross-region duplication of an RDS instance: fulls only, short retention. */
const mysqlDuplication: Template = (ctx) =>
  running(ctx, {
    name: `mysql-reports-duplication${suffix(ctx)}`,
    backupMethod: 'duplication',
    databaseType: 'MySQL',
    sourceEndpointInstanceType: 'RDS',
    sourceEndpointInstanceId: `rm-uf6${randomId(ctx.random, 13)}`,
    sourceEndpointRegion: 'cn-shanghai',
    sourceEndpointIpPort: ip(ctx.random, 3306),
    instanceClass: 'medium',
    backupObjects: objects(['reports']),
    retentionDays: 3,
    full: { weekdays: [...EVERY_DAY], startTime: hhmm(6, 0), durationMs: 35 * MINUTE, sizeBytes: 10 * GiB, outcome: 'finish' },
    storage: { iaAfterDays: Infinity, archiveAfterDays: Infinity },
  });

/** The demo fleet, in order. */
export const DEMO_TEMPLATES: readonly Template[] = [mysqlHealthy, postgresWeekly, sqlServer, mongo, mysqlPaused, mysqlFailing, polardbStuck, mysqlDuplication];
export const HEALTHY_TEMPLATES: readonly Template[] = [mysqlHealthy, postgresWeekly, sqlServer, mongo, mysqlDuplication];
