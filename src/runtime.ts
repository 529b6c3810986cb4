/**
 * V8 heap settings the exporter needs however it is started: imported first by cli.ts, so they
 * apply before the heap grows, whether node runs from the container image, `node dist/cli.js`
 * or npx. A setting the user gave (NODE_OPTIONS or node's own flags) wins and is left alone:
 * --max-old-space-size (or --max-heap-size, or --heap-growing-percent, which node takes on its
 * command line only) for the old generation, --max-semi-space-size for the young one.
 *
 * Why (measured at 5,000 plans, bench/README.md "Memory"): on a host without a memory limit
 * node allows the old generation 4 GiB and V8 grows it up to 4x what survived the last full GC,
 * so each cycle's garbage (parsed DBS responses promoted out of the young generation) piles up:
 * RSS 300-340 MiB. Old-space and semi-space sizes cannot be changed once the heap exists
 * (`v8.setFlagsFromString('--max-old-space-size=…')` here is silently ignored: checked with
 * v8.getHeapStatistics), but two V8 flags are read each time V8 resizes its heap:
 * - --heap-growing-percent: the old generation grows to 1.3x what survived, the growth V8 itself
 *   picks under a 256 MiB heap (the image's old cap), without capping the heap.
 * - --semi-space-growth-factor, steered after every GC: the young generation doubles from its
 *   initial size until a semi-space is 8 MiB, then stops (node's default stops at 16 MiB).
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
