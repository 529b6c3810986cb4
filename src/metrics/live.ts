/**
 * The live registry (the exporter's own metrics and prom-client's process metrics) as text,
 * in either format, from the metrics' values rather than prom-client's own renderer:
 * prom-client's OpenMetrics rendering renames counters in place (drops `_total` from the
 * metric object), so once Prometheus negotiated OpenMetrics every later plain-text scrape
 * lost the suffix too. Reading values leaves the metric objects untouched.
 */
import type { Registry } from 'prom-client';
import { type ExpositionFormat, escapeHelp, escapeLabelValue, formatValue } from './text.js';

/**
 * prom-client's default metrics that are gauges named like counters, which `promtool check
 * metrics` rejects; each is the sum over `type` of the family without `_total`, still served.
 */
export const OMITTED_DEFAULT_METRICS: ReadonlySet<string> = new Set(['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']);

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
  const families = await Promise.all(metrics.filter((m) => !OMITTED_DEFAULT_METRICS.has(m.name)).map((m) => m.get()));
  return families.map((f) => familyText(f, format)).join('');
}
