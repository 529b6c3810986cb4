/**
 * What /metrics serves, built so a scrape costs about as much as sending bytes from memory:
 *
 *  - the per-plan families that only change when a cycle finishes are rendered once per
 *    snapshot, before the snapshot is published, in slices that yield to the event loop:
 *    each slice becomes a Buffer at once (no whole-exposition string is ever built), and the
 *    gzip form is one stream compressed on libuv's thread pool, not on the event loop; while
 *    no scraper asks for plain text, the text goes straight into that stream and is never
 *    held whole;
 *  - families whose values depend on the time of the scrape (lag) keep, per snapshot, each
 *    sample's labels and timestamp; their numbers are formatted at most once per
 *    `dynamicResolutionMs` (default 1 s), as of the start of that second, shared by the
 *    scrapes in it, and rendered ahead while scrapes come every second; they are written
 *    as bytes into pooled buffers that a later second reuses once no response still sends
 *    them (lease/release), so steady scraping allocates no new memory for them;
 *  - the exporter's own counters, histograms and process metrics come from prom-client
 *    (a few hundred lines, a few ms), rendered per scrape but shared by the scrapes that
 *    arrive within `liveReuseMs` (default 1 s) of one another for the same snapshot, and
 *    rendered ahead with the per-second families while scrapes come every second.
 *
 * Gzip bodies are concatenated gzip members, one per part, which HTTP clients (Go's
 * gzip.Reader used by Prometheus, curl, Node's zlib) read as one stream.
 */
import { once } from 'node:events';
import { type ZlibOptions, constants as zlibConstants, createGzip } from 'node:zlib';
import type { PrometheusContentType, Registry } from 'prom-client';
import type { Snapshot } from '../collector/snapshot.js';
import { type ExtraLabels, type FamilyDef, PLAN_FAMILIES, covers, elapsedSeconds } from './families.js';
import type { MetricsSource } from './labels.js';
import { renderLive } from './live.js';
import { type ExpositionFormat, escapeHelp, escapeLabelValue, formatValue } from './text.js';

export type { ExpositionFormat } from './text.js';
export { CONTENT_TYPES, formatValue } from './text.js';

/** Families reuse their label objects, so each is escaped once. */
const extraLabelCache = new WeakMap<ExtraLabels, string>();

function extraLabels(extra: ExtraLabels | undefined): string {
  if (!extra) return '';
  let out = extraLabelCache.get(extra);
  if (out === undefined) {
    out = '';
    for (const key in extra) out += `,${key}="${escapeLabelValue(extra[key]!)}"`;
    extraLabelCache.set(extra, out);
  }
  return out;
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));
/** Lag lines written between yields to the event loop (a few milliseconds of work). */
const RENDER_SLICE_LINES = 4_096;

/**
 * Buffers stay below glibc's initial mmap threshold (128 KiB): freeing a larger, mmap-backed
 * buffer raises that threshold, after which every large buffer comes from the malloc heap and
 * fragments it (measured: RSS +30 MiB over 20 cycles at 1,000 plans, none of it in the JS heap).
 */
export const CHUNK_BYTES = 64 * 1024;

/**
 * Render families for the plans of a snapshot, family by family (the format wants each
 * family's samples together), as Buffers of about CHUNK_BYTES, yielding to the event loop
 * every `sliceSamples` samples.
 */
/** Each plan's escaped label prefix, `{account="…",region="…",backup_plan_id="…"`, in snapshot order. */
export function labelPrefixes(snapshot: Snapshot | undefined): string[] {
  // join() makes one flat string; a template literal would keep a tree of ~7 string pieces per
  // plan alive as long as the snapshot (objects every full garbage collection walks).
  return (snapshot?.plans ?? []).map((p) =>
    ['{account="', escapeLabelValue(p.account), '",region="', escapeLabelValue(p.region), '",backup_plan_id="', escapeLabelValue(p.planId), '"'].join(''),
  );
}

function familyHeader(family: FamilyDef, format: ExpositionFormat): string {
  const familyName = format === 'openmetrics' && family.type === 'counter' ? family.name.replace(/_total$/, '') : family.name;
  return `# HELP ${familyName} ${escapeHelp(family.help)}\n# TYPE ${familyName} ${family.type}\n`;
}

