/**
 * Preloaded (`node --import tsx --import bench/probe.ts …`) into every process the harness
 * measures, including the real CLI, so event-loop delay and memory come from inside the process
 * under test without touching its code. Inert when the process has no IPC channel.
 */
import { subscribe } from 'node:diagnostics_channel';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { type Departures, type EventLoopDelay, type MemorySample, type ServerResponses, isIpcRequest, reply } from './harness/ipc.js';
import { maxInWindow, percentile } from './harness/stats.js';

// 5 ms timer resolution: a block of B ms shows up as a delay of about B ms.
const delay = monitorEventLoopDelay({ resolution: 5 });
delay.enable();

const ms = (ns: number) => ns / 1e6;

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
  if (delay.count === 0) return { maxMs: 0, p99Ms: 0, p50Ms: 0, meanMs: 0, samples: 0 };
  return { maxMs: ms(delay.max), p99Ms: ms(delay.percentile(99)), p50Ms: ms(delay.percentile(50)), meanMs: ms(delay.mean), samples: delay.count };
}

/**
 * Retained memory: after two forced GCs (when --expose-gc; V8 frees dead ArrayBuffer backing
 * stores concurrently and settles their accounting at the next GC) and a second for V8 to
 * hand freed pages back (RSS read right after a GC still counts pages it is about to release).
 */
async function memory(): Promise<MemorySample> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) {
    gc();
    gc();
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  const m = process.memoryUsage();
  return {
    rssBytes: m.rss,
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
