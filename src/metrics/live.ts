/**
 * The live registry (the exporter's own metrics and prom-client's process metrics) as text,
 * from the metrics' values: prom-client's OpenMetrics renderer drops `_total` from counter
 * objects in place, which later plain-text scrapes would inherit.
 */
import type { Registry } from 'prom-client';
import type { Snapshot } from '../collector/snapshot.js';
import { SMALL_PART_ZLIB } from './gzip.js';
import { type Rendered, rendered } from './pool.js';
import { type ExpositionFormat, escapeHelp, escapeLabelValue, formatValue } from './text.js';

interface LiveValue {
  value: number;
  labels: Record<string, string | number | undefined>;
  metricName?: string;
}

interface LiveFamily {
  name: string;
  help: string;
  /** counter, gauge, histogram, summary */
  type: string;
  values: LiveValue[];
}

/** prom-client's metric objects all have get(); its typings only say so for each class. */
interface Readable {
  name: string;
  get(): Promise<LiveFamily> | LiveFamily;
}

function labelText(labels: LiveValue['labels']): string {
  let out = '';
  for (const key in labels) {
    const value = labels[key];
    if (value === undefined) continue;
    // Numbers are histogram bounds (`le`), written as Prometheus reads floats.
    out += `${out ? ',' : ''}${key}="${typeof value === 'number' ? formatValue(value) : escapeLabelValue(value)}"`;
  }
  return out ? `{${out}}` : '';
}

function familyText(family: LiveFamily, format: ExpositionFormat): string {
  // OpenMetrics names a counter family without `_total` and its samples with it.
  const counterOm = format === 'openmetrics' && family.type === 'counter';
  const familyName = counterOm ? family.name.replace(/_total$/, '') : family.name;
  let out = `# HELP ${familyName} ${escapeHelp(family.help)}\n# TYPE ${familyName} ${family.type}\n`;
  for (const v of family.values) {
    const sampleName = v.metricName ?? (counterOm ? `${familyName}_total` : family.name);
    out += `${sampleName}${labelText(v.labels)} ${formatValue(v.value)}\n`;
  }
  return out;
}

/** The registry's families as text in `format`; no `# EOF` (the caller ends the body). */
export async function renderLive(registry: Registry, format: ExpositionFormat): Promise<string> {
  const metrics = registry.getMetricsAsArray() as unknown as Readable[];
  const families = await Promise.all(metrics.map((m) => m.get()));
  return families.map((f) => familyText(f, format)).join('');
}

/**
 * The live registry's text per format, for second `slot`: shared by the scrapes of that second,
 * and by any within `reuseMs` (real time) of its rendering, for the same snapshot: a rendering
 * is not cheap. Why: docs/design/exposition.md#live-metrics
 */
export class LiveRenders {
  private readonly cache = new Map<ExpositionFormat, { snapshot: Snapshot | undefined; atMs: number; slot: number; part: Promise<Rendered> }>();

  constructor(
    private readonly registry: Registry,
    private readonly reuseMs: number,
  ) {}

  /** `fresh` renders anew (ahead of `slot`, from the render-ahead timer). */
  at(snapshot: Snapshot | undefined, format: ExpositionFormat, slot: number, fresh = false): Promise<Rendered> {
    const atMs = performance.now();
    const hit = this.cache.get(format);
    if (!fresh && hit && hit.snapshot === snapshot && (hit.slot === slot || atMs - hit.atMs < this.reuseMs)) return hit.part;
    const part = (async () => {
      const text = await renderLive(this.registry, format);
      return rendered([Buffer.from(format === 'openmetrics' ? `${text}# EOF\n` : text, 'utf8')], SMALL_PART_ZLIB);
    })();
    this.cache.set(format, { snapshot, atMs, slot, part });
    part.catch(() => {
      if (this.cache.get(format)?.part === part) this.cache.delete(format);
    });
    return part;
  }
}
