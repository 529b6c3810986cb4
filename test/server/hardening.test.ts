/**
 * The HTTP server against broken and hostile clients: raw sockets (node:net) send the exact
 * bytes, so nothing normalises a path or fixes a header on the way. The server is the one
 * runExporter builds (WebSecurity.createServer with the limits of src/server/limits.ts) over
 * the real app and a real exporter; a test that waits for a timeout shortens only that one.
 */
import { type Server as HttpServer, type RequestListener, request } from 'node:http';
import { type Server as HttpsServer, request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createExporter, type Exporter } from '../../src/exporter.js';
import { createApp } from '../../src/server/app.js';
import { connectionCap, connectionTable, openFileLimit } from '../../src/server/connections.js';
import { SERVER_LIMITS, type ServerLimits } from '../../src/server/limits.js';
import { loadWebConfig, type WebConfig } from '../../src/server/web-config.js';
import { WebSecurity } from '../../src/server/web-security.js';
import { type Simulator, startSimulator } from '../../src/simulator/index.js';
import { find, parseExposition } from '../support/exposition.js';
import { type LogLine, capturedLogger } from '../support/logs.js';
import { listenOnLoopback } from '../support/ports.js';
import { TESTDATA, createPki, get } from './web-pki.js';
import { simulatorConfig } from '../support/simulator-config.js';

let sim: Simulator;
let exporter: Exporter;
let basicAuth: WebConfig;

beforeAll(async () => {
  sim = await startSimulator({ scenario: { plans: 8 } });
  const config = simulatorConfig({ prod: sim }, ['defaults:', '  retries: { max_attempts: 1 }', '  rate_limit: { requests_per_second: 1000 }']);
  exporter = createExporter(config, { logger: pino({ level: 'silent' }), build: { version: '1.2.3' }, processMetrics: false });
  await exporter.runCycle();
  basicAuth = await loadWebConfig(join(TESTDATA, 'web_config_basic_auth.yml'));
});
afterAll(async () => {
  await sim.close();
});

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(cleanup.splice(0).map((close) => close()));
});

interface Served {
  port: number;
  server: HttpServer | HttpsServer;
  logs: LogLine[];
}

/** The exporter's server (production limits unless `limits` overrides some), on 127.0.0.1. */
async function serve(options: { limits?: Partial<ServerLimits>; webConfig?: WebConfig; listener?: RequestListener } = {}): Promise<Served> {
  const { logger, logs } = capturedLogger();
  const security = new WebSecurity(options.webConfig, { logger });
  const app = createApp({
    exposition: exporter.metrics.exposition,
    telemetryPath: '/metrics',
    version: '1.2.3',
    isReady: exporter.ready,
    guard: security.guard,
  });
  const server = security.createServer(options.listener ?? app, options.limits);
  return { port: await listenOnLoopback(server, cleanup), server, logs };
}

interface RawAnswer {
  /** The status code, or undefined when the server answered nothing. */
  status: number | undefined;
  /** The whole answer: status line, headers and body. */
  raw: string;
  /** The server closed the connection (within the wait). */
  closed: boolean;
  /** From connecting to the close (or to giving up). */
  ms: number;
}

/** Sends `bytes` on a new connection and collects the answer until the server closes it, or `waitMs`. */
function exchange(port: number, bytes: string | Buffer, waitMs = 2_000): Promise<RawAnswer> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const started = Date.now();
    const chunks: Buffer[] = [];
    const finish = (closed: boolean) => {
      clearTimeout(timer);
      const raw = Buffer.concat(chunks).toString('latin1');
      const status = /^HTTP\/1\.1 (\d{3}) /.exec(raw)?.[1];
      resolve({ status: status === undefined ? undefined : Number(status), raw, closed, ms: Date.now() - started });
      socket.destroy();
    };
    const timer = setTimeout(() => finish(false), waitMs);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', () => undefined); // a reset counts as closed
    socket.on('close', () => finish(true));
    socket.write(bytes);
  });
}

const headerOf = (answer: RawAnswer, name: string) => new RegExp(`^${name}: (.*)\r$`, 'im').exec(answer.raw)?.[1];

