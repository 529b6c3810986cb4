/**
 * DescribeBackupPlanBilling for one plan: what is stored now (from the listed sets) and the backup
 * traffic of the current monthly quota period (every set that started in it, kept or since expired).
 */
import type { WireBackupPlanBilling, WireFullBackupFile, WireIncrementBackupFile } from '../dbs/schemas.js';
import { collectSets } from './backup-sets.js';
import type { PlanState } from './plan-state.js';
import { generateFullBackups, generatedIncrementBytes, generateIncrementBackups, type GenerationRange } from './schedule.js';
import type { BackupKind, PlanSubscription } from './model.js';

type AnySet = WireFullBackupFile | WireIncrementBackupFile;

/** The quota period containing `now`: the UTC calendar month. */
export function quotaPeriod(now: number): { start: number; end: number } {
  const date = new Date(now);
  return { start: Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1), end: Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1) };
}

export function subscriptionOf(state: PlanState): PlanSubscription {
  return state.plan.subscription ?? { chargeType: 'POSTPAY', boughtAt: state.plan.createdAt, billingSupported: true };
}

function sizeOf(sets: readonly AnySet[]): number {
  return sets.reduce((sum, set) => sum + Number(set.BackupSize ?? 0), 0);
}

/** Sets of one kind that started in [from, to] as seen at `now`, expired ones included (traffic was spent on them). */
function setsStartedIn(state: PlanState, kind: BackupKind, from: number, to: number, now: number): AnySet[] {
  const range: GenerationRange = { from: Math.max(from, state.plan.createdAt), to, now, lookaheadMs: 0 };
  const generated = range.from > range.to ? [] : kind === 'full' ? generateFullBackups(state.plan, state.windows.full, range) : generateIncrementBackups(state.plan, state.windows.incremental, range);
  const sets: AnySet[] = [];
  for (const set of generated) {
    if (state.removed?.has(set.BackupSetId)) continue;
    const patch = state.patches?.get(set.BackupSetId);
    sets.push(patch ? { ...set, ...patch } : set);
  }
  const added = kind === 'full' ? state.addedFull : state.addedIncrement;
  for (const set of added) {
    const start = Number(set.StartTime ?? 0);
    if (start >= from && start <= to) sets.push(set);
  }
  return sets;
}

/** Untouched generated logs are summed without building them: a month of 5-minute logs is 8,928 sets. */
function incrementTraffic(state: PlanState, from: number, now: number): number {
  if (state.patches?.size || state.removed?.size) return sizeOf(setsStartedIn(state, 'incremental', from, now, now));
  const range: GenerationRange = { from: Math.max(from, state.plan.createdAt), to: now, now, lookaheadMs: 0 };
  const added = state.addedIncrement.filter((s) => Number(s.StartTime ?? 0) >= from && Number(s.StartTime ?? 0) <= now);
  return generatedIncrementBytes(state.plan, state.windows.incremental, range) + sizeOf(added);
}

/** Backup traffic of the quota period containing `now`, by kind. */
export function trafficUsed(state: PlanState, now: number): { full: number; incremental: number } {
  const { start } = quotaPeriod(now);
  return { full: sizeOf(setsStartedIn(state, 'full', start, now, now)), incremental: incrementTraffic(state, start, now) };
}

/** The Item of DescribeBackupPlanBilling; the caller has checked the plan supports it. */
export function billingItem(state: PlanState, now: number, lookaheadMs: number): WireBackupPlanBilling {
  const subscription = subscriptionOf(state);
  const prepaid = subscription.chargeType === 'PREPAY';
  const { start, end } = quotaPeriod(now);
  const used = trafficUsed(state, now);
  const total = used.full + used.incremental;
  const unlimited = prepaid && subscription.freeBytes === undefined;
  // Pay-as-you-go has no free quota: all of its traffic is paid for.
  const free = prepaid ? (subscription.freeBytes ?? Infinity) : 0;
  const item: WireBackupPlanBilling = {
    BuyChargeType: subscription.chargeType,
    BuyCreateTimestamp: subscription.boughtAt,
    BuySpec: state.plan.instanceClass,
    FullStorageSize: sizeOf(collectSets(state, 'full', {}, now, lookaheadMs)),
    ContStorageSize: sizeOf(collectSets(state, 'incremental', {}, now, lookaheadMs)),
    IsFreeBytesUnlimited: unlimited,
    UsedFullBytes: used.full,
    UsedIncrementBytes: used.incremental,
    PaiedBytes: Math.max(0, total - free),
    QuotaStartTimestamp: start,
    QuotaEndTimestamp: end,
  };
  if (prepaid && subscription.expiresAt !== undefined) {
    item.BuyExpiredTimestamp = subscription.expiresAt;
    item.IsExpired = now >= subscription.expiresAt;
  }
  if (prepaid && !unlimited) item.TotalFreeBytes = subscription.freeBytes;
  return item;
}
