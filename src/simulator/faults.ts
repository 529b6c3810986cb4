/**
 * Fault injection. Rules are checked in the order they were set; latency rules add up,
 * and the first other rule that fires decides the request's fate. A rule with `times`
 * removes itself after firing that often; `probability` fires it on a fraction of requests.
 */
import { z } from 'zod';
import { DBS_ACTIONS, type DbsAction } from '../dbs/schemas.js';
import { apiErrors, type ApiError } from './errors.js';
import { mulberry32 } from './random.js';

interface RuleScope {
  /** Only this action; all actions when unset. */
  action?: DbsAction;
  /** Fire this many times, then remove the rule. */
  times?: number;
  /** Fire on this fraction (0..1) of the requests the rule applies to. */
  probability?: number;
}

/** A fault the admin API can set (everything except the fuzz function). */
export type SerializableFaultRule = RuleScope &
  (
    | { kind: 'throttle'; /** Throttle once more than this many requests arrived in the last second; always when unset. */ qps?: number }
    | { kind: 'forbidden' }
    | { kind: 'http'; status: 500 | 503 }
    | { kind: 'latency'; /** Fixed delay, or uniform in [min, max]. */ ms: number | [number, number] }
    | { kind: 'malformed'; /** Body to send; default: truncated JSON. */ body?: string }
    | { kind: 'reset' }
    | { kind: 'successFalse'; errCode?: string; errMessage?: string; httpStatusCode?: number }
    | { kind: 'repeatPage'; /** TotalElements to claim; default 1,000,000. */ totalElements?: number }
  );

export type FaultRule =
  | SerializableFaultRule
  | (RuleScope & { kind: 'fuzz'; /** Receives the response body; returns the body to send. */ mutate: (body: Record<string, unknown>) => unknown });

export type FaultKind = FaultRule['kind'];

/** What the server must do to one request. */
export interface FaultDecision {
  latencyMs: number;
  /** Answer with this gateway error. */
  reject?: ApiError;
  successFalse?: { errCode: string; errMessage: string; httpStatusCode: number };
  repeatPage?: { totalElements: number };
  mutate?: (body: Record<string, unknown>) => unknown;
  malformed?: string;
  reset?: boolean;
}

interface ActiveRule {
  id: string;
  rule: FaultRule;
  remaining: number;
  /** Arrival times in the last second (throttle rules). */
  arrivals: number[];
}

/** Answered in one piece: a repeatPage rule has no page to repeat there, so it never fires on them. */
export const UNPAGED_ACTIONS: ReadonlySet<string> = new Set<DbsAction>(['DescribeRestoreRangeInfo', 'DescribeBackupPlanBilling', 'DescribeJobErrorCode']);

function repeatsUnpagedAction(rule: { kind: string; action?: string }): boolean {
  return rule.kind === 'repeatPage' && rule.action !== undefined && UNPAGED_ACTIONS.has(rule.action);
}

const scope = {
  action: z.enum(DBS_ACTIONS).optional(),
  times: z.number().int().positive().optional(),
  probability: z.number().min(0).max(1).optional(),
};

/** Validates a rule received as JSON (admin API). */
export const serializableFaultRuleSchema: z.ZodType<SerializableFaultRule> = z.discriminatedUnion('kind', [
  z.object({ ...scope, kind: z.literal('throttle'), qps: z.number().nonnegative().optional() }),
  z.object({ ...scope, kind: z.literal('forbidden') }),
  z.object({ ...scope, kind: z.literal('http'), status: z.union([z.literal(500), z.literal(503)]) }),
  z.object({ ...scope, kind: z.literal('latency'), ms: z.union([z.number().nonnegative(), z.tuple([z.number().nonnegative(), z.number().nonnegative()])]) }),
  z.object({ ...scope, kind: z.literal('malformed'), body: z.string().optional() }),
  z.object({ ...scope, kind: z.literal('reset') }),
  z.object({
    ...scope,
    kind: z.literal('successFalse'),
    errCode: z.string().optional(),
    errMessage: z.string().optional(),
    httpStatusCode: z.number().int().optional(),
  }),
  z.object({ ...scope, kind: z.literal('repeatPage'), totalElements: z.number().int().nonnegative().optional() }),
]).refine((rule) => !repeatsUnpagedAction(rule), { message: `repeatPage cannot target an action that is not paged (${[...UNPAGED_ACTIONS].join(', ')})` });

