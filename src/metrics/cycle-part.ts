/**
 * What is rendered once per snapshot: the label prefixes, the per-cycle families (text and gzip,
 * per format), and the scrape-time template. Held as long as the snapshot is.
 */
import type { Snapshot } from '../collector/snapshot.js';
import type { FamilyDef } from './families.js';
import { gzipChunks, gzipStream } from './gzip.js';
import { renderFamilies } from './render-families.js';
import { ScrapeTimeTemplate } from './scrape-time.js';
import { type ExpositionFormat, labelPrefixes } from './text.js';

export interface FamilySplit {
  /** Change only when a cycle finishes. */
  perCycle: readonly FamilyDef[];
  /** Depend on the time of the scrape. */
  scrapeTime: readonly FamilyDef[];
}

interface FormatEntry {
  text?: Promise<Buffer[]>;
  gzip?: Promise<Buffer[]>;
  template?: ScrapeTimeTemplate;
}

export class SnapshotRenders {
  private prefixList: string[] | undefined;
  private readonly byFormat: Partial<Record<ExpositionFormat, FormatEntry>> = {};

  constructor(
    private readonly snapshot: Snapshot | undefined,
    private readonly families: FamilySplit,
  ) {}

  /** Label prefixes, escaped once and shared by every render of the snapshot. */
  private get prefixes(): string[] {
    return (this.prefixList ??= labelPrefixes(this.snapshot));
  }

  private entry(format: ExpositionFormat): FormatEntry {
    return (this.byFormat[format] ??= {});
  }

  private render(format: ExpositionFormat, sink?: (chunk: Buffer) => Promise<void>): Promise<Buffer[]> {
    const snapshot = this.snapshot!;
    return renderFamilies(this.families.perCycle, snapshot, snapshot.completedAtMs, format, undefined, this.prefixes, sink);
  }

  text(format: ExpositionFormat): Promise<Buffer[]> {
    if (!this.snapshot) return Promise.resolve([]);
    const entry = this.entry(format);
    return (entry.text ??= this.render(format));
  }

  /**
   * The gzip form, joined into one buffer once per cycle. Unless `keepText()` (some scraper
   * asked for plain text in this format), the text is not kept. Why: docs/design/exposition.md#per-cycle-part
   */
  gzip(format: ExpositionFormat, keepText: () => boolean): Promise<Buffer[]> {
    if (!this.snapshot) return gzipChunks([]);
    const entry = this.entry(format);
    return (entry.gzip ??= this.zip(format, entry, keepText));
  }

  private async zip(format: ExpositionFormat, entry: FormatEntry, keepText: () => boolean): Promise<Buffer[]> {
    // Nobody reads the text: rendered straight into the gzip stream, a chunk at a time.
    if (entry.text === undefined && !keepText()) return [Buffer.concat(await gzipStream((write) => this.render(format, write)))];
    const zipped = await gzipChunks(await this.text(format));
    if (!keepText()) delete entry.text;
    return [Buffer.concat(zipped)];
  }

  template(format: ExpositionFormat): ScrapeTimeTemplate {
    const entry = this.entry(format);
    return (entry.template ??= new ScrapeTimeTemplate(this.families.scrapeTime, this.snapshot, format, this.prefixes));
  }
}
