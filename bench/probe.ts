/**
 * Preloaded (`node --import tsx --import bench/probe.ts …`) into every process the harness
 * measures, including the real CLI, so event-loop delay and memory come from inside the process
 * under test without touching its code. Inert when the process has no IPC channel.
 */
import { subscribe } from 'node:diagnostics_channel';
import { readFileSync } from 'node:fs';
import { PerformanceObserver, monitorEventLoopDelay } from 'node:perf_hooks';
import { type Departures, type EventLoopDelay, type MemorySample, type ServerResponses, type Stall, isIpcRequest, reply } from './harness/ipc.js';
import { maxInWindow, percentile } from './harness/stats.js';

// 5 ms timer resolution: a block of B ms shows up as a delay of about B ms.
const delay = monitorEventLoopDelay({ resolution: 5 });
delay.enable();

const ms = (ns: number) => ns / 1e6;

/**
 * What the main thread did during each stall. A 5 ms interval reads the thread's schedstat
 * (ns on a CPU, ns runnable but waiting); a gap between ticks longer than STALL_MS is a stall,
 * split into on-CPU (the process's own work: JavaScript, GC, syscalls) and waiting for a CPU
 * (the machine's other load). The loop delay alone cannot tell a long task from a process that
 * was runnable while both cores ran someone else (the load generator, the simulator).
 */
const SAMPLE_MS = 5;
const STALL_MS = 10;
const SCHEDSTAT = `/proc/self/task/${process.pid}/schedstat`;
function schedstat(): [number, number] | undefined {
  try {
    const [run, wait] = readFileSync(SCHEDSTAT, 'utf8').split(' ').map(Number);
    return run !== undefined && wait !== undefined && Number.isFinite(run) && Number.isFinite(wait) ? [run, wait] : undefined;
  } catch {
    return undefined;
  }
}
/** Main-thread GC pauses of the last few seconds: [start, duration] (performance.now() ms). */
const gcPauses: Array<[number, number]> = [];
let longestStall: Stall | undefined;
let maxOnCpuMs = 0;
const sampling = schedstat() !== undefined;
if (sampling) {
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) gcPauses.push([entry.startTime, entry.duration]);
    while (gcPauses.length > 256) gcPauses.shift();
  }).observe({ entryTypes: ['gc'] });
  let lastAt = performance.now();
  let last = schedstat();
  setInterval(() => {
    const at = performance.now();
    const now = schedstat();
    if (last && now && at - lastAt > SAMPLE_MS + STALL_MS) {
      const from = lastAt;
      const stall: Stall = {
        wallMs: at - lastAt - SAMPLE_MS,
        onCpuMs: ms(now[0] - last[0]),
        waitingMs: ms(now[1] - last[1]),
        gcMs: gcPauses.reduce((sum, [start, duration]) => sum + Math.max(0, Math.min(at, start + duration) - Math.max(from, start)), 0),
      };
      if (!longestStall || stall.wallMs > longestStall.wallMs) longestStall = stall;
      maxOnCpuMs = Math.max(maxOnCpuMs, stall.onCpuMs);
    }
    lastAt = at;
    last = now;
  }, SAMPLE_MS).unref();
}

/**
 * When each outgoing HTTP request was created (node's `http.client.request.start`, fired as the
 * request object is made, just before its headers go to the socket): the exporter's own send
 * times, free of the receiving process's event-loop jitter.
 */
let departures: number[] | undefined;
subscribe('http.client.request.start', () => {
  if (departures && departures.length < 5_000_000) departures.push(performance.now());
});

/** Server-side response times (ms) since the last probe.reset; see ServerResponses. */
/** Requests read since the last probe.reset (a response started before it is not counted). */
let requestStarts = new WeakMap<object, number>();
const responseTimes: number[] = [];
subscribe('http.server.request.start', (message) => {
  requestStarts.set((message as { response: object }).response, performance.now());
});
subscribe('http.server.response.finish', (message) => {
  const started = requestStarts.get((message as { response: object }).response);
  if (started !== undefined && responseTimes.length < 1_000_000) responseTimes.push(performance.now() - started);
});

function serverResponses(): ServerResponses {
  const sorted = [...responseTimes].sort((a, b) => a - b);
  return { count: sorted.length, p50Ms: percentile(sorted, 50), p99Ms: percentile(sorted, 99), maxMs: sorted.at(-1) ?? Number.NaN };
}

function eventLoopDelay(): EventLoopDelay {
  const stalls = sampling ? { maxOnCpuMs, ...(longestStall ? { longestStall } : {}) } : {};
  if (delay.count === 0) return { maxMs: 0, p99Ms: 0, p50Ms: 0, meanMs: 0, samples: 0, ...stalls };
  return { maxMs: ms(delay.max), p99Ms: ms(delay.percentile(99)), p50Ms: ms(delay.percentile(50)), meanMs: ms(delay.mean), samples: delay.count, ...stalls };
}

/**
 * Retained memory: after two forced GCs (when --expose-gc; V8 frees dead ArrayBuffer backing
 * stores concurrently and settles their accounting at the next GC) and a second for V8 to
 * hand freed pages back (RSS read right after a GC still counts pages it is about to release).
 */
async function memory(): Promise<MemorySample> {
  const gc = (globalThis as { gc?: () => void }).gc;
  // RSS as the process runs, garbage V8 has not collected yet included (a container limit counts it).
  const rssBeforeGcBytes = process.memoryUsage.rss();
  if (gc) {
    gc();
    gc();
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  const m = process.memoryUsage();
  return {
    rssBytes: m.rss,
    rssBeforeGcBytes,
    heapUsedBytes: m.heapUsed,
    heapTotalBytes: m.heapTotal,
    externalBytes: m.external,
    arrayBuffersBytes: m.arrayBuffers,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
    afterGc: gc !== undefined,
  };
}

if (process.send) {
  process.on('message', (message) => {
    if (!isIpcRequest(message) || !message.cmd.startsWith('probe.')) return;
    switch (message.cmd) {
      case 'probe.reset':
        return reply(message, () => {
          delay.reset();
          longestStall = undefined;
          maxOnCpuMs = 0;
          responseTimes.length = 0;
          requestStarts = new WeakMap();
          // Send times are kept only when asked for (the poll section): recording them in every
          // cycle of the memory section would grow the very heap it measures.
          departures = message.args?.departures === true ? [] : undefined;
        });
      case 'probe.departures':
        return reply(message, (): Departures => ({
          count: departures?.length ?? 0,
          maxPerSecond: maxInWindow(departures ?? [], 1000),
          maxPer1010Ms: maxInWindow(departures ?? [], 1010),
        }));
      case 'probe.eld':
        return reply(message, eventLoopDelay);
      case 'probe.responses':
        return reply(message, serverResponses);
      case 'probe.memory':
        return reply(message, memory);
      case 'probe.cpu':
        return reply(message, () => {
          const { user, system } = process.cpuUsage();
          return { cpuMicros: user + system };
        });
      default:
        return reply(message, () => {
          throw new Error(`unknown probe command ${message.cmd}`);
        });
    }
  });
}
