/**
 * Drives the collector: one cycle at a time on an interval or a cron expression (node-cron);
 * a cycle that outlasts its slot delays the next one instead of overlapping it. The first
 * cycle starts at once so the exporter is ready as soon as possible.
 */
import cron, { type ScheduledTask } from 'node-cron';
import type { Logger } from 'pino';

/** What the scheduler drives: the Collector (which publishes what each cycle produced). */
export interface CycleRunner {
  runCycle(): Promise<unknown>;
}

export type Schedule = { type: 'interval'; intervalMs: number } | { type: 'cron'; expression: string };

/** Where the schedule stands: what the landing page says about the next cycle. */
export interface ScheduleState {
  /** A cycle is in flight now. */
  running: boolean;
  /** When the next cycle is due to start (epoch ms); while one runs, the earliest the next can. Absent once stopped or not known. */
  nextAtMs?: number;
}

export class Scheduler {
  private timer: NodeJS.Timeout | undefined;
  private task: ScheduledTask | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private skipped = 0;
  private nextAtMs: number | undefined;

  constructor(
    private readonly schedule: Schedule,
    private readonly collector: CycleRunner,
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.stopped = false;
    if (this.schedule.type === 'cron') {
      this.task = cron.schedule(this.schedule.expression, () => this.tick(), { noOverlap: false });
      this.tick();
      return;
    }
    this.loop();
  }

  private loop(): void {
    if (this.stopped) return;
    const started = Date.now();
    this.tick();
    if (this.schedule.type === 'interval') this.nextAtMs = started + this.schedule.intervalMs;
    void this.running?.finally(() => {
      if (this.stopped || this.schedule.type !== 'interval') return;
      const delay = Math.max(0, started + this.schedule.intervalMs - Date.now());
      this.nextAtMs = Date.now() + delay;
      this.timer = setTimeout(() => this.loop(), delay);
    });
  }

  state(): ScheduleState {
    const running = this.running !== undefined;
    if (this.stopped) return { running };
    const next = this.schedule.type === 'cron' ? this.task?.getNextRun()?.getTime() : this.nextAtMs;
    // A cycle running past its slot: the next starts when it ends, at a time nobody knows yet.
    if (next === undefined || (running && this.schedule.type === 'interval' && next <= Date.now())) return { running };
    return { running, nextAtMs: next };
  }

  /** Start a cycle unless one is running. */
  private tick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.skipped += 1;
      this.logger.warn({ skipped: this.skipped }, 'previous collection cycle still running; skipping this slot');
      return;
    }
    this.running = this.collector
      .runCycle()
      .then(() => undefined)
      .catch((err: unknown) => this.logger.error({ err: { message: (err as Error)?.message } }, 'collection cycle failed'))
      .finally(() => {
        this.running = undefined;
      });
  }

  /**
   * Stop scheduling and wait for the cycle in flight, at most `timeoutMs`. A cycle still
   * running then (DBS hanging) is abandoned: its requests are left to the process exit, and
   * the caller learns so from the result and the log.
   */
  async stop(timeoutMs = 10_000): Promise<'idle' | 'finished' | 'abandoned'> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.task?.stop();
    await this.task?.destroy();
    if (!this.running) return 'idle';
    let timeout: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      this.running.then(() => 'finished' as const),
      new Promise<'abandoned'>((resolve) => (timeout = setTimeout(() => resolve('abandoned'), timeoutMs))),
    ]);
    clearTimeout(timeout);
    if (outcome === 'abandoned') {
      this.logger.warn({ waited_seconds: timeoutMs / 1000 }, 'collection cycle still running at shutdown; abandoned');
    }
    return outcome;
  }
}