/** A normal scrape on its own connection: status, body, and how long it took. */
function scrape(port: number, path = '/metrics', headers: Record<string, string> = {}): Promise<{ status: number; text: string; ms: number }> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false, headers: { connection: 'close', ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), ms: Date.now() - started }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** What no answer to a bad request may contain: samples, file contents, a stack trace, a password hash. */
function expectNothingLeaked(answer: RawAnswer | { raw: string }, what: string): void {
  expect(answer.raw, what).not.toContain('dbs_');
  expect(answer.raw, what).not.toContain('root:');
  expect(answer.raw, what).not.toMatch(/^\s+at /m);
  expect(answer.raw, what).not.toContain('$2b$');
}

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Request lines and header blocks the parser refuses: 400, `Connection: close`, socket closed. */
const MALFORMED: Array<[string, string]> = [
  ['garbage instead of a request line', 'GARBAGE\r\n\r\n'],
  ['an unknown method', 'FOO /metrics HTTP/1.1\r\nHost: x\r\n\r\n'],
  ['an unknown HTTP version', 'GET /metrics HTTP/9.9\r\nHost: x\r\n\r\n'],
  ['an HTTP/2 preface on HTTP/1.1', 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'],
  ['a space inside the target', 'GET /met rics HTTP/1.1\r\nHost: x\r\n\r\n'],
  ['a NUL byte in the target', 'GET /metrics\0 HTTP/1.1\r\nHost: x\r\n\r\n'],
  ['bare LF line endings', 'GET /metrics HTTP/1.1\nHost: x\n\n'],
  ['a header line without a colon', 'GET /metrics HTTP/1.1\r\nHost x\r\n\r\n'],
  ['no Host header (HTTP/1.1)', 'GET /metrics HTTP/1.1\r\n\r\n'],
  ['a non-numeric Content-Length', 'GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n'],
  ['Content-Length and Transfer-Encoding together (smuggling)', 'GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'],
];

/** Targets a file server might resolve outside its root; here they are only unknown paths. */
const TRAVERSAL = [
  '/../../etc/passwd',
  '/%2e%2e/%2e%2e/etc/passwd',
  '/metrics/../../etc/passwd',
  '/metrics/%2e%2e/%2e%2e/etc/passwd',
  '/..%2f..%2fetc%2fpasswd',
  '/%2e%2e%5c%2e%2e%5cetc%5cpasswd',
  '//etc/passwd',
  '/metrics%00',
  '/metrics%00/../../etc/passwd',
  '/./metrics/..',
];

describe('malformed requests', () => {
  it.each(MALFORMED)('%s: 400 and the connection closed', async (_what, bytes) => {
    const { port } = await serve();
    const answer = await exchange(port, bytes);
    expect(answer.status, answer.raw).toBe(400);
    expect(answer.closed).toBe(true);
    expect(headerOf(answer, 'Connection')).toBe('close');
    expectNothingLeaked(answer, bytes);
  });

  it('CONNECT is not served: the connection is closed without an answer', async () => {
    const { port } = await serve();
    const answer = await exchange(port, 'CONNECT 127.0.0.1:22 HTTP/1.1\r\nHost: 127.0.0.1:22\r\n\r\n');
    expect(answer).toMatchObject({ status: undefined, raw: '', closed: true });
  });
});

describe('size limits', () => {
  it(`a header block over ${SERVER_LIMITS.maxHeaderSize / 1024} KiB: 431 and closed; a URL over 16 KB: 431 and closed`, async () => {
    const { port } = await serve();
    const header = await exchange(port, `GET /metrics HTTP/1.1\r\nHost: x\r\nX-Padding: ${'a'.repeat(20 * 1024)}\r\n\r\n`);
    expect(header).toMatchObject({ status: 431, closed: true });
    // Many small headers add up the same way.
    const many = Array.from({ length: 400 }, (_, i) => `X-H${i}: ${'b'.repeat(40)}\r\n`).join('');
    expect(await exchange(port, `GET /metrics HTTP/1.1\r\nHost: x\r\n${many}\r\n`)).toMatchObject({ status: 431, closed: true });
    const url = await exchange(port, `GET /metrics?${'q'.repeat(17 * 1024)} HTTP/1.1\r\nHost: x\r\n\r\n`);
    expect(url).toMatchObject({ status: 431, closed: true });
    expect(headerOf(url, 'Connection')).toBe('close');
  });

  it('a scrape with 4 KiB of headers (a long bearer token) is still served', async () => {
    const { port } = await serve();
    const res = await scrape(port, '/metrics', { authorization: `Bearer ${'t'.repeat(4096)}`, 'user-agent': 'Prometheus/3.5.0' });
    expect(res.status).toBe(200);
    expect(find(parseExposition(res.text), 'dbs_backup_plan_info', { account: 'prod' })).toHaveLength(8);
  });
});

describe('slow clients', () => {
  it('a client sending its headers one byte a second is cut after headersTimeout (408) while scrapes on other connections are answered', async () => {
    const headersTimeoutMs = 2_000;
    const { port } = await serve({ limits: { headersTimeoutMs, connectionsCheckingIntervalMs: 100 } });
    const head = 'GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: slowloris\r\n\r\n';
    const socket = connect(port, '127.0.0.1');
    const started = Date.now();
    let received = '';
    let sent = 0;
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
    socket.on('error', () => undefined);
    const closedAfter = new Promise<number>((resolve) => socket.on('close', () => resolve(Date.now() - started)));
    const drip = setInterval(() => {
      if (!socket.destroyed && sent < head.length) socket.write(head[sent++]!);
    }, 1_000);
    socket.write(head[sent++]!);

    // Meanwhile: normal scrapes, each on a new connection, every 200 ms until the slow one is gone.
    const scrapes: Array<{ status: number; ms: number }> = [];
    let slowGone = false;
    void closedAfter.then(() => (slowGone = true));
    while (!slowGone && Date.now() - started < headersTimeoutMs + 2_000) {
      const res = await scrape(port);
      scrapes.push({ status: res.status, ms: res.ms });
      await wait(200);
    }
    clearInterval(drip);
    const ms = await closedAfter;

    expect(received).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
    expect(received).not.toContain('dbs_');
    expect(ms).toBeGreaterThanOrEqual(headersTimeoutMs - 50);
    expect(ms).toBeLessThan(headersTimeoutMs + 1_000);
    expect(sent).toBeLessThanOrEqual(4); // of a 64-byte header block
    expect(scrapes.length).toBeGreaterThanOrEqual(5);
    expect(scrapes.every((s) => s.status === 200)).toBe(true);
    expect(Math.max(...scrapes.map((s) => s.ms))).toBeLessThan(1_000);
  });

  it('a connection that sends nothing is cut after headersTimeout too', async () => {
    const { port } = await serve({ limits: { headersTimeoutMs: 500, connectionsCheckingIntervalMs: 100 } });
    const answer = await exchange(port, '', 3_000);
    expect(answer).toMatchObject({ status: 408, closed: true });
    expect(answer.ms).toBeLessThan(1_500);
  });

  it('requestTimeout covers receiving the request only: a response written for longer than it arrives whole', async () => {
    // A listener that takes 2.5 s to write its body, under a 1 s requestTimeout.
    const slowBody: RequestListener = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      let n = 0;
      const timer = setInterval(() => {
        res.write(`line ${n}\n`);
        if (++n === 5) {
          clearInterval(timer);
          res.end('done\n');
        }
      }, 500);
    };
    const { port } = await serve({ listener: slowBody, limits: { headersTimeoutMs: 500, requestTimeoutMs: 1_000, connectionsCheckingIntervalMs: 100 } });
    const res = await scrape(port, '/');
    expect(res.status).toBe(200);
    expect(res.text).toBe('line 0\nline 1\nline 2\nline 3\nline 4\ndone\n');
    expect(res.ms).toBeGreaterThanOrEqual(2_400);
  });
});

