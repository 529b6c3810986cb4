/**
 * Exporter configurations pointing at a local simulator, written in the same YAML a user
 * writes, so the harness goes through the real config parser (and the CLI reads it from a file).
 */
import { DEMO_CREDENTIAL } from '../../src/simulator/index.js';

/** Environment variables holding the simulator's demo credential. */
export const SIMULATOR_ENV: Record<string, string> = {
  BENCH_DBS_ACCESS_KEY_ID: DEMO_CREDENTIAL.accessKeyId,
  BENCH_DBS_ACCESS_KEY_SECRET: DEMO_CREDENTIAL.accessKeySecret,
};

export interface ApiLimits {
  requestsPerSecond: number;
  burst: number;
  maxConcurrency: number;
}

/** `collection` lines beyond the interval (each indented under `collection:`), e.g. `restore_ranges: { enabled: false }`. */
export function exporterConfigYaml(options: { endpoint: string; interval: string; limits: ApiLimits; collection?: readonly string[] }): string {
  const { limits } = options;
  return [
    'collection:',
    `  interval: ${options.interval}`,
    ...(options.collection ?? []).map((line) => `  ${line}`),
    'targets:',
    '  - name: bench',
    '    region: cn-hangzhou',
    `    endpoint: ${options.endpoint}`,
    '    protocol: http',
    '    credentials: { type: access_key, access_key_id_env: BENCH_DBS_ACCESS_KEY_ID, access_key_secret_env: BENCH_DBS_ACCESS_KEY_SECRET }',
    `    max_concurrency: ${limits.maxConcurrency}`,
    `    rate_limit: { requests_per_second: ${limits.requestsPerSecond}, burst: ${limits.burst} }`,
    '',
  ].join('\n');
}

/** Limits that keep the API out of the way (scrape, memory, start-up): the schema's maximum rate. */
export const FAST_LIMITS: ApiLimits = { requestsPerSecond: 1000, burst: 1000, maxConcurrency: 32 };
