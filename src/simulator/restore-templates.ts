/**
 * Plans that show restorability, placed right after the demo fleet: a point-in-time gap after a
 * log-backup outage, log backup off (points only), a failed and a successful restore, and weekly
 * restore drills (one plan's drills overdue). Their backups report nothing new to the exporter.
 */
import { hashUnit, randomId } from './random.js';
import type { RestoreTask } from './restore-tasks.js';
import type { PlanSeed } from './scenario.js';
import { generateFullBackups } from './schedule.js';
import { DAY, EVERY_DAY, HOUR, MINUTE, WEEKDAYS, type BackupPlan } from './model.js';
import { GiB, hhmm, ip, MiB, objects, running, type Template, type TemplateContext } from './demo-templates.js';

/** A plan's fields other than its identity, creation and status. */
export type PlanShape = Omit<BackupPlan, 'id' | 'region' | 'createdAt' | 'seed' | 'status'>;

/** A healthy MySQL on RDS: a daily full at `fullAt`, a log backup every 10 minutes. */
export function mysqlShape(ctx: TemplateContext, name: string, database: string, fullAt: string): PlanShape {
  return {
    name,
    backupMethod: 'logical',
    databaseType: 'MySQL',
    sourceEndpointInstanceType: 'RDS',
    sourceEndpointInstanceId: `rm-bp1${randomId(ctx.random, 13)}`,
    sourceEndpointRegion: ctx.region,
    sourceEndpointIpPort: ip(ctx.random, 3306),
    instanceClass: 'medium',
    backupObjects: objects([database]),
    retentionDays: 7,
    full: { weekdays: [...EVERY_DAY], startTime: fullAt, durationMs: 30 * MINUTE, sizeBytes: 12 * GiB, outcome: 'finish' },
    incremental: { intervalMs: 10 * MINUTE, sizeBytes: 24 * MiB, outcome: 'COMPLETED' },
    storage: { iaAfterDays: Infinity, archiveAfterDays: Infinity },
  };
}

/**
 * Log backups stopped for 6 hours before the newest full that started at least 12 hours before
 * startTime, and resumed when that full started: one range ends at the outage, the next starts
 * at that full's end.
 */
const mysqlPitrGap: Template = (ctx) => {
  const seed = running(ctx, mysqlShape(ctx, 'mysql-ledger-pitr-gap', 'ledger', hhmm(3, 0)));
  const before = ctx.startTime - 12 * HOUR;
  const range = { from: before - 2 * DAY, to: before, now: ctx.startTime, lookaheadMs: 0 };
  const resumedAt = Number(generateFullBackups(seed.plan, seed.windows.full, range).at(-1)?.StartTime ?? before);
  seed.windows.incremental = [
    { from: ctx.createdAt, to: Math.max(ctx.createdAt, resumedAt - 6 * HOUR) },
    { from: resumedAt, to: Infinity },
  ];
  return seed;
};

/** Running with EnableBackupLog off: every finished full is a restore point, nothing in between. */
const mysqlNoLog: Template = (ctx) => {
  const shape = mysqlShape(ctx, 'mysql-crm-nolog', 'crm', hhmm(4, 0));
  return running(ctx, { ...shape, incremental: undefined });
};

function task(ctx: TemplateContext, n: number, fields: Omit<RestoreTask, 'id' | 'destinationInstanceType' | 'destinationInstanceId'>): RestoreTask {
  return { id: `${ctx.id}-restore-s${n}`, destinationInstanceType: 'RDS', destinationInstanceId: `pgm-restore-${ctx.id.slice(-6)}-${n}`, ...fields };
}