describe('many connections', () => {
  /** Opens `n` connections that send nothing; resolves once all are connected. */
  async function idleConnections(port: number, n: number) {
    const sockets = Array.from({ length: n }, () => connect(port, '127.0.0.1').on('error', () => undefined));
    await Promise.all(sockets.map((s) => new Promise((resolve) => s.once('connect', resolve))));
    cleanup.push(async () => sockets.forEach((s) => s.destroy()));
    return sockets;
  }

  const connections = (server: HttpServer | HttpsServer) => new Promise<number>((resolve) => server.getConnections((_err, n) => resolve(n)));

  it(`200 idle connections do not keep a scrape from being answered (cap ${SERVER_LIMITS.maxConnections})`, async () => {
    const { port, server, logs } = await serve();
    await idleConnections(port, 200);
    await expect.poll(() => connections(server)).toBe(200);
    const res = await scrape(port);
    expect(res.status).toBe(200);
    expect(find(parseExposition(res.text), 'dbs_backup_plan_info', { account: 'prod' })).toHaveLength(8);
    expect(logs.filter((l) => l.msg.startsWith('connection limit reached'))).toHaveLength(0);
  });

  it('at the cap a new connection is answered and the oldest silent one closed to make room, logged once (docs/design/connections.md; more in slow-connections.test.ts)', async () => {
    const { port, server, logs } = await serve({ limits: { maxConnections: 20 } });
    const idle = await idleConnections(port, 20);
    await expect.poll(() => connections(server)).toBe(20);
    // The first scrape takes the place of the oldest; the table then has room for the next ones.
    for (let i = 0; i < 3; i++) expect((await scrape(port)).status).toBe(200);
    await expect.poll(() => idle.map((s) => s.destroyed)).toEqual([true, ...Array(19).fill(false)]);
    const warnings = logs.filter((l) => l.msg === 'connection limit reached: closing the oldest connections not in a request');
    expect(warnings).toEqual([expect.objectContaining({ level: 40, max_connections: 20, closed_waiting_total: 1, dropped_total: 0 })]);
  });
});