/** Largest elapsed milliseconds written digit by digit (~278 years); beyond, formatValue. */
const FAST_ELAPSED_MAX_MS = 2 ** 43;

function writeDigits(out: Buffer, pos: number, n: number): number {
  let len = 1;
  for (let m = n; m >= 10; m = Math.floor(m / 10)) len++;
  for (let i = pos + len - 1; i >= pos; i--) {
    out[i] = 0x30 + (n % 10);
    n = Math.floor(n / 10);
  }
  return pos + len;
}

/**
 * Writes formatValue(elapsedSeconds(nowMs, sinceMs)) as latin1 bytes at `pos` and returns the
 * position after it, without making a string: whole milliseconds are seconds with at most
 * three decimals, which is exactly what String() prints for them below 2^43 ms (the
 * shortest decimal that reads back as the same double). Anything else goes through
 * formatValue. At most 32 bytes.
 */
export function writeElapsed(out: Buffer, pos: number, nowMs: number, sinceMs: number): number {
  const ms = nowMs - sinceMs;
  if (!Number.isInteger(ms) || ms >= FAST_ELAPSED_MAX_MS) return pos + out.write(formatValue(elapsedSeconds(nowMs, sinceMs)), pos, 'latin1');
  if (ms <= 0) {
    out[pos] = 0x30;
    return pos + 1;
  }
  const whole = Math.floor(ms / 1000);
  const frac = ms - whole * 1000;
  pos = writeDigits(out, pos, whole);
  if (frac !== 0) {
    const d2 = Math.floor(frac / 10) % 10;
    const d3 = frac % 10;
    out[pos++] = 0x2e;
    out[pos++] = 0x30 + Math.floor(frac / 100);
    if (d2 !== 0 || d3 !== 0) out[pos++] = 0x30 + d2;
    if (d3 !== 0) out[pos++] = 0x30 + d3;
  }
  return pos;
}

/** One `collectSince` family of a snapshot: every line head in one buffer, and each sample's `since`. */
interface SincePart {
  header: Buffer;
  /** `name{labels} ` of every sample, back to back (UTF-8). */
  heads: Buffer;
  /** Where each sample's head ends in `heads`. */
  headEnds: Uint32Array;
  since: Float64Array;
}

/**
 * The scrape-time families of one snapshot with everything but the numbers rendered: for
 * families with `collectSince`, each sample's line head and its `since`, held as one buffer
 * and two typed arrays (a handful of heap objects, not one string per sample); a refresh
 * copies the heads and writes the numbers as bytes straight into the output chunks, making
 * no strings. Other dynamic families render in full.
 */
class DynamicTemplate {
  private readonly parts: Array<SincePart | { family: FamilyDef }> = [];

  constructor(
    families: readonly FamilyDef[],
    private readonly snapshot: Snapshot | undefined,
    private readonly format: ExpositionFormat,
    private readonly prefixes: readonly string[],
  ) {
    const plans = snapshot?.plans ?? [];
    for (const family of families) {
      if (!family.collectSince) {
        this.parts.push({ family });
        continue;
      }
      const heads: string[] = [];
      const since: number[] = [];
      for (let i = 0; i < plans.length; i++) {
        const plan = plans[i]!;
        if (!covers(family, plan)) continue;
        const prefix = prefixes[i]!;
        family.collectSince(plan, (sinceMs, extra) => {
          heads.push(`${family.name}${prefix}${extraLabels(extra)}} `);
          since.push(sinceMs);
        });
      }
      const headEnds = new Uint32Array(heads.length);
      let end = 0;
      for (let i = 0; i < heads.length; i++) headEnds[i] = end += Buffer.byteLength(heads[i]!, 'utf8');
      this.parts.push({ header: Buffer.from(familyHeader(family, format), 'utf8'), heads: Buffer.from(heads.join(''), 'utf8'), headEnds, since: Float64Array.from(since) });
    }
  }

