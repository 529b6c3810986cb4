/**
 * Operational stops (docs/design/operational-stops.md), placed after the restore plans: a prepaid plan
 * expiring soon, one expired (its backups stopped then), one behind a gateway that went offline, one
 * whose newest full failed with a standard error code, and one using 95% of its free backup traffic.
 * Also every other plan's charge type, gateway and storage encryption, so the plan list always says them.
 */
import { trafficUsed } from './billing.js';
import { newGateway, type Gateway } from './gateways.js';
import type { FullBackupErrorCode } from './job-errors.js';
import { hashUnit, randomId } from './random.js';
import type { PlanSeed, ScenarioOptions } from './scenario.js';
import { generateFullBackups } from './schedule.js';
import { DAY, HOUR, type PlanSubscription } from './model.js';
import { GiB, hhmm, ip, MiB, running, type TemplateContext } from './demo-templates.js';
import { type PlanShape, mysqlShape as restoreMysqlShape } from './restore-templates.js';

/** Position of the first operations plan: after the eight demo and five restore plans. */
export const OPERATIONS_FIRST = 13;
export const TiB = 1024 * GiB;

export interface ScenarioGateways {
  /** Plan 15's: went OFFLINE three hours before startTime. */
  offline?: Gateway;
  /** Plan 16's: ONLINE. */
  online?: Gateway;
  /** Larger fleets' gateways, all ONLINE. */
  pool: Gateway[];
  all: Gateway[];
}

export type OperationsTemplate = (ctx: TemplateContext & { gateways: ScenarioGateways }) => PlanSeed;

/** The restore cases' MySQL on RDS, its backup storage encrypted with KMS. */
function mysqlShape(ctx: TemplateContext, name: string, database: string, fullAt: string): PlanShape {
  return { ...restoreMysqlShape(ctx, name, database, fullAt), storageEncryptMethod: 'sse_kms' };
}

/** A self-managed MySQL reached through a backup gateway (SourceEndpointInstanceType Agent). */
function behindGateway(shape: PlanShape, gateway: Gateway | undefined, host: string): PlanShape {
  if (!gateway) return shape;
  return { ...shape, sourceEndpointInstanceType: 'Agent', sourceEndpointInstanceId: host, sourceEndpointIpPort: `${gateway.intranetIp}:3306`, gatewayId: gateway.id };
}

function prepaid(createdAt: number, expiresAt: number, freeBytes: number | undefined): PlanSubscription {
  return { chargeType: 'PREPAY', boughtAt: createdAt, expiresAt, freeBytes, billingSupported: true };
}

/** Stops both generation windows at `at`. */
function stopAt(seed: PlanSeed, at: number): void {
  for (const windows of [seed.windows.full, seed.windows.incremental]) {
    for (const window of windows) window.to = Math.min(window.to, at);
  }
}

/** (13) Prepaid, expiring five days after startTime. */
const prepaidExpiring: OperationsTemplate = (ctx) => {
  const seed = running(ctx, mysqlShape(ctx, 'mysql-loyalty-prepaid-expiring', 'loyalty', hhmm(2, 30)));
  seed.plan.subscription = prepaid(ctx.createdAt, ctx.startTime + 5 * DAY, 2 * TiB);
  return seed;
};

/** (14) Prepaid, expired two days before startTime: DBS took no backup after that. */
const prepaidExpired: OperationsTemplate = (ctx) => {
  const createdAt = ctx.startTime - Math.max(ctx.historyDays, 10) * DAY;
  const seed = running({ ...ctx, createdAt }, mysqlShape(ctx, 'mysql-hr-prepaid-expired', 'hr', hhmm(3, 15)));
  const expiresAt = ctx.startTime - 2 * DAY;
  seed.plan.subscription = prepaid(createdAt, expiresAt, 2 * TiB);
  stopAt(seed, expiresAt);
  return seed;
};

/** (15) Self-managed MySQL whose gateway went OFFLINE three hours before startTime: no backup since. */
const gatewayOffline: OperationsTemplate = (ctx) => {
  const gateway = ctx.gateways.offline;
  const seed = running(ctx, behindGateway(mysqlShape(ctx, 'mysql-idc-gateway-offline', 'factory', hhmm(1, 45)), gateway, 'idc-mysql-factory-01'));
  const downAt = gateway?.history.find((h) => h.status === 'OFFLINE')?.at;
  if (downAt !== undefined) stopAt(seed, downAt);
  return seed;
};

/** (16) The newest full that finished before startTime failed (and every one after it will, until fixed); earlier ones succeeded. */
const newestFullFailed: OperationsTemplate = (ctx) => {
  const fullAt = hhmm(new Date(ctx.startTime - 6 * HOUR).getUTCHours(), 0);
  const shape = behindGateway(mysqlShape(ctx, 'mysql-wms-full-failed', 'warehouse', fullAt), ctx.gateways.online, 'idc-mysql-wms-01');
  // At least three days, so earlier fulls succeeded whatever the scenario's history.
  const createdAt = ctx.startTime - Math.max(ctx.historyDays, 3) * DAY;
  const seed = running({ ...ctx, createdAt }, shape);
  const finishedBy = ctx.startTime - 2 * shape.full.durationMs;
  const range = { from: createdAt, to: finishedBy, now: ctx.startTime, lookaheadMs: 0 };
  const newest = generateFullBackups(seed.plan, seed.windows.full, range).at(-1);
  const errorCode: FullBackupErrorCode = 'DBS.FullBackup.SourceConnectFailed';
  seed.plan.full.failures = [{ from: Number(newest?.StartTime ?? finishedBy), to: Infinity, errorCode }];
  return seed;
};

