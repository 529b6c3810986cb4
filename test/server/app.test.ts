/**
 * The HTTP side in process: the app (/metrics ahead of express, the rest through it) over a real exporter polling the simulator on
 * a manual clock, served by node:http on 127.0.0.1 and read with raw requests (fetch would
 * negotiate and undo gzip by itself).
 */
import { once } from 'node:events';
import { type Server, createServer, request } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createExporter, type Exporter } from '../../src/exporter.js';
import { Registry } from 'prom-client';
import { Exposition } from '../../src/metrics/index.js';
import { WRITE_BATCH_BYTES } from '../../src/metrics/write-body.js';
import { createApp } from '../../src/server/app.js';
import { ManualClock, startSimulator, type Simulator } from '../../src/simulator/index.js';
import { find, parseExposition } from '../support/exposition.js';
import { listenOnLoopback } from '../support/ports.js';
import { simulatorConfig } from '../support/simulator-config.js';

const T0 = Date.UTC(2026, 10, 20, 12, 0, 0);
const silent = pino({ level: 'silent' });
const TEXT_FORMAT = 'text/plain; version=0.0.4; charset=utf-8';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(cleanup.splice(0).map((close) => close()));
});

interface Served {
  sim: Simulator;
  exporter: Exporter;
  clock: ManualClock;
  get(path: string, headers?: Record<string, string>, method?: string): Promise<Response>;
  hangUpMidBody(headers?: Record<string, string>): Promise<number>;
  port: number;
}

interface Response {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  text: string;
}

async function serve(options: { telemetryPath?: string; version?: string; plans?: number } = {}): Promise<Served> {
  const clock = new ManualClock(T0);
  const sim = await startSimulator({ clock, scenario: options.plans ? { plans: options.plans, historyDays: 2 } : undefined });
  cleanup.push(() => sim.close());
  const config = simulatorConfig({ prod: sim }, ['defaults:', '  retries: { max_attempts: 1 }', '  rate_limit: { requests_per_second: 500 }']);
  const exporter = createExporter(config, { logger: silent, build: { version: options.version ?? '9.8.7' }, now: () => clock.now(), processMetrics: false });
  const app = createApp({
    exposition: exporter.metrics.exposition,
    telemetryPath: options.telemetryPath ?? '/metrics',
    version: options.version ?? '9.8.7',
    isReady: exporter.ready,
    describe: () => ['prod (cn-hangzhou)'],
  });
  const server: Server = createServer(app);
  const port = await listenOnLoopback(server, cleanup);
  const get = (path: string, headers: Record<string, string> = {}, method = 'GET') =>
    new Promise<Response>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path, method, headers: { connection: 'close', ...headers } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const body = Buffer.concat(chunks);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, text: body.toString('utf8') });
        });
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    });
  /** Ask for /metrics on a raw connection, read until the first body bytes, and hang up. */
  const hangUpMidBody = async (headers: Record<string, string> = {}) => {
    const socket = connect(port, '127.0.0.1');
    await once(socket, 'connect');
    socket.write(`GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`);
    let seen = 0;
    for await (const chunk of socket) {
      seen += (chunk as Buffer).length;
      if (seen > 64 * 1024) break;
    }
    socket.destroy();
    return seen;
  };
  return { sim, exporter, clock, get, hangUpMidBody, port };
}

const sampleLines = (text: string) => text.split('\n').filter((line) => line !== '' && !line.startsWith('#'));

describe('health endpoints', () => {
  it('/-/healthy is 200 always; /-/ready is 503 until the first cycle has finished, then 200', async () => {
    const { exporter, get } = await serve();
    let healthy = await get('/-/healthy');
    expect(healthy.status).toBe(200);
    expect(healthy.text).toBe('Healthy\n');
    const notReady = await get('/-/ready');
    expect(notReady.status).toBe(503);
    expect(notReady.text).toBe('Not ready: first collection cycle has not finished\n');

    await exporter.runCycle();
    const ready = await get('/-/ready');
    expect(ready.status).toBe(200);
    expect(ready.text).toBe('Ready\n');
    healthy = await get('/-/healthy');
    expect(healthy.status).toBe(200);
  });
});