  /**
   * The text as of nowMs. Buffers of CHUNK_BYTES come from `alloc` and are listed in `bases`
   * (the caller may recycle them once nothing reads the text any more).
   */
  async render(nowMs: number, alloc: () => Buffer = () => Buffer.allocUnsafe(CHUNK_BYTES), bases: Buffer[] = []): Promise<Buffer[]> {
    const chunks: Buffer[] = [];
    const fresh = () => {
      const buffer = alloc();
      bases.push(buffer);
      return buffer;
    };
    let out = fresh();
    let pos = 0;
    const room = (bytes: number) => {
      if (pos + bytes <= out.length) return;
      if (pos > 0) chunks.push(out.subarray(0, pos));
      // A head longer than a chunk (label values of ~64 KiB) gets a buffer of its own.
      out = bytes <= CHUNK_BYTES ? fresh() : Buffer.allocUnsafe(bytes);
      pos = 0;
    };
    let lines = 0;
    for (const part of this.parts) {
      if ('family' in part) {
        if (pos > 0) chunks.push(out.subarray(0, pos));
        out = fresh();
        pos = 0;
        chunks.push(...(await renderFamilies([part.family], this.snapshot, nowMs, this.format, undefined, this.prefixes)));
        continue;
      }
      const { header, heads, headEnds, since } = part;
      room(header.length);
      pos += header.copy(out, pos);
      let start = 0;
      for (let i = 0; i < headEnds.length; i++) {
        // ~1.5 µs a line: 30,000 lag lines at 5,000 plans would hold the event loop for ~40 ms.
        if (++lines % RENDER_SLICE_LINES === 0) await yieldToEventLoop();
        const end = headEnds[i]!;
        room(end - start + 33);
        pos += heads.copy(out, pos, start, end);
        pos = writeElapsed(out, pos, nowMs, since[i]!);
        out[pos++] = 0x0a;
        start = end;
      }
    }
    if (pos > 0) chunks.push(out.subarray(0, pos));
    return chunks;
  }
}

export async function renderFamilies(
  families: readonly FamilyDef[],
  snapshot: Snapshot | undefined,
  nowMs: number,
  format: ExpositionFormat,
  sliceSamples = 5_000,
  /** labelPrefixes(snapshot), when the caller keeps them between renders. */
  prefixes: readonly string[] = labelPrefixes(snapshot),
  /** Takes each chunk as it is made (and the result is empty): a consumer that streams them on holds few at a time. */
  sink?: (chunk: Buffer) => void | Promise<void>,
): Promise<Buffer[]> {
  const plans = snapshot?.plans ?? [];
  const chunks: Buffer[] = [];
  const emit = sink ?? ((chunk: Buffer) => void chunks.push(chunk));
  let body = '';
  let samples = 0;
  for (const family of families) {
    body += familyHeader(family, format);
    for (let i = 0; i < plans.length; i++) {
      const plan = plans[i]!;
      if (!covers(family, plan)) continue;
      const prefix = prefixes[i]!;
      family.collect(plan, nowMs, (value, extra) => {
        body += `${family.name}${prefix}${extraLabels(extra)}} ${formatValue(value)}\n`;
        samples += 1;
      });
      if (body.length >= CHUNK_BYTES - 2048) {
        const chunk = Buffer.from(body, 'utf8');
        body = '';
        await emit(chunk);
      }
      if (samples >= sliceSamples) {
        samples = 0;
        await yieldToEventLoop();
      }
    }
  }
  if (body) await emit(Buffer.from(body, 'utf8'));
  return chunks;
}

/**
 * One gzip stream over the chunks, compressed on the thread pool, in zlib's 16 KiB output
 * chunks. The per-cycle part uses zlib's default level; parts rendered every second (lag, the
 * exporter's own metrics) use level 1, which is several times faster for ~15% more bytes.
 */
export function gzipChunks(chunks: readonly Buffer[], level: number = zlibConstants.Z_DEFAULT_COMPRESSION, options: ZlibOptions = {}): Promise<Buffer[]> {
  return gzipStream(
    async (write) => {
      for (const chunk of chunks) await write(chunk);
    },
    level,
    options,
  );
}

