/**
 * Which discovered backup plans a target polls. Pure: the collector passes each plan from
 * DescribeBackupPlanList and keeps those for which isPlanSelected is true.
 */
import type { PlanFilterFile } from './schema.js';

/** A filter from `plans.include` / `plans.exclude`, with name_regex compiled. */
export type PlanFilter = Omit<PlanFilterFile, 'name_regex'> & { name_regex?: RegExp };

export type PlanSelection =
  /** Discover every plan with DescribeBackupPlanList, keep those matching include and not exclude. */
  | { mode: 'discover'; include?: PlanFilter; exclude?: PlanFilter }
  /** Poll exactly these BackupPlanIds. */
  | { mode: 'ids'; ids: string[] };

/** The fields of a DBS backup plan that filters look at. */
export interface PlanIdentity {
  id: string;
  name?: string | undefined;
  status?: string | undefined;
  instanceType?: string | undefined;
}

export function compilePlanFilter(filter: PlanFilterFile): PlanFilter {
  const { name_regex, ...rest } = filter;
  return name_regex === undefined ? rest : { ...rest, name_regex: new RegExp(name_regex) };
}

/** True when the plan meets every criterion the filter sets; a missing plan field meets none. */
export function matchesPlanFilter(filter: PlanFilter, plan: PlanIdentity): boolean {
  if (filter.ids !== undefined && !filter.ids.includes(plan.id)) return false;
  if (filter.name_regex !== undefined && (plan.name === undefined || !filter.name_regex.test(plan.name))) return false;
  if (filter.statuses !== undefined && !(filter.statuses as readonly string[]).includes(plan.status ?? '')) return false;
  if (filter.instance_types !== undefined) {
    const type = plan.instanceType?.toLowerCase();
    if (type === undefined || !filter.instance_types.some((wanted) => wanted.toLowerCase() === type)) return false;
  }
  return true;
}

export function isPlanSelected(selection: PlanSelection, plan: PlanIdentity): boolean {
  if (selection.mode === 'ids') return selection.ids.includes(plan.id);
  if (selection.include !== undefined && !matchesPlanFilter(selection.include, plan)) return false;
  if (selection.exclude !== undefined && matchesPlanFilter(selection.exclude, plan)) return false;
  return true;
}
