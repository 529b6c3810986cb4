/**
 * Restore tasks of a plan. Like backup jobs, a task's status is derived from the clock: created
 * at T with a duration D, it is `running` (progress growing) until T+D, then takes its outcome.
 * Weekly drills are generated lazily from a schedule, so advancing the clock a week adds one.
 */
import { z } from 'zod';
import { RESTORE_STATUSES_SEEN, type WireRestoreTaskDetail } from '../dbs/schemas.js';
import { hashUnit } from './random.js';
import { timeOfDayMs } from './schedule.js';
import { DAY, HOUR, MINUTE, WEEKDAYS, type Weekday } from './model.js';

export type RestoreOutcome = (typeof RESTORE_STATUSES_SEEN)[number];

export interface RestoreTask {
  id: string;
  name: string;
  createdAt: number;
  durationMs: number;
  /** Status once durationMs has passed; `finish` and `stop` end the task, `running` never does. */
  outcome: RestoreOutcome;
  /** The point in time restored to. */
  restoreTime: number;
  errMessage?: string;
  /** Full backup set restored from; default: the plan's newest finished full before restoreTime. */
  backupSetId?: string;
  destinationInstanceType: string;
  destinationInstanceId: string;
}

/** Weekly restore drills on one weekday, created in [from, to). */
export interface RestoreDrillSchedule {
  weekday: Weekday;
  /** "HH:mm" UTC; each drill starts up to 5 minutes later. */
  startTime: string;
  /** Typical duration; each drill varies by ±10%. */
  durationMs: number;
  /** A drill restores to this long before it starts. */
  restoreLagMs: number;
  from: number;
  to: number;
}

/** A plan's restore history: explicit tasks plus drill schedules. */
export interface PlanRestores {
  tasks: RestoreTask[];
  drills: RestoreDrillSchedule[];
}

/** What a test (or the admin API) may set on a new task; the rest has defaults. */
export interface RestoreTaskInput {
  id?: string;
  name?: string;
  createdAt?: number;
  durationMs?: number;
  outcome?: RestoreOutcome;
  restoreTime?: number;
  errMessage?: string;
  backupSetId?: string;
  destinationInstanceType?: string;
  destinationInstanceId?: string;
}

/** Validates a task received as JSON (admin API); unknown fields are errors. */
export const restoreTaskInputSchema: z.ZodType<RestoreTaskInput> = z.strictObject({
  id: z.string().min(1).optional(),
  name: z.string().min(1).optional(),
  createdAt: z.number().int().nonnegative().optional(),
  durationMs: z.number().int().nonnegative().optional(),
  outcome: z.enum(RESTORE_STATUSES_SEEN).optional(),
  restoreTime: z.number().int().nonnegative().optional(),
  errMessage: z.string().optional(),
  backupSetId: z.string().min(1).optional(),
  destinationInstanceType: z.string().min(1).optional(),
  destinationInstanceId: z.string().min(1).optional(),
});

export interface RestoreTaskFilter {
  /** Inclusive bounds on RestoreTaskCreateTime. */
  startTimestamp?: number;
  endTimestamp?: number;
}

/** How far through its work a task gets by its end: a failed or held one stops short, one that never ends stalls at 99%. */
function workDone(outcome: RestoreOutcome): number {
  return outcome === 'finish' ? 1 : outcome === 'running' ? 0.99 : 0.8;
}

export function restoreTaskFrom(input: RestoreTaskInput, defaults: { id: string; now: number; instanceType: string }): RestoreTask {
  const createdAt = input.createdAt ?? defaults.now;
  const outcome = input.outcome ?? 'finish';
  return {
    id: input.id ?? defaults.id,
    name: input.name ?? `restore-${defaults.id}`,
    createdAt,
    durationMs: input.durationMs ?? 30 * MINUTE,
    outcome,
    restoreTime: input.restoreTime ?? createdAt - HOUR,
    errMessage: input.errMessage ?? (outcome === 'stop' ? 'restore task failed' : undefined),
    backupSetId: input.backupSetId,
    destinationInstanceType: input.destinationInstanceType ?? defaults.instanceType,
    destinationInstanceId: input.destinationInstanceId ?? `${defaults.id}-dest`,
  };
}

function percent(fraction: number): number {
  return Math.floor(Math.min(1, Math.max(0, fraction)) * 100);
}