describe('/metrics', () => {
  it('answers the Prometheus text format by default, uncompressed', async () => {
    const { exporter, get } = await serve();
    await exporter.runCycle();
    const res = await get('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe(TEXT_FORMAT);
    expect(res.headers['content-encoding']).toBeUndefined();
    const m = parseExposition(res.text);
    expect(find(m, 'dbs_backup_plan_info', { account: 'prod' })).toHaveLength(8);
    // The same lines prom-client renders for the same families (order of families may differ).
    const lines = (text: string) => text.split('\n').filter((l) => l !== '').sort();
    expect(lines(res.text)).toEqual(lines(await exporter.metrics.registry.metrics()));
  });

  it('answers OpenMetrics when the scraper asks for it', async () => {
    const { exporter, get } = await serve();
    await exporter.runCycle();
    const res = await get('/metrics', { accept: 'application/openmetrics-text; version=1.0.0' });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/openmetrics-text/);
    expect(res.text.endsWith('# EOF\n')).toBe(true);
    expect(res.text).toContain('dbs_backup_plan_info{');
    // What Prometheus itself sends.
    const prom = await get('/metrics', {
      accept: 'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1',
    });
    expect(prom.headers['content-type']).toMatch(/^application\/openmetrics-text; version=1\.0\.0/);
    // The plain format is unchanged after an OpenMetrics scrape.
    expect((await get('/metrics')).headers['content-type']).toBe(TEXT_FORMAT);
  });

  it('gzips when the scraper accepts it, with the same samples as the plain body', async () => {
    const { exporter, get } = await serve();
    await exporter.runCycle();
    const plain = await get('/metrics');
    const gzipped = await get('/metrics', { 'accept-encoding': 'gzip' });
    expect(gzipped.status).toBe(200);
    expect(gzipped.headers['content-encoding']).toBe('gzip');
    expect(gzipped.headers['content-type']).toBe(TEXT_FORMAT);
    expect(gzipped.body.length).toBeLessThan(plain.body.length);
    const unzipped = gunzipSync(gzipped.body).toString('utf8');
    expect(sampleLines(unzipped).length).toBeGreaterThan(100);
    expect(sampleLines(unzipped)).toEqual(sampleLines(plain.text));
    expect(plain.headers['content-encoding']).toBeUndefined();
  });

  it('sends a body of many write batches whole, plain and gzip, to scrapers reading at once', async () => {
    const { exporter, get } = await serve({ plans: 250 });
    await exporter.runCycle();
    const expected = Buffer.concat(await exporter.metrics.exposition.body('text', false));
    expect(expected.length).toBeGreaterThan(WRITE_BATCH_BYTES);
    const answers = await Promise.all([get('/metrics'), get('/metrics'), get('/metrics', { 'accept-encoding': 'gzip' })]);
    for (const res of answers.slice(0, 2)) {
      expect(res.status).toBe(200);
      expect(Number(res.headers['content-length'])).toBe(res.body.length);
      expect(res.body.equals(expected)).toBe(true);
    }
    const zipped = answers[2]!;
    expect(Number(zipped.headers['content-length'])).toBe(zipped.body.length);
    expect(sampleLines(gunzipSync(zipped.body).toString('utf8'))).toEqual(sampleLines(expected.toString('utf8')));
    expect(find(parseExposition(expected.toString('utf8')), 'dbs_backup_plan_info', { account: 'prod' })).toHaveLength(250);
  });

  it('keeps serving when a scraper hangs up in the middle of a body: the next scrapes are whole', async () => {
    const { exporter, get, hangUpMidBody } = await serve({ plans: 250 });
    await exporter.runCycle();
    const whole = await get('/metrics');
    for (let i = 0; i < 3; i++) {
      expect(await hangUpMidBody()).toBeLessThan(whole.body.length);
      await hangUpMidBody({ 'accept-encoding': 'gzip' });
    }
    const after = await get('/metrics');
    expect(after.status).toBe(200);
    expect(after.body.equals(whole.body)).toBe(true);
    const zipped = await get('/metrics', { 'accept-encoding': 'gzip' });
    expect(sampleLines(gunzipSync(zipped.body).toString('utf8'))).toEqual(sampleLines(whole.text));
  });

  it('honours Accept-Encoding q-values: gzip only when the scraper prefers it to identity', async () => {
    const { exporter, get } = await serve();
    await exporter.runCycle();
    const cases: Array<[string, boolean]> = [
      ['gzip', true],
      ['GZIP', true],
      ['br, gzip;q=0.8', true],
      ['*', true],
      ['gzip;q=0', false],
      ['identity, gzip;q=0.5', false],
      ['deflate', false],
      ['*;q=0, identity', false],
    ];
    for (const [header, gzip] of cases) {
      const res = await get('/metrics', { 'accept-encoding': header });
      expect(res.status, header).toBe(200);
      expect(res.headers['content-encoding'], header).toBe(gzip ? 'gzip' : undefined);
      const text = gzip ? gunzipSync(res.body).toString('utf8') : res.text;
      expect(find(parseExposition(text), 'dbs_backup_plan_info'), header).toHaveLength(8);
    }
  });

  it('answers the same with a query string, and for an absolute-form request target (which goes through express)', async () => {
    const { exporter, get } = await serve();
    await exporter.runCycle();
    const plain = await get('/metrics');
    for (const path of ['/metrics?debug=1', 'http://127.0.0.1/metrics', 'http://127.0.0.1/metrics?x=y']) {
      const res = await get(path);
      expect(res.status, path).toBe(200);
      expect(res.headers['content-type'], path).toBe(TEXT_FORMAT);
      expect(sampleLines(res.text), path).toEqual(sampleLines(plain.text));
      const zipped = await get(path, { 'accept-encoding': 'gzip' });
      expect(zipped.headers['content-encoding'], path).toBe('gzip');
      expect(sampleLines(gunzipSync(zipped.body).toString('utf8')), path).toEqual(sampleLines(plain.text));
    }
    for (const path of ['/metrics/', '/metricsx', '/metrics/?x', 'http://127.0.0.1/metrics/']) expect((await get(path)).status, path).toBe(404);
  });

  it('is served under a configured telemetry path, and the default path is then 404', async () => {
    const { exporter, get } = await serve({ telemetryPath: '/custom' });
    await exporter.runCycle();
    const res = await get('/custom');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe(TEXT_FORMAT);
    expect(find(parseExposition(res.text), 'dbs_backup_plan_info')).toHaveLength(8);
    const old = await get('/metrics');
    expect(old.status).toBe(404);
    expect(old.text).toBe('Not Found\n');
  });

  it('takes the telemetry path literally, even with characters express routes treat as patterns', async () => {
    const { exporter, get } = await serve({ telemetryPath: '/probe:v2*' });
    await exporter.runCycle();
    const res = await get('/probe:v2*');
    expect(res.status).toBe(200);
    expect(find(parseExposition(res.text), 'dbs_backup_plan_info')).toHaveLength(8);
    for (const path of ['/probeXYZ', '/probe:v2', '/probe:v2*/x', '/metrics']) expect((await get(path)).status, path).toBe(404);
  });

  it('answers HEAD on the telemetry path with the headers and no body', async () => {
    const { exporter, get } = await serve();
    await exporter.runCycle();
    const res = await get('/metrics', {}, 'HEAD');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe(TEXT_FORMAT);
    expect(res.body.length).toBe(0);
  });

  it('never calls DBS: 20 scrapes leave the simulator request count unchanged', async () => {
    const { sim, exporter, get } = await serve();
    await exporter.runCycle();
    const before = sim.requests.count();
    expect(before).toBeGreaterThan(0);
    for (let i = 0; i < 20; i++) expect((await get('/metrics')).status).toBe(200);
    expect(sim.requests.count()).toBe(before);
  });

  it('computes lag at scrape time, to the second: advancing the clock between two scrapes adds exactly that many whole seconds', async () => {
    const { exporter, clock, get } = await serve();
    await exporter.runCycle();
    const lag = async () => find(parseExposition((await get('/metrics')).text), 'dbs_backup_lag_seconds');
    const before = await lag();
    expect(before.length).toBeGreaterThanOrEqual(8);
    clock.advance(7 * 60_000 + 250);
    const after = await lag();
    const key = (s: (typeof before)[number]) => JSON.stringify(s.labels);
    expect(after.map(key)).toEqual(before.map(key));
    // Lag is as of the start of the scrape's second: 7 min 0.25 s later is 420 s more.
    for (const [i, sample] of after.entries()) expect(sample.value - before[i]!.value).toBeCloseTo(420, 9);
    clock.advance(750);
    for (const [i, sample] of (await lag()).entries()) expect(sample.value - before[i]!.value).toBeCloseTo(421, 9);
  });
});