/**
 * zlib memory for parts of a few dozen KiB (the exporter's own metrics, gzipped up to ten
 * times a second): a 4 KiB window and small hash tables, ~24 KiB instead of ~260 KiB per
 * stream. Node reports zlib's memory to V8 as external memory, which counts towards the
 * old-generation limit (the lag buffers, not this, were what started full GCs: see chunkPool).
 */
export const SMALL_PART_ZLIB: ZlibOptions = { windowBits: 12, memLevel: 4 };

/** gzip of what `produce` writes, taken as it comes (a write waits while zlib is behind). */
export async function gzipStream(
  produce: (write: (chunk: Buffer) => Promise<void>) => Promise<unknown>,
  level: number = zlibConstants.Z_DEFAULT_COMPRESSION,
  options: ZlibOptions = {},
): Promise<Buffer[]> {
  const zip = createGzip({ ...options, level });
  const out: Buffer[] = [];
  zip.on('data', (data: Buffer) => out.push(data));
  const ended = once(zip, 'end');
  try {
    await produce(async (chunk) => {
      if (!zip.write(chunk)) await once(zip, 'drain');
    });
  } catch (err) {
    zip.destroy();
    throw err;
  }
  zip.end();
  await ended;
  return out;
}

/** The per-cycle part of one snapshot in one format. */
interface StaticEntry {
  text?: Promise<Buffer[]>;
  gzip?: Promise<Buffer[]>;
}

interface Rendered {
  text: Buffer[];
  /** Gzip form, made on first use. */
  gzip(): Promise<Buffer[]>;
  /** Someone reads `text` (a response being written): its buffers must not be reused. */
  hold(): void;
  release(): void;
  /** Out of the cache: once nobody holds it, its pooled buffers go back to the pool. */
  evict(): void;
}

/**
 * Text rendered per scrape or per second, and its fast gzip on first use. `recycle` takes the
 * pooled buffers behind `text` back once the part is evicted and no reader holds it.
 */
function rendered(text: Buffer[], zlibOptions: ZlibOptions = {}, recycle?: () => void): Rendered {
  let zipped: Promise<Buffer[]> | undefined;
  let holders = 0;
  let evicted = false;
  const maybeRecycle = () => {
    if (evicted && holders === 0 && recycle) {
      recycle();
      recycle = undefined;
    }
  };
  const part: Rendered = {
    text,
    gzip() {
      if (!zipped) {
        // zlib reads the text on the thread pool: held until it has.
        part.hold();
        zipped = gzipChunks(text, zlibConstants.Z_BEST_SPEED, zlibOptions);
        zipped.then(part.release, part.release);
      }
      return zipped;
    },
    hold() {
      holders += 1;
    },
    release() {
      holders -= 1;
      maybeRecycle();
    },
    evict() {
      evicted = true;
      maybeRecycle();
    },
  };
  return part;
}

/** Most pooled CHUNK_BYTES buffers kept for the per-second renderings (2 MiB). */
const POOL_MAX_BUFFERS = 32;

export interface ExpositionOptions {
  families?: readonly FamilyDef[];
  /** How long a rendering of the scrape-time families is reused. */
  dynamicResolutionMs?: number;
  /**
   * How long (real time) one rendering of the live registry is shared by the scrapes that
   * arrive meanwhile, for the same snapshot (default 1 s, as the per-second families). A
   * rendering holds the event loop for a few ms (prom-client's process metrics read
   * process.memoryUsage(), which walks the heap's pages, and /proc): at 100 plans and ~700
   * scrapes a second, rendering every 100 ms was ~6% of the exporter's CPU in a profile, and
   * whichever scrape triggered it waited for it. While scrapes come every second it is also
   * rendered ahead, with the next second's families, so no scrape waits for it.
   */
  liveReuseMs?: number;
}

export class Exposition {
  private readonly staticFamilies: readonly FamilyDef[];
  private readonly dynamicFamilies: readonly FamilyDef[];
  private readonly dynamicResolutionMs: number;
  private readonly liveReuseMs: number;
  private staticCache = new WeakMap<Snapshot, Partial<Record<ExpositionFormat, StaticEntry>>>();