describe('path traversal', () => {
  it.each(TRAVERSAL)('%s: 404, nothing but "Not Found"', async (path) => {
    const { port } = await serve();
    const answer = await exchange(port, `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    expect(answer.status, answer.raw).toBe(404);
    expect(answer.raw.endsWith('\r\n\r\nNot Found\n')).toBe(true);
    expectNothingLeaked(answer, path);
  });
});

describe('methods and bodies', () => {
  const METHODS = ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'TRACE'];

  it.each(METHODS)('%s on /metrics, /, /-/healthy and /-/ready: 405 with Allow: GET, HEAD; on an unknown path: 404', async (method) => {
    const { port } = await serve();
    for (const path of ['/metrics', '/', '/-/healthy', '/-/ready']) {
      const answer = await exchange(port, `${method} ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
      expect(answer.status, `${method} ${path}`).toBe(405);
      expect(headerOf(answer, 'Allow')).toBe('GET, HEAD');
      expectNothingLeaked(answer, `${method} ${path}`);
    }
    expect((await exchange(port, `${method} /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`)).status).toBe(404);
  });

  it('POST /metrics with a form body: 405, the body unread and the connection closed', async () => {
    const { port } = await serve();
    const answer = await exchange(port, 'POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 11\r\n\r\nhello=world');
    expect(answer).toMatchObject({ status: 405, closed: true });
    expect(headerOf(answer, 'Allow')).toBe('GET, HEAD');
    expect(headerOf(answer, 'Connection')).toBe('close');
  });

  it('GET /metrics with a body (Content-Length or chunked): 413 and the connection closed, even when the body never comes', async () => {
    const { port } = await serve();
    for (const bytes of [
      'GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello',
      'GET /metrics HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n',
      // Announces 1 GB and sends none of it: answered at once, not after a timeout.
      'GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000000\r\n\r\n',
    ]) {
      const answer = await exchange(port, bytes);
      expect(answer, bytes).toMatchObject({ status: 413, closed: true });
      expect(answer.ms).toBeLessThan(1_000);
      expectNothingLeaked(answer, bytes);
    }
    // An empty body is no body.
    const empty = await exchange(port, 'GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
    expect(empty.status).toBe(200);
  });

  it('HEAD /metrics and pipelined GETs on one kept-alive connection are answered in order', async () => {
    const { port } = await serve();
    const answer = await exchange(port, 'GET /-/healthy HTTP/1.1\r\nHost: x\r\n\r\nHEAD /metrics HTTP/1.1\r\nHost: x\r\n\r\nGET /-/healthy HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect([...answer.raw.matchAll(/^HTTP\/1\.1 (\d{3})/gm)].map((m) => Number(m[1]))).toEqual([200, 200, 200]);
    expect(answer.closed).toBe(true);
  });
});

describe('with basic auth configured (web_config_basic_auth.yml), without credentials', () => {
  it('asks for the password on every form of the telemetry URL: served ahead of express (exact, with a query) or through it (absolute form, fragment)', async () => {
    const { port } = await serve({ webConfig: basicAuth });
    const bob = `Basic ${Buffer.from('bob:bob-pass-4').toString('base64')}`;
    const forms: Array<[string, number]> = [
      ['/metrics', 200],
      ['/metrics?x=1', 200],
      ['http://x/metrics', 200],
      ['http://x/metrics?x=1', 200],
      ['/metrics#frag', 200],
      ['//metrics', 404],
      ['/metrics/', 404],
      ['/-/healthy/../../metrics', 404],
    ];
    for (const [target, withPassword] of forms) {
      const denied = await exchange(port, `GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
      expect(denied.status, target).toBe(401);
      expect(headerOf(denied, 'WWW-Authenticate'), target).toBe('Basic realm="dbs-exporter"');
      expectNothingLeaked(denied, target);
      const allowed = await exchange(port, `GET ${target} HTTP/1.1\r\nHost: x\r\nAuthorization: ${bob}\r\nConnection: close\r\n\r\n`);
      expect(allowed.status, target).toBe(withPassword);
      if (withPassword === 200) expect(allowed.raw, target).toContain('dbs_backup_plan_info{');
    }
  });

  it('every hostile request gets a 4xx (401 past the parser) and no answer leaks anything', async () => {
    const { port } = await serve({ webConfig: basicAuth, limits: { headersTimeoutMs: 500, connectionsCheckingIntervalMs: 100 } });
    const cases: Array<[string, string, number]> = [
      ...MALFORMED.map(([what, bytes]): [string, string, number] => [what, bytes, 400]),
      ...TRAVERSAL.map((path): [string, string, number] => [path, `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`, 401]),
      // 401, not 405: without credentials nobody learns which paths exist.
      ['POST /metrics', 'POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc', 401],
      ['DELETE /', 'DELETE / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', 401],
      ['GET /metrics with a body', 'GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000000\r\n\r\n', 401],
      // The health paths are open by design (probes), so their 405 is no news.
      ['POST /-/healthy', 'POST /-/healthy HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', 405],
      ['a 20 KiB Authorization header', `GET /metrics HTTP/1.1\r\nHost: x\r\nAuthorization: Basic ${'A'.repeat(20 * 1024)}\r\n\r\n`, 431],
      ['a 17 KB URL', `GET /metrics?${'q'.repeat(17 * 1024)} HTTP/1.1\r\nHost: x\r\n\r\n`, 431],
      ['headers that never end', 'GET /metrics HTTP/1.1\r\nHost: x\r\n', 408],
    ];
    for (const [what, bytes, status] of cases) {
      const answer = await exchange(port, bytes, 3_000);
      expect(answer.status, what).toBe(status);
      if (status === 401) expect(headerOf(answer, 'WWW-Authenticate'), what).toBe('Basic realm="dbs-exporter"');
      expectNothingLeaked(answer, what);
    }
    const unauthenticated = await scrape(port);
    expect(unauthenticated.status).toBe(401);
    expect(headerOf(await exchange(port, 'GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'), 'Content-Type')).toBe('text/plain; charset=utf-8');
    expect(unauthenticated.text).toBe('Unauthorized\n');
    // And the right password still gets the samples.
    const ok = await scrape(port, '/metrics', { authorization: `Basic ${Buffer.from('bob:bob-pass-4').toString('base64')}` });
    expect(ok.status).toBe(200);
    expect(ok.text).toContain('dbs_backup_plan_info{');
  });
});

describe('the limits in force', () => {
  it('plain HTTP and HTTPS servers both carry the production limits; TLS refuses oversized headers and cuts a stalled handshake', async () => {
    const pki = createPki();
    cleanup.push(async () => pki.close());
    const tls = await loadWebConfig(pki.fixture('web_config_tls.yml'));
    for (const webConfig of [undefined, tls]) {
      const { server } = await serve(webConfig ? { webConfig } : {});
      expect({
        headersTimeout: server.headersTimeout,
        requestTimeout: server.requestTimeout,
        keepAliveTimeout: server.keepAliveTimeout,
        maxConnections: connectionTable(server)?.maxConnections,
        maxHeaderSize: (server as { maxHeaderSize?: number }).maxHeaderSize, // set by node:http, not in @types/node
      }).toEqual({ headersTimeout: 10_000, requestTimeout: 30_000, keepAliveTimeout: 65_000, maxConnections: connectionCap(512, openFileLimit()), maxHeaderSize: 16_384 });
    }

    const { port } = await serve({ webConfig: tls, limits: { tlsHandshakeTimeoutMs: 500 } });
    const ca = pki.read('ca.crt');
    expect((await get(port, { https: true, ca })).status).toBe(200);
    // Over TLS the same parser limits apply: node:https with a 20 KiB header.
    const big = await new Promise<number>((resolve, reject) => {
      const req = httpsRequest({ host: '127.0.0.1', port, path: '/metrics', ca, agent: false, headers: { 'x-padding': 'a'.repeat(20 * 1024) } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    expect(big).toBe(431);
    // A client that connects and never starts the handshake.
    const stalled = await exchange(port, '', 3_000);
    expect(stalled.closed).toBe(true);
    expect(stalled.ms).toBeLessThan(1_500);
  });
});
