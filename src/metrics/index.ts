/**
 * The metrics registry: one file per family group (plan, jobs, exporter), all reading the
 * collector's latest finished snapshot at scrape time, plus prom-client's process and
 * Node.js metrics. Nothing here calls DBS.
 */
import { Registry, collectDefaultMetrics } from 'prom-client';
import { type BuildInfo, type ExporterMetrics, registerExporterMetrics } from './exporter.js';
import { registerJobMetrics } from './jobs.js';
import type { MetricsSource } from './labels.js';
import { registerPlanMetrics } from './plan.js';

export type { ExporterMetrics, BuildInfo } from './exporter.js';
export type { MetricsSource } from './labels.js';

export interface ExporterRegistry {
  registry: Registry;
  exporter: ExporterMetrics;
}

export function createRegistry(source: MetricsSource, build: BuildInfo, options: { processMetrics?: boolean } = {}): ExporterRegistry {
  const registry = new Registry();
  registerPlanMetrics(registry, source);
  registerJobMetrics(registry, source);
  const exporter = registerExporterMetrics(registry, source, build);
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry });
  return { registry, exporter };
}