  constructor(
    private readonly source: MetricsSource,
    /** prom-client registry of the exporter's own and process metrics (see liveReuseMs). */
    private readonly live: Registry<PrometheusContentType>,
    options: ExpositionOptions = {},
  ) {
    const families = options.families ?? PLAN_FAMILIES;
    this.staticFamilies = families.filter((f) => !f.dynamic);
    this.dynamicFamilies = families.filter((f) => f.dynamic);
    this.dynamicResolutionMs = options.dynamicResolutionMs ?? 1000;
    this.liveReuseMs = options.liveReuseMs ?? 1000;
  }

  /** Formats and encodings scrapers have asked for: only those are rendered ahead of time. */
  private readonly requested = new Map<ExpositionFormat, { plain: boolean; gzip: boolean }>();

  /**
   * Render the per-cycle part of a new snapshot in the forms scrapers have asked for before
   * it is published, so no scrape waits for it.
   */
  prepare(snapshot: Snapshot): Promise<unknown> {
    const slot = Math.floor(this.source.now() / this.dynamicResolutionMs);
    return Promise.all(
      [...this.requested].map(async ([format, wanted]) => {
        if (wanted.plain) await this.staticText(snapshot, format);
        if (wanted.gzip) await this.staticGzip(snapshot, format);
        // Scraped within the last second or so: the scrape-time part too.
        const last = this.lastSlot.get(format);
        if (last !== undefined && last >= slot - 1) {
          const part = await this.dynamicAt(snapshot, format, slot);
          if (wanted.gzip) await part.gzip();
        }
      }),
    );
  }

  private readonly prefixCache = new WeakMap<Snapshot, string[]>();

  /** Label prefixes of a snapshot, escaped once and shared by every render of it. */
  private prefixes(snapshot: Snapshot | undefined): string[] {
    if (!snapshot) return [];
    let prefixes = this.prefixCache.get(snapshot);
    if (!prefixes) this.prefixCache.set(snapshot, (prefixes = labelPrefixes(snapshot)));
    return prefixes;
  }

  private staticEntry(snapshot: Snapshot, format: ExpositionFormat): StaticEntry {
    let entry = this.staticCache.get(snapshot);
    if (!entry) this.staticCache.set(snapshot, (entry = {}));
    return (entry[format] ??= {});
  }

  private staticText(snapshot: Snapshot | undefined, format: ExpositionFormat): Promise<Buffer[]> {
    if (!snapshot) return Promise.resolve([]);
    const entry = this.staticEntry(snapshot, format);
    entry.text ??= renderFamilies(this.staticFamilies, snapshot, snapshot.completedAtMs, format, undefined, this.prefixes(snapshot));
    return entry.text;
  }

  /**
   * The gzip form, joined into one buffer (zlib hands it over in 16 KiB pieces: ~130 at 5,000
   * plans, which every gzip scrape would otherwise pass through the stream and writev machinery
   * again; joined once per cycle). The per-second parts stay in zlib's pieces: joining those
   * would allocate their size again every second, and new Buffers count against V8's
   * old-generation limit (see chunkPool). Unless some scraper has asked for plain text in this
   * format, the text is let go once compressed: Prometheus always asks for gzip, and at 5,000
   * plans the text is ~36 MiB against ~2 MiB of gzip. A later plain scrape renders the text
   * again (and keeps it).
   */
  private staticGzip(snapshot: Snapshot | undefined, format: ExpositionFormat): Promise<Buffer[]> {
    if (!snapshot) return gzipChunks([]);
    const entry = this.staticEntry(snapshot, format);
    entry.gzip ??= (async (): Promise<Buffer[]> => {
      if (entry.text === undefined && !this.requested.get(format)?.plain) {
        // Nobody reads the text: render it straight into the gzip stream, a chunk at a time,
        // instead of holding all of it (~36 MiB at 5,000 plans) until it is compressed.
        return [
          Buffer.concat(
            await gzipStream((write) =>
              renderFamilies(this.staticFamilies, snapshot, snapshot.completedAtMs, format, undefined, this.prefixes(snapshot), write),
            ),
          ),
        ];
      }
      const zipped = await gzipChunks(await this.staticText(snapshot, format));
      if (!this.requested.get(format)?.plain) delete entry.text;
      return [Buffer.concat(zipped)];
    })();
    return entry.gzip;
  }

