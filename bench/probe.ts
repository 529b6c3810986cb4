/**
 * Preloaded (`node --import tsx --import bench/probe.ts …`) into every process the harness
 * measures, including the real CLI, so event-loop delay and memory come from inside the process
 * under test without touching its code. Inert when the process has no IPC channel.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { type EventLoopDelay, type MemorySample, isIpcRequest, reply } from './harness/ipc.js';

// 5 ms timer resolution: a block of B ms shows up as a delay of about B ms.
const delay = monitorEventLoopDelay({ resolution: 5 });
delay.enable();

const ms = (ns: number) => ns / 1e6;

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
        return reply(message, () => void delay.reset());
      case 'probe.eld':
        return reply(message, eventLoopDelay);
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
