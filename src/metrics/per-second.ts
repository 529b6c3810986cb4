/**
 * The parts of a scrape rendered per second: the scrape-time families as of the start of the
 * second (the few newest seconds cached, their buffers pooled), and, while scrapes come every
 * second, the next second's parts rendered ahead so no scrape waits for them.
 */
import type { Snapshot } from '../collector/snapshot.js';
import type { SnapshotRenders } from './cycle-part.js';
import type { LiveRenders } from './live.js';
import { type ChunkPool, type Rendered, rendered } from './pool.js';
import type { ExpositionFormat } from './text.js';

/** Seconds of scrape-time renderings kept (all formats and snapshots together). */
const CACHED_SECONDS = 4;

export interface PerSecondDeps {
  /** The snapshot current when a render-ahead timer fires. */
  snapshot(): Snapshot | undefined;
  renders(snapshot: Snapshot | undefined): SnapshotRenders;
  live: LiveRenders;
  pool: ChunkPool;
  /** Whether scrapers asked for gzip in this format (then it is made ahead too). */
  wantsGzip(format: ExpositionFormat): boolean;
  resolutionMs: number;
}

export class PerSecond {
  /** Renderings by snapshot, format and second. */
  private readonly cache = new Map<string, Promise<Rendered>>();
  /** Per format, the second of the last scrape. */
  private readonly lastSlot = new Map<ExpositionFormat, number>();
  private readonly timers = new Map<ExpositionFormat, NodeJS.Timeout>();
  /** Per format, the second the live registry was last rendered ahead for. */
  private readonly liveAheadSlot = new Map<ExpositionFormat, number>();

  constructor(private readonly deps: PerSecondDeps) {}

  slotOf(nowMs: number): number {
    return Math.floor(nowMs / this.deps.resolutionMs);
  }

  /** Whether `format` was scraped in `slot` or the second before. */
  scrapedLately(format: ExpositionFormat, slot: number): boolean {
    const last = this.lastSlot.get(format);
    return last !== undefined && last >= slot - 1;
  }

  /** The scrape-time families as of the start of second `slot`. */
  at(snapshot: Snapshot | undefined, format: ExpositionFormat, slot: number): Promise<Rendered> {
    const key = `${snapshot?.cycle ?? -1}:${snapshot?.completedAtMs ?? 0}:${format}:${slot}`;
    let value = this.cache.get(key);
    if (!value) {
      const bases: Buffer[] = [];
      const { pool } = this.deps;
      value = this.deps
        .renders(snapshot)
        .template(format)
        .render(slot * this.deps.resolutionMs, pool.alloc, bases)
        .then((text) => rendered(text, {}, () => pool.recycle(bases)));
      this.cache.set(key, value);
      this.evictOld();
    }
    return value;
  }

  private evictOld(): void {
    for (const [oldKey, old] of this.cache) {
      if (this.cache.size <= CACHED_SECONDS) break;
      this.cache.delete(oldKey);
      old.then((part) => part.evict()).catch(() => undefined);
    }
  }

  /** For a scrape at nowMs; scraped more than once a second, the next second is rendered ahead. */
  forScrape(snapshot: Snapshot | undefined, format: ExpositionFormat, nowMs: number): Promise<Rendered> {
    const slot = this.slotOf(nowMs);
    const part = this.at(snapshot, format, slot);
    const previous = this.lastSlot.get(format);
    this.lastSlot.set(format, slot);
    if (previous === slot || previous === slot - 1) this.renderAhead(format, slot + 1, nowMs);
    return part;
  }

  /**
   * Render second `slot` (and its gzip, if scrapers ask for gzip) shortly before it starts.
   * Values are as of the start of the second: known in advance, never ahead of the scrape.
   */
  private renderAhead(format: ExpositionFormat, slot: number, nowMs: number): void {
    if (this.timers.has(format)) return;
    const { resolutionMs } = this.deps;
    const lead = Math.min(200, resolutionMs / 5);
    const delay = Math.min(resolutionMs, Math.max(0, slot * resolutionMs - lead - nowMs));
    const timer = setTimeout(() => {
      this.timers.delete(format);
      const snapshot = this.deps.snapshot();
      const gzip = this.deps.wantsGzip(format);
      const ahead = (part: Promise<Rendered>) => part.then((p) => (gzip ? p.gzip() : undefined)).catch(() => undefined);
      ahead(this.at(snapshot, format, slot));
      // Once per second: in a second's last 200 ms every scrape schedules this again at once.
      if (this.liveAheadSlot.get(format) !== slot) {
        this.liveAheadSlot.set(format, slot);
        ahead(this.deps.live.at(snapshot, format, slot, true));
      }
    }, delay);
    timer.unref();
    this.timers.set(format, timer);
  }

  close(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }
}