  private readonly templates = new WeakMap<Snapshot, Partial<Record<ExpositionFormat, DynamicTemplate>>>();

  private template(snapshot: Snapshot | undefined, format: ExpositionFormat): DynamicTemplate {
    if (!snapshot) return new DynamicTemplate(this.dynamicFamilies, undefined, format, []);
    let byFormat = this.templates.get(snapshot);
    if (!byFormat) this.templates.set(snapshot, (byFormat = {}));
    return (byFormat[format] ??= new DynamicTemplate(this.dynamicFamilies, snapshot, format, this.prefixes(snapshot)));
  }

  /**
   * CHUNK_BYTES buffers of evicted per-second renderings that no response still writes, reused
   * by the next rendering. Fresh buffers would be ~1 MiB of new ArrayBuffers a second at 5,000
   * plans while scraped; V8 counts external memory allocated since the last full GC against
   * the old-generation limit, and that alone started a full GC every ~6 s (pauses of 10-40 ms).
   */
  private readonly chunkPool: Buffer[] = [];
  private readonly allocChunk = (): Buffer => this.chunkPool.pop() ?? Buffer.allocUnsafeSlow(CHUNK_BYTES);

  private recycleChunks(bases: Buffer[]): void {
    for (const buffer of bases) if (this.chunkPool.length < POOL_MAX_BUFFERS) this.chunkPool.push(buffer);
    bases.length = 0;
  }

  /** Renderings of the scrape-time families by snapshot, format and second (the few newest). */
  private readonly dynamicCache = new Map<string, Promise<Rendered>>();
  /** Per format, the second of the last scrape. */
  private readonly lastSlot = new Map<ExpositionFormat, number>();
  private readonly prerenders = new Map<ExpositionFormat, NodeJS.Timeout>();
  /** Per format, the second the live registry was last rendered ahead for. */
  private readonly liveAheadSlot = new Map<ExpositionFormat, number>();

  /** The scrape-time families as of the start of second `slot`. */
  private dynamicAt(snapshot: Snapshot | undefined, format: ExpositionFormat, slot: number): Promise<Rendered> {
    const key = `${snapshot?.cycle ?? -1}:${snapshot?.completedAtMs ?? 0}:${format}:${slot}`;
    let value = this.dynamicCache.get(key);
    if (!value) {
      const bases: Buffer[] = [];
      value = this.template(snapshot, format)
        .render(slot * this.dynamicResolutionMs, this.allocChunk, bases)
        .then((text) => rendered(text, {}, () => this.recycleChunks(bases)));
      this.dynamicCache.set(key, value);
      for (const [oldKey, old] of this.dynamicCache) {
        if (this.dynamicCache.size <= 4) break;
        this.dynamicCache.delete(oldKey);
        old.then((part) => part.evict()).catch(() => undefined);
      }
    }
    return value;
  }

  private dynamicPart(snapshot: Snapshot | undefined, format: ExpositionFormat, nowMs: number): Promise<Rendered> {
    const slot = Math.floor(nowMs / this.dynamicResolutionMs);
    const part = this.dynamicAt(snapshot, format, slot);
    const previous = this.lastSlot.get(format);
    this.lastSlot.set(format, slot);
    // Scraped more than once a second: render the next second's values ahead of time.
    if (previous === slot || previous === slot - 1) this.prerender(format, slot + 1, nowMs);
    return part;
  }