describe('landing page and unknown paths', () => {
  it('/ is an HTML page with the version and a link to the telemetry path', async () => {
    const { get } = await serve({ telemetryPath: '/custom' });
    const res = await get('/');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.text).toContain('Version 9.8.7.');
    expect(res.text).toContain('<a href="/custom">Metrics</a>');
    expect(res.text).toContain('<li>prod (cn-hangzhou)</li>');
  });

  it('escapes what it shows', async () => {
    const { get } = await serve({ version: '1.0<script>' });
    const res = await get('/');
    expect(res.text).toContain('Version 1.0&#60;script&#62;.');
    expect(res.text).not.toContain('<script>');
  });

  it('unknown paths are 404', async () => {
    const { get } = await serve();
    for (const path of ['/nope', '/metrics/extra', '/-/reload']) {
      const res = await get(path);
      expect(res.status, path).toBe(404);
      expect(res.text).toBe('Not Found\n');
    }
  });
});

describe('when rendering fails', () => {
  /** An app whose exposition rejects every lease with `reason`: the one thing this test stands in for. */
  async function failing(reason: unknown) {
    const exposition = new Exposition({ snapshot: () => undefined, now: () => T0 }, new Registry());
    exposition.lease = () => Promise.reject(reason);
    const server: Server = createServer(createApp({ exposition, telemetryPath: '/metrics', version: '1', isReady: () => true }));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanup.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const { port } = server.address() as AddressInfo;
    return (path: string) =>
      new Promise<{ status: number; type: string | undefined; text: string }>((resolve, reject) => {
        request({ host: '127.0.0.1', port, path, headers: { connection: 'close', 'accept-encoding': 'gzip' } }, (res) => {
          let text = '';
          res.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'], text }));
        })
          .on('error', reject)
          .end();
      });
  }

  it('answers 500 with the reason, as plain text, and keeps serving', async () => {
    for (const [reason, message] of [
      [new Error('snapshot unavailable'), 'snapshot unavailable'],
      [undefined, 'undefined'],
      ['a string', 'a string'],
    ] as const) {
      const get = await failing(reason);
      for (const path of ['/metrics', '/metrics?x=1', 'http://127.0.0.1/metrics']) {
        const res = await get(path);
        expect(res.status, path).toBe(500);
        expect(res.type, path).toBe('text/plain; charset=utf-8');
        expect(res.text, path).toBe(`error rendering metrics: ${message}\n`);
      }
      expect((await get('/-/healthy')).status).toBe(200);
    }
  });
});

describe('refusals', () => {
  it('/metrics and the other paths refuse a write method and a request body with the same answer', async () => {
    const { get } = await serve();
    const answer = async (path: string, headers: Record<string, string>, method: string) => {
      const res = await get(path, headers, method);
      return { status: res.status, type: res.headers['content-type'], allow: res.headers.allow, text: res.text };
    };
    for (const path of ['/metrics', '/', '/-/ready', '/api/v1/status']) {
      expect(await answer(path, {}, 'DELETE'), path).toEqual({ status: 405, type: 'text/plain; charset=utf-8', allow: 'GET, HEAD', text: 'Method Not Allowed\n' });
      expect(await answer(path, { 'transfer-encoding': 'chunked' }, 'GET'), path).toEqual({
        status: 413,
        type: 'text/plain; charset=utf-8',
        allow: undefined,
        text: 'Request body not accepted\n',
      });
    }
    expect(await answer('/nope', {}, 'DELETE')).toEqual({ status: 404, type: 'text/plain; charset=utf-8', allow: undefined, text: 'Not Found\n' });
  });
});
