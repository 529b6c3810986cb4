/** Label sets shared by the metric families. */
import type { PlanSnapshot } from '../collector/snapshot.js';

export const PLAN_LABELS = ['account', 'region', 'backup_plan_id'] as const;
export type PlanLabels = Record<(typeof PLAN_LABELS)[number], string>;

export function planLabels(plan: PlanSnapshot): PlanLabels {
  return { account: plan.account, region: plan.region, backup_plan_id: plan.planId };
}

/** Where snapshots and the scrape-time clock come from. */
export interface MetricsSource {
  snapshot: () => import('../collector/snapshot.js').Snapshot | undefined;
  now: () => number;
}

export const seconds = (ms: number): number => ms / 1000;