/** A restore that failed 20 hours before startTime (inside DBSRestoreFailed's day), its retry that succeeded 6 hours before, and one running. */
const postgresRestores: Template = (ctx) => {
  const seed = running(ctx, {
    name: 'pg-billing-restores',
    backupMethod: 'physical',
    databaseType: 'PostgreSQL',
    sourceEndpointInstanceType: 'RDS',
    sourceEndpointInstanceId: `pgm-bp1${randomId(ctx.random, 13)}`,
    sourceEndpointRegion: ctx.region,
    sourceEndpointIpPort: ip(ctx.random, 5432),
    instanceClass: 'large',
    backupObjects: objects(['billing']),
    retentionDays: 7,
    full: { weekdays: [...EVERY_DAY], startTime: hhmm(1, 30), durationMs: 50 * MINUTE, sizeBytes: 60 * GiB, outcome: 'finish' },
    incremental: { intervalMs: 30 * MINUTE, sizeBytes: 120 * MiB, outcome: 'COMPLETED' },
    storage: { iaAfterDays: Infinity, archiveAfterDays: Infinity },
  });
  const at = (hoursBefore: number) => ctx.startTime - hoursBefore * HOUR;
  seed.restores.tasks.push(
    task(ctx, 1, {
      name: 'restore-billing-before-migration',
      createdAt: at(20),
      durationMs: 25 * MINUTE,
      outcome: 'stop',
      restoreTime: at(32),
      errMessage: 'restore failed: the destination instance has insufficient disk space (need 64 GB, 41 GB free)',
    }),
    task(ctx, 2, { name: 'restore-billing-before-migration-retry', createdAt: at(6), durationMs: 55 * MINUTE, outcome: 'finish', restoreTime: at(32) }),
    task(ctx, 3, { name: 'restore-billing-audit', createdAt: at(1 / 6), durationMs: 45 * MINUTE, outcome: 'finish', restoreTime: at(3) }),
  );
  return seed;
};

/** Weekly drills; the first plan's keep going (the last ~2 days ago), the second's stopped 9 days ago. */
function drilled(name: string, database: string, lastDrillDaysAgo: number, stoppedDaysAgo?: number): Template {
  return (ctx) => {
    // Four weeks of history so a drill history exists; backups still only cover the retention.
    const createdAt = ctx.startTime - Math.max(ctx.historyDays, 28) * DAY;
    const seed = running({ ...ctx, createdAt }, mysqlShape(ctx, name, database, hhmm(2, 0)));
    seed.restores.drills.push({
      weekday: WEEKDAYS[new Date(ctx.startTime - lastDrillDaysAgo * DAY).getUTCDay()]!,
      startTime: hhmm(10, 0),
      durationMs: 40 * MINUTE,
      restoreLagMs: HOUR,
      from: createdAt,
      to: stoppedDaysAgo === undefined ? Infinity : ctx.startTime - stoppedDaysAgo * DAY,
    });
    return seed;
  };
}

/** In order after the demo fleet. */
export const RESTORE_TEMPLATES: readonly Template[] = [
  mysqlPitrGap,
  mysqlNoLog,
  postgresRestores,
  drilled('mysql-payments-drill', 'payments', 2),
  drilled('mysql-inventory-drill-overdue', 'inventory', 10, 9),
];

/** Most generated plans have no restore task; about 4% have one or two (a few failed), from the plan's seed. */
export function occasionalRestores(seed: PlanSeed, startTime: number, historyDays: number): RestoreTask[] {
  const { plan } = seed;
  if (hashUnit(plan.seed, 51) >= 0.04) return [];
  const count = hashUnit(plan.seed, 52) < 0.5 ? 1 : 2;
  const tasks: RestoreTask[] = [];
  for (let n = 1; n <= count; n++) {
    const createdAt = startTime - HOUR - Math.floor(hashUnit(plan.seed, 53, n) * historyDays * 0.9 * DAY);
    const failed = hashUnit(plan.seed, 54, n) < 0.15;
    tasks.push({
      id: `${plan.id}-restore-g${n}`,
      name: `restore-${plan.name}-${new Date(createdAt).toISOString().slice(0, 10)}`,
      createdAt,
      durationMs: (20 + Math.floor(hashUnit(plan.seed, 55, n) * 60)) * MINUTE,
      outcome: failed ? 'stop' : 'finish',
      restoreTime: createdAt - HOUR - Math.floor(hashUnit(plan.seed, 56, n) * 12 * HOUR),
      errMessage: failed ? 'restore failed: cannot connect to the destination instance' : undefined,
      destinationInstanceType: plan.sourceEndpointInstanceType,
      destinationInstanceId: `${plan.sourceEndpointInstanceId}-restore-${n}`,
    });
  }
  return tasks;
}