/** (17) Prepaid, its backup traffic this month at 95% of the free quota. */
const trafficNearlyUsed: OperationsTemplate = (ctx) => {
  const shape = mysqlShape(ctx, 'pg-warehouse-prepaid-traffic', 'dwh', hhmm(0, 15));
  const seed = running(ctx, { ...shape, databaseType: 'PostgreSQL', backupMethod: 'physical', sourceEndpointIpPort: ip(ctx.random, 5432), full: { ...shape.full, sizeBytes: 40 * GiB } });
  seed.plan.sourceEndpointInstanceId = `pgm-bp1${randomId(ctx.random, 13)}`;
  seed.plan.subscription = prepaid(ctx.createdAt, ctx.startTime + 200 * DAY, undefined);
  const state = { plan: seed.plan, schedule: seed.schedule, windows: seed.windows, addedFull: [], addedIncrement: seed.increments, restores: seed.restores };
  const used = trafficUsed(state, ctx.startTime);
  seed.plan.subscription.freeBytes = Math.round(Math.max(used.full + used.incremental, MiB) / 0.95);
  return seed;
};

/** In order from OPERATIONS_FIRST. */
export const OPERATIONS_TEMPLATES: readonly OperationsTemplate[] = [prepaidExpiring, prepaidExpired, gatewayOffline, newestFullFailed, trafficNearlyUsed];

/** The gateways a scenario of `count` plans has, deterministic from the seed. */
export function scenarioGateways(options: ScenarioOptions, startTime: number, count: number): ScenarioGateways {
  const seed = options.seed ?? 1;
  const region = options.region ?? 'cn-hangzhou';
  const createdAt = startTime - 30 * DAY;
  const gateways: ScenarioGateways = { pool: [], all: [] };
  if (count > OPERATIONS_FIRST + 2) {
    gateways.offline = newGateway(seed, 0, { region, createdAt });
    gateways.offline.history.push({ at: startTime - 3 * HOUR, status: 'OFFLINE' });
  }
  if (count > OPERATIONS_FIRST + 3) gateways.online = newGateway(seed, 1, { region, createdAt });
  const extra = count - (OPERATIONS_FIRST + OPERATIONS_TEMPLATES.length);
  // A few gateways per region, each in front of many plans.
  const poolSize = extra > 0 ? Math.min(6, Math.ceil(extra / 400)) : 0;
  for (let n = 0; n < poolSize; n++) gateways.pool.push(newGateway(seed, 2 + n, { region, createdAt }));
  gateways.all = [gateways.offline, gateways.online, ...gateways.pool].filter((g): g is Gateway => g !== undefined);
  return gateways;
}

/** Storage encryption of the demo and restore plans, by position; undefined: DBS does not send the field. */
const SCENARIO_ENCRYPTION: readonly (string | undefined)[] = ['sse_kms', 'sse_oss', 'none', 'sse_kms', 'sse_oss', 'sse_kms', 'sse_kms', undefined, 'sse_kms', 'sse_kms', 'sse_oss', 'sse_kms', 'sse_kms'];
/** mongo-sessions: pay-as-you-go on an engine whose billing DBS does not show. */
const BILLING_UNSUPPORTED_POSITION = 3;

/**
 * Charge type, gateway and encryption of a plan the operations templates did not make prepaid. The
 * first thirteen are cloud databases, pay-as-you-go; larger fleets draw them from the plan's seed (not the
 * scenario's stream, so the plans themselves stay the same): 4% prepaid, 3% billing not supported,
 * a quarter of the self-managed (about 10% of all) behind a gateway.
 */
export function withOperationalProfile(seed: PlanSeed, index: number, startTime: number, pool: readonly Gateway[]): PlanSeed {
  const plan = seed.plan;
  if (plan.subscription) return seed;
  plan.subscription = { chargeType: 'POSTPAY', boughtAt: plan.createdAt, billingSupported: true };
  if (index < OPERATIONS_FIRST) {
    plan.subscription.billingSupported = index !== BILLING_UNSUPPORTED_POSITION;
    plan.storageEncryptMethod = SCENARIO_ENCRYPTION[index];
  }
  // The operations plans say their own; the pay-as-you-go ones among them stay so.
  if (index < OPERATIONS_FIRST + OPERATIONS_TEMPLATES.length) return seed;
  const h = (salt: number) => hashUnit(plan.seed, salt);
  if (h(71) < 0.04) {
    const freeBytes = h(72) < 0.25 ? undefined : (FREE_BYTES_BY_CLASS[plan.instanceClass] ?? 2 * TiB);
    plan.subscription = prepaid(plan.createdAt, startTime + Math.floor((30 + h(73) * 330) * DAY), freeBytes);
  } else if (h(74) < 0.03) plan.subscription.billingSupported = false;
  const selfManaged = plan.sourceEndpointInstanceType === 'ECS' || plan.sourceEndpointInstanceType === 'Express';
  if (selfManaged && pool.length > 0 && h(75) < 0.24) plan.gatewayId = pool[Math.floor(h(76) * pool.length)]!.id;
  const e = h(77);
  plan.storageEncryptMethod = e < 0.6 ? 'sse_kms' : e < 0.85 ? 'sse_oss' : e < 0.95 ? 'none' : undefined;
  return seed;
}

/** Free monthly backup traffic of a prepaid plan by its spec: comfortably above what the templates back up. */
const FREE_BYTES_BY_CLASS: Record<string, number> = { micro: 100 * GiB, small: 500 * GiB, medium: 2 * TiB, large: 8 * TiB };