export class FaultInjector {
  private rules: ActiveRule[] = [];
  private nextId = 1;
  private readonly random: () => number;

  constructor(seed = 1) {
    this.random = mulberry32((seed ^ 0xfa017) >>> 0);
  }

  /** Adds a rule; returns its id for remove(). */
  set(rule: FaultRule): string {
    if (repeatsUnpagedAction(rule)) throw new Error(`repeatPage cannot target ${rule.action}: it is not paged`);
    const id = `fault-${this.nextId++}`;
    this.rules.push({ id, rule: { ...rule }, remaining: rule.times ?? Infinity, arrivals: [] });
    return id;
  }

  remove(id: string): boolean {
    const before = this.rules.length;
    this.rules = this.rules.filter((r) => r.id !== id);
    return this.rules.length !== before;
  }

  clear(): void {
    this.rules = [];
  }

  /** Active rules with their ids and remaining firings. */
  list(): Array<{ id: string; rule: FaultRule; remaining: number }> {
    return this.rules.map(({ id, rule, remaining }) => ({ id, rule, remaining }));
  }

  /** Decides the faults for one request to `action`, arriving at real time `now`. */
  decide(action: string, now: number): FaultDecision {
    const decision: FaultDecision = { latencyMs: 0 };
    for (const active of [...this.rules]) {
      const { rule } = active;
      if (rule.action !== undefined && rule.action !== action) continue;
      if (rule.kind === 'repeatPage' && UNPAGED_ACTIONS.has(action)) continue;
      if (rule.kind === 'throttle' && rule.qps !== undefined) {
        active.arrivals.push(now);
        while (active.arrivals.length > 0 && (active.arrivals[0] as number) <= now - 1000) active.arrivals.shift();
        if (active.arrivals.length <= rule.qps) continue;
      }
      if (rule.probability !== undefined && this.random() >= rule.probability) continue;
      this.consume(active);
      if (rule.kind === 'latency') {
        decision.latencyMs += this.latencyOf(rule.ms);
        continue;
      }
      this.apply(rule, decision);
      break;
    }
    return decision;
  }

  private consume(active: ActiveRule): void {
    active.remaining -= 1;
    if (active.remaining <= 0) this.rules = this.rules.filter((r) => r !== active);
  }

  private latencyOf(ms: number | [number, number]): number {
    if (typeof ms === 'number') return ms;
    const [min, max] = ms;
    return Math.round(min + this.random() * Math.max(0, max - min));
  }

  private apply(rule: Exclude<FaultRule, { kind: 'latency' }>, decision: FaultDecision): void {
    switch (rule.kind) {
      case 'throttle':
        decision.reject = apiErrors.throttled();
        return;
      case 'forbidden':
        decision.reject = apiErrors.forbidden();
        return;
      case 'http':
        decision.reject = rule.status === 503 ? apiErrors.unavailable() : apiErrors.internal();
        return;
      case 'successFalse':
        decision.successFalse = {
          errCode: rule.errCode ?? 'InternalError',
          errMessage: rule.errMessage ?? 'The request processing has failed due to some unknown error.',
          httpStatusCode: rule.httpStatusCode ?? 500,
        };
        return;
      case 'repeatPage':
        decision.repeatPage = { totalElements: rule.totalElements ?? 1_000_000 };
        return;
      case 'fuzz':
        decision.mutate = rule.mutate;
        return;
      case 'malformed':
        decision.malformed = rule.body ?? '{"RequestId":"00000000-0000-0000-0000-000000000000","Items":{"FullBackupFile":[{"BackupSetId":';
        return;
      case 'reset':
        decision.reset = true;
        return;
    }
  }
}
