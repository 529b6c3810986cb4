/**
 * The families whose values depend on the time of the scrape (lag), for one snapshot and
 * format: everything but the numbers rendered once, the numbers written as bytes per second.
 */
import type { Snapshot } from '../collector/snapshot.js';
import { ELAPSED_MAX_BYTES, writeElapsed } from './elapsed.js';
import { type FamilyDef, covers } from './families.js';
import { CHUNK_BYTES } from './pool.js';
import { renderFamilies, yieldToEventLoop } from './render-families.js';
import { type ExpositionFormat, extraLabels, familyHeader } from './text.js';

/** Lag lines written between yields, so a large fleet's lag never holds the event loop long. Why: docs/design/exposition.md#scrape-time-part-lag */
const RENDER_SLICE_LINES = 4_096;

/** One `collectSince` family of a snapshot: every line head in one buffer, and each sample's `since`. */
interface SincePart {
  header: Buffer;
  /** `name{labels} ` of every sample, back to back (UTF-8). */
  heads: Buffer;
  /** Where each sample's head ends in `heads`. */
  headEnds: Uint32Array;
  since: Float64Array;
}

function sincePart(family: FamilyDef, snapshot: Snapshot | undefined, format: ExpositionFormat, prefixes: readonly string[]): SincePart {
  const plans = snapshot?.plans ?? [];
  const heads: string[] = [];
  const since: number[] = [];
  for (let i = 0; i < plans.length; i++) {
    const plan = plans[i]!;
    if (!covers(family, plan)) continue;
    const prefix = prefixes[i]!;
    family.collectSince!(plan, (sinceMs, extra) => {
      heads.push(`${family.name}${prefix}${extraLabels(extra)}} `);
      since.push(sinceMs);
    });
  }
  const headEnds = new Uint32Array(heads.length);
  let end = 0;
  for (let i = 0; i < heads.length; i++) headEnds[i] = end += Buffer.byteLength(heads[i]!, 'utf8');
  return { header: Buffer.from(familyHeader(family, format), 'utf8'), heads: Buffer.from(heads.join(''), 'utf8'), headEnds, since: Float64Array.from(since) };
}

/** Bytes written into CHUNK_BYTES buffers from `fresh`, cut into chunks. */
class ChunkWriter {
  readonly chunks: Buffer[] = [];
  private out: Buffer;
  private pos = 0;

  constructor(private readonly fresh: () => Buffer) {
    this.out = fresh();
  }

  /** Room for `bytes` more in the current buffer. */
  room(bytes: number): void {
    if (this.pos + bytes <= this.out.length) return;
    if (this.pos > 0) this.chunks.push(this.out.subarray(0, this.pos));
    // A head longer than a chunk (label values of ~64 KiB) gets a buffer of its own.
    this.out = bytes <= CHUNK_BYTES ? this.fresh() : Buffer.allocUnsafe(bytes);
    this.pos = 0;
  }

  /** Chunks made elsewhere, in order after what was written so far. */
  append(chunks: readonly Buffer[]): void {
    this.end();
    this.chunks.push(...chunks);
    this.out = this.fresh();
    this.pos = 0;
  }

  copy(source: Buffer, start = 0, end = source.length): void {
    this.pos += source.copy(this.out, this.pos, start, end);
  }

  line(nowMs: number, sinceMs: number): void {
    this.pos = writeElapsed(this.out, this.pos, nowMs, sinceMs);
    this.out[this.pos++] = 0x0a;
  }

  end(): Buffer[] {
    if (this.pos > 0) this.chunks.push(this.out.subarray(0, this.pos));
    this.pos = 0;
    return this.chunks;
  }
}

/**
 * The scrape-time families of one snapshot: for families with `collectSince`, each sample's
 * line head and its `since`, held as one buffer and two typed arrays (a handful of heap objects,
 * not one string per sample). Other scrape-time families render in full.
 */
export class ScrapeTimeTemplate {
  private readonly parts: Array<SincePart | { family: FamilyDef }>;

  constructor(
    families: readonly FamilyDef[],
    private readonly snapshot: Snapshot | undefined,
    private readonly format: ExpositionFormat,
    private readonly prefixes: readonly string[],
  ) {
    this.parts = families.map((family) => (family.collectSince ? sincePart(family, snapshot, format, prefixes) : { family }));
  }

  /**
   * The text as of nowMs. Buffers of CHUNK_BYTES come from `alloc` and are listed in `bases`
   * (the caller may recycle them once nothing reads the text any more).
   */
  async render(nowMs: number, alloc: () => Buffer = () => Buffer.allocUnsafe(CHUNK_BYTES), bases: Buffer[] = []): Promise<Buffer[]> {
    const writer = new ChunkWriter(() => {
      const buffer = alloc();
      bases.push(buffer);
      return buffer;
    });
    let lines = 0;
    for (const part of this.parts) {
      if ('family' in part) {
        writer.append(await renderFamilies([part.family], this.snapshot, nowMs, this.format, undefined, this.prefixes));
        continue;
      }
      const { header, heads, headEnds, since } = part;
      writer.room(header.length);
      writer.copy(header);
      let start = 0;
      for (let i = 0; i < headEnds.length; i++) {
        if (++lines % RENDER_SLICE_LINES === 0) await yieldToEventLoop();
        const end = headEnds[i]!;
        writer.room(end - start + ELAPSED_MAX_BYTES + 1);
        writer.copy(heads, start, end);
        writer.line(nowMs, since[i]!);
        start = end;
      }
    }
    return writer.end();
  }
}
