/**
 * The metrics: per-plan families defined once in families.ts and served by the snapshot
 * renderer in exposition.ts; the exporter's own families and prom-client's process and
 * Node.js metrics in a small prom-client registry rendered about once a second (ahead while scraped every
 * second). Nothing here calls DBS.
 */
import { Registry, collectDefaultMetrics } from 'prom-client';
import { type BuildInfo, type ExporterMetrics, registerExporterMetrics } from './exporter-metrics.js';
import { Exposition, type ExpositionFormat } from './exposition.js';
import { registerFamilies } from './families.js';
import type { MetricsSource } from './labels.js';

export type { ExporterMetrics, BuildInfo } from './exporter-metrics.js';
export type { MetricsSource } from './labels.js';
export { Exposition, type ExpositionFormat, type ServeOptions } from './exposition.js';
export { CONTENT_TYPES } from './text.js';
export { PLAN_FAMILIES, type FamilyDef } from './families.js';

/**
 * prom-client's default gauges named like counters, which `promtool check metrics` rejects; each is
 * the sum over `type` of the family without `_total`, still served.
 */
const GAUGES_NAMED_LIKE_COUNTERS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

export interface ExporterRegistry {
  /** What /metrics serves. */
  exposition: Exposition;
  /** The exporter's own and process metrics (prom-client), part of every scrape. */
  live: Registry;
  /**
   * Every family as prom-client collectors, rendered from scratch on each call: the
   * straightforward way, kept for comparison (bench/) and for embedding.
   */
  registry: Registry;
  exporter: ExporterMetrics;
  /** One whole scrape as text (what /metrics would answer now). */
  render(format?: ExpositionFormat): Promise<string>;
}

export function createRegistry(source: MetricsSource, build: BuildInfo, options: { processMetrics?: boolean } = {}): ExporterRegistry {
  const live = new Registry();
  const exporter = registerExporterMetrics(live, source, build);
  if (options.processMetrics ?? true) {
    collectDefaultMetrics({ register: live });
    for (const name of GAUGES_NAMED_LIKE_COUNTERS) live.removeSingleMetric(name);
  }
  const plans = new Registry();
  registerFamilies(plans, source);
  const registry = Registry.merge([plans, live]);
  const exposition = new Exposition(source, live);
  return {
    exposition,
    live,
    registry,
    exporter,
    async render(format = 'text') {
      return Buffer.concat(await exposition.body(format, false)).toString('utf8');
    },
  };
}
