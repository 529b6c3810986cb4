/**
 * The message protocol between the harness and the processes it measures: each request has an
 * id and a command, each reply echoes the id. The probe (preloaded in every child) answers the
 * `probe.*` commands; bench/server-child.ts answers the rest.
 */

export interface IpcRequest {
  id: number;
  cmd: string;
  args?: Record<string, unknown>;
}

export type IpcReply = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string };

export function isIpcRequest(message: unknown): message is IpcRequest {
  const m = message as Partial<IpcRequest> | null;
  return typeof m === 'object' && m !== null && typeof m.id === 'number' && typeof m.cmd === 'string';
}

export function isIpcReply(message: unknown): message is IpcReply {
  const m = message as Partial<IpcReply> | null;
  return typeof m === 'object' && m !== null && typeof m.id === 'number' && typeof m.ok === 'boolean';
}

/** Answers one request; errors become `{ ok: false }` so the harness can report them. */
export function reply(request: IpcRequest, run: () => unknown | Promise<unknown>): void {
  Promise.resolve()
    .then(run)
    .then(
      (result) => process.send?.({ id: request.id, ok: true, result } satisfies IpcReply),
      (err: unknown) => process.send?.({ id: request.id, ok: false, error: err instanceof Error ? (err.stack ?? err.message) : String(err) } satisfies IpcReply),
    );
}

/** Outgoing HTTP requests the process created since the last probe.reset, and the most in any window. */
export interface Departures {
  count: number;
  maxPerSecond: number;
  maxPer1010Ms: number;
}

/**
 * Server-side time of the HTTP responses the process answered since the last probe.reset: from
 * the request being read to the last byte handed to the kernel (node's
 * `http.server.request.start` and `http.server.response.finish`). What the server itself took,
 * free of how fast the load generator reads; absent in older results.
 */
export interface ServerResponses {
  count: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

/** Event-loop delay over a period, in milliseconds. */
export interface EventLoopDelay {
  maxMs: number;
  p99Ms: number;
  p50Ms: number;
  meanMs: number;
  samples: number;
  /** The longest stall seen by the probe's 5 ms sampler, split by what the thread did (Linux only; absent in older results). */
  longestStall?: Stall;
  /** The most on-CPU time of the main thread within any one stall (ms): the longest the process's own work held the loop. */
  maxOnCpuMs?: number;
}

/**
 * One gap between two ticks of the probe's 5 ms sampler: `wallMs` is the delay (the gap less
 * the 5 ms); the split covers the whole gap, from the main thread's
 * /proc/self/task/<pid>/schedstat: time on a CPU (JavaScript, GC pauses, syscalls such as
 * writev) and time runnable but waiting for a CPU (other processes had both cores). The rest of
 * the gap the thread was neither: asleep (idle, blocked in the kernel) or, on a VM with steal
 * accounting, its vCPU was held by the hypervisor.
 */
export interface Stall {
  wallMs: number;
  onCpuMs: number;
  waitingMs: number;
  /** Main-thread GC pauses (perf_hooks 'gc' entries) overlapping the gap. */
  gcMs: number;
}

export interface MemorySample {
  rssBytes: number;
  /** RSS read just before the forced GC: as the process runs, uncollected garbage included; absent in older results. */
  rssBeforeGcBytes?: number;
  heapUsedBytes: number;
  heapTotalBytes: number;
  externalBytes: number;
  /** ArrayBuffers and Buffers (the job archive, rendered expositions); absent in older results. */
  arrayBuffersBytes?: number;
  /** Maximum RSS of the process so far (getrusage); absent in older results. */
  maxRssBytes?: number;
  /** Whether a full GC ran just before (the child was started with --expose-gc). */
  afterGc: boolean;
}

/** One collection cycle run by bench/server-child.ts. */
export interface CycleResult {
  wallMs: number;
  plansPolled: number;
  planFailures: number;
  targetFailures: number;
  /** The cycle's errors as `errorClass code: message` (at most 5), so a failed poll in a long run says why. */
  errors?: string[];
}
