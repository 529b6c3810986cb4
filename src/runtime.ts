/**
 * V8 heap growth the exporter needs however it is started: cli.ts imports this first, so it applies
 * before the heap grows. A heap or semi-space setting the user gave (NODE_OPTIONS, node's flags) wins.
 * Why: docs/design/runtime.md
 */
import { PerformanceObserver } from 'node:perf_hooks';
import v8 from 'node:v8';

export interface RuntimeSettings {
  /** Old-generation growth after a full GC, percent of what survived; absent: V8's own (up to 300). */
  heapGrowingPercent?: number;
  /** Largest semi-space (MiB) the young generation grows to; absent: V8's own (16). */
  semiSpaceMiB?: number;
}

export const RUNTIME_DEFAULTS: Readonly<Required<RuntimeSettings>> = Object.freeze({ heapGrowingPercent: 30, semiSpaceMiB: 8 });

/** The V8 flags among `nodeFlags` (NODE_OPTIONS and node's command line), as V8 reads them: `-` and `_` alike. */
function flagNames(nodeFlags: readonly string[]): Set<string> {
  return new Set(nodeFlags.filter((flag) => flag.startsWith('--')).map((flag) => flag.slice(2).split('=')[0]!.replaceAll('_', '-')));
}

/** Our defaults, less those the user decided: a heap size or growth, a semi-space size or growth. */
export function runtimeSettings(nodeFlags: readonly string[]): RuntimeSettings {
  const given = flagNames(nodeFlags);
  const settings: RuntimeSettings = {};
  if (!['max-old-space-size', 'max-heap-size', 'heap-growing-percent'].some((f) => given.has(f))) settings.heapGrowingPercent = RUNTIME_DEFAULTS.heapGrowingPercent;
  if (!['max-semi-space-size', 'semi-space-growth-factor'].some((f) => given.has(f))) settings.semiSpaceMiB = RUNTIME_DEFAULTS.semiSpaceMiB;
  return settings;
}

/** node's flags: NODE_OPTIONS first, as node reads them, then the command line's. */
export function nodeFlags(env: NodeJS.ProcessEnv = process.env, execArgv: readonly string[] = process.execArgv): string[] {
  return [...(env.NODE_OPTIONS ?? '').split(/\s+/).filter(Boolean), ...execArgv];
}

/** Current semi-space capacity: new space is two of them. */
export function semiSpaceBytes(): number {
  return (v8.getHeapSpaceStatistics().find((space) => space.space_name === 'new_space')?.space_size ?? 0) / 2;
}

/**
 * Lets the young generation double while a semi-space is at most half of `maxBytes`, and stops
 * it growing from there. V8 reads the factor when it grows new space, after a scavenge; this
 * runs after every GC (before the next can grow it again).
 */
function capSemiSpace(maxBytes: number): void {
  let factor = 0;
  const steer = () => {
    const next = semiSpaceBytes() * 2 <= maxBytes ? 2 : 1;
    if (next === factor) return;
    v8.setFlagsFromString(`--semi-space-growth-factor=${next}`);
    factor = next;
  };
  steer();
  new PerformanceObserver(steer).observe({ entryTypes: ['gc'] });
}

export function applyRuntimeSettings(settings: RuntimeSettings): void {
  if (settings.heapGrowingPercent !== undefined) v8.setFlagsFromString(`--heap-growing-percent=${settings.heapGrowingPercent}`);
  if (settings.semiSpaceMiB !== undefined) capSemiSpace(settings.semiSpaceMiB * 2 ** 20);
}

/** What this process runs with. */
export const applied: RuntimeSettings = runtimeSettings(nodeFlags());
applyRuntimeSettings(applied);
