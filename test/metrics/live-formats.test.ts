/**
 * The exposition exactly as the real server serves it, process metrics included, in both
 * formats and in alternating order: names and values agree, the plain text passes promtool,
 * and a real Prometheus (which negotiates OpenMetrics) stores the same series names.
 */
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningExporter, runExporter } from '../../src/exporter.js';
import { PLAN_FAMILIES } from '../../src/metrics/index.js';
import { type Simulator, startSimulator } from '../../src/simulator/index.js';
import { type Sample, parseExposition } from '../support/exposition.js';
import { PrometheusServer } from '../support/prometheus.js';
import { promtool } from '../support/promtool.js';
import { simulatorConfig } from '../support/simulator-config.js';

const ACCEPT = {
  text: 'text/plain;version=0.0.4;q=1,*/*;q=0.1',
  // What Prometheus sends by default.
  openmetrics: 'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1',
} as const;

let sim: Simulator;
let running: RunningExporter;
let base: string;

beforeAll(async () => {
  sim = await startSimulator({ scenario: { plans: 6 } });
  // One cycle at start, none after: values other than the process's own stay put.
  const config = simulatorConfig({ prod: sim }, ['collection:', '  interval: 1h', 'defaults:', '  rate_limit: { requests_per_second: 1000 }']);
  running = await runExporter(config, { logger: pino({ level: 'silent' }), build: { version: '1.2.3' }, listenAddress: '127.0.0.1:0', telemetryPath: '/metrics' });
  base = `http://127.0.0.1:${running.address.port}`;
  for (let i = 0; i < 100 && (await fetch(`${base}/-/ready`)).status !== 200; i++) await new Promise((r) => setTimeout(r, 100));
});
afterAll(async () => {
  await running?.stop();
  await sim?.close();
});

async function scrape(format: keyof typeof ACCEPT, gzip = false): Promise<{ body: string; contentType: string }> {
  const res = await fetch(`${base}/metrics`, { headers: { Accept: ACCEPT[format], 'Accept-Encoding': gzip ? 'gzip' : 'identity' } });
  expect(res.status).toBe(200);
  return { body: await res.text(), contentType: res.headers.get('content-type') ?? '' };
}

const key = (s: Sample) => `${s.name}${JSON.stringify(Object.entries(s.labels).sort())}`;
/** Values that move on their own between two scrapes: the process's (CPU, memory, event loop, GC) and those of scrape time (lag). */
const SCRAPE_TIME = new Set(PLAN_FAMILIES.filter((f) => f.dynamic).map((f) => f.name));
const moves = (s: Sample) => /^(process_|nodejs_)/.test(s.name) || SCRAPE_TIME.has(s.name);
const names = (samples: Sample[]) => [...new Set(samples.map((s) => s.name))].sort();

describe('the live exposition in both formats', () => {
  it('alternating plain text and OpenMetrics scrapes (plain and gzip) serve the same names and values; every plain body passes promtool', async () => {
    const order = [
      ['text', false],
      ['openmetrics', false],
      ['text', false],
      ['openmetrics', true],
      ['text', true],
      ['openmetrics', false],
      ['text', false],
    ] as const;
    const seen: Array<{ format: string; samples: Sample[] }> = [];
    for (const [format, gzip] of order) {
      const { body, contentType } = await scrape(format, gzip);
      if (format === 'text') {
        expect(contentType).toMatch(/^text\/plain; version=0\.0\.4/);
        const lint = promtool(['check', 'metrics'], body);
        expect({ status: lint.status, out: lint.stdout + lint.stderr }).toEqual({ status: 0, out: '' });
        // The names prom-client's own OpenMetrics renderer used to strip for good.
        for (const name of ['dbs_exporter_api_requests_total', 'dbs_exporter_cycles_total', 'dbs_exporter_poll_errors_total', 'process_cpu_seconds_total']) expect(body).toContain(`\n${name}`);
        expect(body).not.toContain('# EOF');
      } else {
        expect(contentType).toMatch(/^application\/openmetrics-text; version=1\.0\.0/);
        expect(body.endsWith('# EOF\n')).toBe(true);
        expect(body.indexOf('# EOF')).toBe(body.length - '# EOF\n'.length);
        // OpenMetrics names a counter family without _total and its samples with it.
        expect(body).toContain('# TYPE dbs_exporter_api_requests counter\n');
        expect(body).toContain('# TYPE process_cpu_seconds counter\n');
      }
      // Gauges named like counters are not served (promtool rejects them).
      expect(body).not.toMatch(/^nodejs_active_\w+_total/m);
      seen.push({ format, samples: parseExposition(body) });
    }
    const [first, ...rest] = seen;
    const steady = (samples: Sample[]) => new Map(samples.filter((s) => !moves(s)).map((s) => [key(s), s.value]));
    expect(steady(first!.samples).size).toBeGreaterThan(100);
    for (const other of rest) {
      expect({ format: other.format, names: names(other.samples) }).toEqual({ format: other.format, names: names(first!.samples) });
      expect(steady(other.samples)).toEqual(steady(first!.samples));
    }
  });

  it('a real Prometheus scraping OpenMetrics stores exactly the names of the plain text, _total included', async () => {
    const prometheus = await PrometheusServer.start({ job: 'live', rules: 'groups: []\n', scrapeTargets: [`127.0.0.1:${running.address.port}`] });
    try {
      let stored: string[] = [];
      const deadline = Date.now() + 20_000;
      while (Date.now() < deadline) {
        await scrape('text'); // plain text between Prometheus' scrapes, as a second scraper would
        const up = await prometheus.query('up{job="live"}');
        if (up.data?.result[0]?.value?.[1] === '1') {
          const groups = await prometheus.query('group by (__name__) ({job="live"})');
          stored = (groups.data?.result ?? []).map((r) => r.metric['__name__'] ?? '').filter((n) => n !== 'up' && !n.startsWith('scrape_'));
          if (stored.length > 0) break;
        }
        await new Promise((r) => setTimeout(r, 250));
      }
      const text = parseExposition((await scrape('text')).body);
      expect(stored.sort()).toEqual(names(text));
      expect(stored).toContain('dbs_exporter_api_requests_total');
    } finally {
      await prometheus.stop();
    }
  });
});
