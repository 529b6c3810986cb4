/**
 * 2. Poll path. An exporter in a child process polls the simulator (here, in the harness
 * process) with 30-80 ms of injected latency on every call and a rate limit low enough to be the
 * bottleneck. Calls are counted by the simulator's request log, not by the exporter. The most
 * calls in any one-second window is measured twice: as sent (request creation times inside the
 * exporter's process, from the probe) and as arrived (the simulator's log, stamped when its
 * event loop reads the request, so its own stalls bunch them), against the per-second cap
 * (requests_per_second) and the token bucket's rate + burst.
 */
import { startSimulator } from '../../src/simulator/index.js';
import { type ApiLimits, SIMULATOR_ENV, exporterConfigYaml } from '../harness/config.js';
import type { CycleResult, Departures, EventLoopDelay } from '../harness/ipc.js';
import { Child, track } from '../harness/processes.js';
import { maxInWindow } from '../harness/stats.js';

/** 200/s needs about 200 × 0.055 s ≈ 11 calls in flight, well under 32: the rate is the limit. */
export const POLL_LIMITS: ApiLimits = { requestsPerSecond: 200, burst: 20, maxConcurrency: 32 };
export const POLL_LATENCY_MS: [number, number] = [30, 80];

export interface PollCycle {
  kind: 'first (lookback)' | 'steady';
  calls: number;
  callsByAction: Record<string, number>;
  /** calls / (plans × 2 backup types). */
  callsPerPlanAndType: number;
  non200: number;
  wallS: number;
  /** calls / requests_per_second. */
  floorS: number;
  wallOverFloor: number;
  /** Most calls that arrived in any 1 s window (limit: rate + burst). */
  maxCallsPerSecond: number;
  /** The same over 980 ms windows: if this is within the limit, 20 ms of arrival jitter explains an excess. */
  maxCallsPer980Ms: number;
  /** Requests the exporter's process sent (created), and the most in any 1 s: what the exporter itself does, before the receiver's jitter. */
  departures?: Departures;
  plansPolled: number;
  planFailures: number;
  targetFailures: number;
  /** Worst event-loop block in the exporter's process during the cycle. */
  eventLoop: EventLoopDelay;
}

export interface PollResult {
  plans: number;
  limits: ApiLimits;
  latencyMs: [number, number];
  cycles: PollCycle[];
}

export async function benchPoll(options: { plans: number; log: (line: string) => void }): Promise<PollResult> {
  const { plans, log } = options;
  const sim = await startSimulator({ scenario: { plans, historyDays: 14 }, requestLogSize: 5_000_000 });
  const closeSim = track(() => sim.close());
  const child = new Child('exporter (poll)', 'bench/server-child.ts', [], { waitForReady: true, env: SIMULATOR_ENV });
  try {
    sim.faults.set({ kind: 'latency', ms: POLL_LATENCY_MS });
    await child.request('exporter.init', { yaml: exporterConfigYaml({ endpoint: sim.endpoint, interval: '60s', limits: POLL_LIMITS }) });
    const cycles: PollCycle[] = [];
    for (const kind of ['first (lookback)', 'steady'] as const) {
      sim.requests.clear();
      await child.request('probe.reset', { departures: true });
      const cycle = await child.request<CycleResult>('exporter.cycle', {}, 30 * 60_000);
      const eventLoop = await child.request<EventLoopDelay>('probe.eld');
      const departures = await child.request<Departures>('probe.departures', {}, 60_000);
      const entries = sim.requests.entries();
      const calls = sim.requests.count();
      const floorS = calls / POLL_LIMITS.requestsPerSecond;
      const wallS = cycle.wallMs / 1000;
      cycles.push({
        kind,
        calls,
        callsByAction: sim.requests.counts(),
        callsPerPlanAndType: calls / (plans * 2),
        non200: entries.filter((e) => e.status !== 200).length,
        wallS,
        floorS,
        wallOverFloor: wallS / floorS,
        maxCallsPerSecond: maxInWindow(
          entries.map((e) => e.time),
          1000,
        ),
        maxCallsPer980Ms: maxInWindow(
          entries.map((e) => e.time),
          980,
        ),
        plansPolled: cycle.plansPolled,
        planFailures: cycle.planFailures,
        targetFailures: cycle.targetFailures,
        eventLoop,
        departures,
      });
      log(`poll ${plans}: ${kind}: ${calls} calls in ${wallS.toFixed(1)} s (floor ${floorS.toFixed(1)} s), max ${cycles.at(-1)!.maxCallsPerSecond}/s arrived, ${departures.maxPerSecond}/s sent, loop max ${eventLoop.maxMs.toFixed(1)} ms`);
    }
    return { plans, limits: POLL_LIMITS, latencyMs: POLL_LATENCY_MS, cycles };
  } finally {
    await child.stop();
    await closeSim();
  }
}
