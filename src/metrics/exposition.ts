/**
 * What /metrics serves, built so a scrape costs about as much as sending bytes from memory: the
 * per-cycle families rendered (and gzipped) once per snapshot before it is published
 * (cycle-part.ts), the scrape-time families once per second into pooled buffers (per-second.ts,
 * pool.ts), the exporter's own metrics about once a second (live.ts). The server asks for a
 * response with serve(); the buffers' lifetimes stay here. Why: docs/design/exposition.md
 */
import type { ServerResponse } from 'node:http';
import type { PrometheusContentType, Registry } from 'prom-client';
import type { Snapshot } from '../collector/snapshot.js';
import { SnapshotRenders, type FamilySplit } from './cycle-part.js';
import { type FamilyDef, PLAN_FAMILIES } from './families.js';
import type { MetricsSource } from './labels.js';
import { LiveRenders } from './live.js';
import { PerSecond } from './per-second.js';
import { ChunkPool } from './pool.js';
import { CONTENT_TYPES, type ExpositionFormat } from './text.js';
import { TurnBudget } from './turn-budget.js';
import { WRITE_TURN_MS, writeBody } from './write-body.js';

export type { ExpositionFormat } from './text.js';

export interface ExpositionOptions {
  families?: readonly FamilyDef[];
  /** How long a rendering of the scrape-time families is reused (default 1 s). */
  dynamicResolutionMs?: number;
  /**
   * How long (real time) one rendering of the live registry is shared by the scrapes that
   * arrive meanwhile, for the same snapshot (default 1 s).
   */
  liveReuseMs?: number;
}

/** One response: the format and encoding the server negotiated, and whether only headers go out. */
export interface ServeOptions {
  format: ExpositionFormat;
  gzip: boolean;
  head: boolean;
}

export interface Lease {
  chunks: Buffer[];
  /** The response is done with the bytes: pooled buffers may serve a later second. */
  release(): void;
}

export class Exposition {
  private readonly families: FamilySplit;
  /** Formats and encodings scrapers have asked for: only those are rendered ahead of time. */
  private readonly requested = new Map<ExpositionFormat, { plain: boolean; gzip: boolean }>();
  private readonly bySnapshot = new WeakMap<Snapshot, SnapshotRenders>();
  private readonly noSnapshot: SnapshotRenders;
  private readonly live: LiveRenders;
  private readonly perSecond: PerSecond;
  /** Shared by every response this exposition writes: one event loop. */
  private readonly writeBudget = new TurnBudget(WRITE_TURN_MS);

  constructor(
    private readonly source: MetricsSource,
    /** prom-client registry of the exporter's own and process metrics. */
    live: Registry<PrometheusContentType>,
    options: ExpositionOptions = {},
  ) {
    const families = options.families ?? PLAN_FAMILIES;
    this.families = { perCycle: families.filter((f) => !f.dynamic), scrapeTime: families.filter((f) => f.dynamic) };
    this.noSnapshot = new SnapshotRenders(undefined, this.families);
    this.live = new LiveRenders(live, options.liveReuseMs ?? 1000);
    this.perSecond = new PerSecond({
      snapshot: () => this.source.snapshot(),
      renders: (snapshot) => this.renders(snapshot),
      live: this.live,
      pool: new ChunkPool(),
      wantsGzip: (format) => this.requested.get(format)?.gzip ?? false,
      resolutionMs: options.dynamicResolutionMs ?? 1000,
    });
  }

  private renders(snapshot: Snapshot | undefined): SnapshotRenders {
    if (!snapshot) return this.noSnapshot;
    let renders = this.bySnapshot.get(snapshot);
    if (!renders) this.bySnapshot.set(snapshot, (renders = new SnapshotRenders(snapshot, this.families)));
    return renders;
  }

  private keepsText(format: ExpositionFormat): () => boolean {
    return () => this.requested.get(format)?.plain ?? false;
  }

  /**
   * Render the per-cycle part of a new snapshot in the forms scrapers have asked for before it
   * is published, so no scrape waits for it (and, if scraped within the last second or so, the
   * scrape-time part too).
   */
  prepare(snapshot: Snapshot): Promise<unknown> {
    const slot = this.perSecond.slotOf(this.source.now());
    const renders = this.renders(snapshot);
    return Promise.all(
      [...this.requested].map(async ([format, wanted]) => {
        if (wanted.plain) await renders.text(format);
        if (wanted.gzip) await renders.gzip(format, this.keepsText(format));
        if (this.perSecond.scrapedLately(format, slot)) {
          const part = await this.perSecond.at(snapshot, format, slot);
          if (wanted.gzip) await part.gzip();
        }
      }),
    );
  }

  /** The body of one scrape as chunks that stay valid for good (gzip: one member per part). */
  async body(format: ExpositionFormat, compressed: boolean): Promise<Buffer[]> {
    return (await this.lease(format, compressed)).chunks;
  }

  /** The body of one scrape, valid until release(). */
  async lease(format: ExpositionFormat, compressed: boolean): Promise<Lease> {
    const wanted = this.requested.get(format) ?? { plain: false, gzip: false };
    if (compressed) wanted.gzip = true;
    else wanted.plain = true;
    this.requested.set(format, wanted);
    const snapshot = this.source.snapshot();
    const nowMs = this.source.now();
    const live = this.live.at(snapshot, format, this.perSecond.slotOf(nowMs));
    const renders = this.renders(snapshot);
    const perCycle = compressed ? await renders.gzip(format, this.keepsText(format)) : await renders.text(format);
    // Only the scrape-time part has pooled buffers: held until the response is done with its
    // text, or until its gzip is made.
    const scrapeTime = await this.perSecond.forScrape(snapshot, format, nowMs);
    scrapeTime.hold();
    let held = true;
    const release = () => {
      if (!held) return;
      held = false;
      scrapeTime.release();
    };
    try {
      const rest = [scrapeTime, await live];
      if (!compressed) return { chunks: [...perCycle, ...rest.flatMap((p) => p.text)], release };
      const zipped = await Promise.all(rest.map((p) => p.gzip()));
      release();
      return { chunks: [...perCycle, ...zipped.flat()], release() {} };
    } catch (err) {
      release();
      throw err;
    }
  }

  /**
   * Answer one scrape on `res`: the headers this body decides (Content-Type, Content-Encoding,
   * Content-Length, Vary), then the body in batches; its buffers are released when `res` closes.
   */
  async serve(res: ServerResponse, { format, gzip, head }: ServeOptions): Promise<void> {
    const { chunks, release } = await this.lease(format, gzip);
    // The client may have gone away already.
    if (res.destroyed) return release();
    res.once('close', release);
    res.setHeader('Content-Type', CONTENT_TYPES[format]);
    res.setHeader('Vary', 'Accept-Encoding');
    if (gzip) res.setHeader('Content-Encoding', 'gzip');
    res.setHeader('Content-Length', chunks.reduce((n, c) => n + c.length, 0));
    if (head) return void res.end();
    await writeBody(res, chunks, this.writeBudget);
  }

  /** Stop rendering ahead (the exporter is closing). */
  close(): void {
    this.perSecond.close();
  }
}
