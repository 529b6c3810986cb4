/**
 * What a source is: one polled DBS action in one file — its request, response schema,
 * schedule, watermark and pure state transition. Registered by name in index.ts.
 */
import type { z } from 'zod';
import type { ActionParams, DbsApi } from '../../dbs/api.js';
import { type Item, type PagedAction, listAll } from '../../dbs/pagination.js';
import type { DbsAction } from '../../dbs/schemas.js';
import type { BackupTypeState } from '../backup-type-state.js';
import type { ObservedJob } from '../observe.js';
import type { PlanInfo } from '../plan-info.js';
import type { BackupType } from '../status.js';
import type { MergeContext } from '../transitions.js';

export interface PollSettings {
  /** History asked for on the first poll of a plan. */
  lookbackMs: number;
  /** Re-read margin before the watermark. */
  overlapMs: number;
  maxPages?: number;
}

/**
 * How often a source runs for each plan: every collection cycle, or at most once per
 * intervalMs (an interval shorter than the collection interval means every cycle).
 */
export type Schedule = { every: 'cycle' } | { intervalMs: number };

export const EVERY_CYCLE: Schedule = { every: 'cycle' };

/** Whether a source with this schedule, last run successfully at lastRunMs, runs at nowMs. */
export function isDue(schedule: Schedule, lastRunMs: number | undefined, nowMs: number): boolean {
  if ('every' in schedule || lastRunMs === undefined) return true;
  return lastRunMs + schedule.intervalMs <= nowMs;
}

/** A listing request without its paging fields (listAll adds those). */
export type ListRequest<A extends PagedAction> = Omit<ActionParams<A>, 'PageNum' | 'PageSize'>;

/** A per-plan listing of backup jobs, kept as one backup type of the plan's state. */
export interface JobSourceDefinition<A extends PagedAction> {
  name: string;
  action: A;
  responseSchema: z.ZodType;
  schedule: Schedule;
  backupType: BackupType;
  request(planId: string, startMs: number): ListRequest<A>;
  observe(item: Item<A>): ObservedJob;
  /** History the first poll asks for, and the tracked window after it. */
  lookbackMs(info: PlanInfo, settings: PollSettings): number;
  /** The watermark: where this poll asks from, given the previous state. */
  fetchStartMs(previous: BackupTypeState | undefined, ctx: { nowMs: number; lookbackMs: number; overlapMs: number }): number;
  /** The pure transition: previous state + this poll's jobs → next state. */
  transition(previous: BackupTypeState | undefined, jobs: readonly ObservedJob[], ctx: MergeContext): BackupTypeState;
}

/** A job source with its action's types closed over, so sources of different actions share one list. */
export interface JobSource extends Omit<JobSourceDefinition<PagedAction>, 'request' | 'observe'> {
  kind: 'jobs';
  /** Every page of the listing since startMs, as jobs (throws a DbsApiError). */
  list(api: DbsApi, planId: string, startMs: number, maxPages?: number): Promise<ObservedJob[]>;
}

export function defineJobSource<A extends PagedAction>(definition: JobSourceDefinition<A>): JobSource {
  const { request, observe, ...rest } = definition;
  return {
    ...rest,
    kind: 'jobs',
    async list(api, planId, startMs, maxPages) {
      const options = maxPages !== undefined ? { maxPages } : {};
      return (await listAll(api, definition.action, request(planId, startMs), { ...options, map: observe })).items;
    },
  };
}

/** What a per-plan source sees when it runs for one plan. */
export interface PlanPollContext {
  api: DbsApi;
  info: PlanInfo;
  nowMs: number;
  settings: PollSettings;
  /** The collection cycle this poll belongs to (for budgets shared by every plan in a cycle). */
  cycle: number;
  /** The jobs this poll's listings returned, by backup type (only for sources that need them). */
  listed?: Partial<Record<BackupType, readonly ObservedJob[]>>;
}

/** Something a source saw that the collector logs once per process (an unknown status, say). */
export interface SourceNotice {
  key: string;
  message: string;
  fields: Readonly<Record<string, string>>;
}

/**
 * A per-plan source that keeps a state of its own (anything that is not a backup-job listing).
 * `poll` asks DBS and returns the next state through a pure transition; `view` turns a state into
 * the plain value the snapshot carries, and is called again only when the state object changes.
 */
export interface StateSource<Name extends string = string, State = unknown, View = unknown> {
  kind: 'state';
  name: Name;
  action: DbsAction;
  schedule: Schedule;
  /** Runs after this poll's job listings, and sees what they returned (PlanPollContext.listed). */
  needsListedJobs?: boolean;
  poll(ctx: PlanPollContext, previous: State | undefined): Promise<{ state: State; notices?: readonly SourceNotice[] }>;
  view(state: State): View;
}

/** Either kind of per-plan source, as pollPlan runs them. */
export type PlanSource = JobSource | StateSource<string, unknown, unknown>;

export function defineStateSource<Name extends string, State, View>(source: Omit<StateSource<Name, State, View>, 'kind'>): StateSource<Name, State, View> {
  return { kind: 'state', ...source };
}