/** Full data first (70% of the time), then log replay (25%), then structure (5%). */
function progressAt(fraction: number) {
  return {
    FullDataRestoreProgress: percent(fraction / 0.7),
    ContinuousRestoreProgress: percent((fraction - 0.7) / 0.25),
    FullStruAfterRestoreProgress: percent((fraction - 0.95) / 0.05),
  };
}

/** The task as DescribeRestoreTaskList shows it at `now`; undefined before it is created. */
export function restoreTaskAt(task: RestoreTask, planId: string, now: number, backupSetId?: string): WireRestoreTaskDetail | undefined {
  if (now < task.createdAt) return undefined;
  const elapsed = now - task.createdAt;
  const ended = elapsed >= task.durationMs;
  const status = ended ? task.outcome : 'running';
  // Progress grows steadily towards where the outcome leaves it, so it never goes back.
  const fraction = Math.min(1, elapsed / Math.max(1, task.durationMs)) * workDone(task.outcome);
  const finished = ended && (status === 'finish' || status === 'stop');
  return {
    RestoreTaskId: task.id,
    RestoreTaskName: task.name,
    RestoreStatus: status,
    RestoreTaskCreateTime: task.createdAt,
    RestoreTaskFinishTime: finished ? task.createdAt + task.durationMs : 0,
    RestoreTime: task.restoreTime,
    BackupSetId: task.backupSetId ?? backupSetId ?? '',
    BackupPlanId: planId,
    ErrMessage: status === 'stop' ? (task.errMessage ?? 'restore task failed') : '',
    ...progressAt(fraction),
    RestoreDestinationMode: 'newInstance',
    DestinationEndpointInstanceType: task.destinationInstanceType,
    DestinationEndpointInstanceID: task.destinationInstanceId,
  };
}

function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** Drills of one schedule created in [from, to] (and before `now`), oldest first. */
export function generateDrills(planId: string, seed: number, drill: RestoreDrillSchedule, from: number, to: number): RestoreTask[] {
  const tasks: RestoreTask[] = [];
  const offset = timeOfDayMs(drill.startTime);
  const weekday = WEEKDAYS.indexOf(drill.weekday);
  const lower = Math.max(from, drill.from);
  const upper = Math.min(to, drill.to - 1);
  if (lower > upper) return tasks;
  // Day 0 (1970-01-01) was a Thursday, weekday index 4; start a day early for the jitter.
  let day = Math.floor((lower - offset) / DAY) - 1;
  day += (((weekday - ((day + 4) % 7)) % 7) + 7) % 7;
  for (; day * DAY + offset <= upper; day += 7) {
    const createdAt = day * DAY + offset + Math.floor(hashUnit(seed, day, 41) * 5 * MINUTE);
    if (createdAt < lower || createdAt > upper) continue;
    tasks.push({
      id: `${planId}-drill-${day}`,
      name: `drill-weekly-${isoDate(createdAt)}`,
      createdAt,
      durationMs: Math.round(drill.durationMs * (0.9 + 0.2 * hashUnit(seed, day, 42))),
      outcome: 'finish',
      restoreTime: createdAt - drill.restoreLagMs,
      destinationInstanceType: 'RDS',
      destinationInstanceId: `rm-drill-${planId.slice(-6)}`,
    });
  }
  return tasks;
}

/** Every task of the plan visible at `now` within the filter, as tasks (not yet rendered). */
export function restoreTasksOf(planId: string, seed: number, restores: PlanRestores, filter: RestoreTaskFilter, now: number): RestoreTask[] {
  const from = filter.startTimestamp ?? -Infinity;
  const to = Math.min(now, filter.endTimestamp ?? Infinity);
  const tasks = restores.tasks.filter((t) => t.createdAt >= from && t.createdAt <= to);
  for (const drill of restores.drills) tasks.push(...generateDrills(planId, seed, drill, from, to));
  return tasks;
}

/** Newest first, as the backup-set lists; ties by id so pages stay stable. */
export function byCreatedDescending(a: WireRestoreTaskDetail, b: WireRestoreTaskDetail): number {
  return Number(b.RestoreTaskCreateTime ?? 0) - Number(a.RestoreTaskCreateTime ?? 0) || (a.RestoreTaskId < b.RestoreTaskId ? -1 : a.RestoreTaskId > b.RestoreTaskId ? 1 : 0);
}