  /**
   * Render second `slot` (and its gzip, if scrapers ask for gzip) shortly before it starts,
   * so the first scrape in it finds it ready. Values are as of the start of the second:
   * known in advance, and never ahead of the time of the scrape.
   */
  private prerender(format: ExpositionFormat, slot: number, nowMs: number): void {
    if (this.prerenders.has(format)) return;
    const lead = Math.min(200, this.dynamicResolutionMs / 5);
    const delay = Math.min(this.dynamicResolutionMs, Math.max(0, slot * this.dynamicResolutionMs - lead - nowMs));
    const timer = setTimeout(() => {
      this.prerenders.delete(format);
      const snapshot = this.source.snapshot();
      const gzip = this.requested.get(format)?.gzip;
      const ahead = (part: Promise<Rendered>) => part.then((p) => (gzip ? p.gzip() : undefined)).catch(() => undefined);
      ahead(this.dynamicAt(snapshot, format, slot));
      // Once per second: in a second's last 200 ms every scrape schedules this again at once.
      if (this.liveAheadSlot.get(format) !== slot) {
        this.liveAheadSlot.set(format, slot);
        ahead(this.livePart(snapshot, format, slot, true));
      }
    }, delay);
    timer.unref();
    this.prerenders.set(format, timer);
  }

  /** Stop rendering ahead (the exporter is closing). */
  close(): void {
    for (const timer of this.prerenders.values()) clearTimeout(timer);
    this.prerenders.clear();
  }

  private readonly liveCache = new Map<ExpositionFormat, { snapshot: Snapshot | undefined; atMs: number; slot: number; part: Promise<Rendered> }>();

  /**
   * The live registry's text (exporter and process metrics) for second `slot`: shared by the
   * scrapes of that second, and by any within liveReuseMs (real time) of its rendering.
   * `fresh` renders anew (ahead of `slot`, from the prerender timer).
   */
  private livePart(snapshot: Snapshot | undefined, format: ExpositionFormat, slot: number, fresh = false): Promise<Rendered> {
    const atMs = performance.now();
    const hit = this.liveCache.get(format);
    if (!fresh && hit && hit.snapshot === snapshot && (hit.slot === slot || atMs - hit.atMs < this.liveReuseMs)) return hit.part;
    const part = (async () => {
      const text = await renderLive(this.live, format);
      return rendered([Buffer.from(format === 'openmetrics' ? `${text}# EOF\n` : text, 'utf8')], SMALL_PART_ZLIB);
    })();
    this.liveCache.set(format, { snapshot, atMs, slot, part });
    part.catch(() => {
      if (this.liveCache.get(format)?.part === part) this.liveCache.delete(format);
    });
    return part;
  }

  /**
   * The body of one scrape as chunks to write in order (gzip: one gzip member per part). The
   * chunks stay valid for good; a caller that writes them out over time should use lease().
   */
  async body(format: ExpositionFormat, compressed: boolean): Promise<Buffer[]> {
    return (await this.lease(format, compressed)).chunks;
  }

  /**
   * The body of one scrape, valid until release(): a server calls it once the response is
   * done with the bytes (finished or aborted), so the buffers can serve a later second.
   */
  async lease(format: ExpositionFormat, compressed: boolean): Promise<{ chunks: Buffer[]; release(): void }> {
    const wanted = this.requested.get(format) ?? { plain: false, gzip: false };
    if (compressed) wanted.gzip = true;
    else wanted.plain = true;
    this.requested.set(format, wanted);
    const snapshot = this.source.snapshot();
    const nowMs = this.source.now();
    const live = this.livePart(snapshot, format, Math.floor(nowMs / this.dynamicResolutionMs));
    const staticBody = compressed ? await this.staticGzip(snapshot, format) : await this.staticText(snapshot, format);
    // Held from the moment it is had (only the per-second part has pooled buffers): until the
    // response is done with its text, or until its gzip is made.
    const dynamic = await this.dynamicPart(snapshot, format, nowMs);
    dynamic.hold();
    let held = true;
    const release = () => {
      if (!held) return;
      held = false;
      dynamic.release();
    };
    try {
      const rest = [dynamic, await live];
      if (!compressed) return { chunks: [...staticBody, ...rest.flatMap((p) => p.text)], release };
      const zipped = await Promise.all(rest.map((p) => p.gzip()));
      release();
      return { chunks: [...staticBody, ...zipped.flat()], release() {} };
    } catch (err) {
      release();
      throw err;
    }
  }
}
