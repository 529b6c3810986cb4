/**
 * Slow and idle connections never lock scrapes out (src/server/connections.ts,
 * docs/design/connections.md): a full connection table closes its oldest connection that is not
 * in a request, instead of refusing the new one. Unit level on the servers WebSecurity makes
 * (HTTP and HTTPS, small caps), then end to end: the real CLI scraped every second by a real
 * Prometheus while 1,000 slowloris and idle sockets are held against it.
 */
import { type IncomingMessage, type RequestListener, type Server as HttpServer, type ServerResponse, request } from 'node:http';
import { Agent as HttpsAgent, type Server as HttpsServer, request as httpsRequest } from 'node:https';
import { type Socket, connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { acceptBackstop, connectionCap, connectionTable, openFileLimit } from '../../src/server/connections.js';
import { SERVER_LIMITS, type ServerLimits } from '../../src/server/limits.js';
import { type WebConfig, loadWebConfig } from '../../src/server/web-config.js';
import { WebSecurity } from '../../src/server/web-security.js';
import { CliProcess, jsonLines, killAll, waitForStatus } from '../cli/cli-process.js';
import { type LogLine, capturedLogger } from '../support/logs.js';
import { freePort, listenOnLoopback } from '../support/ports.js';
import { PrometheusServer } from '../support/prometheus.js';
import { createPki } from './web-pki.js';

const LIMIT_WARNING = 'connection limit reached: closing the oldest connections not in a request';

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const close of cleanup.splice(0).reverse()) await close();
  await killAll();
});

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Answers 'ok'; `/hold` answers only when `release()` is called (a request in progress). */
function holdingListener(): { listener: RequestListener; release: () => void } {
  const held: ServerResponse[] = [];
  const listener = (req: IncomingMessage, res: ServerResponse) => {
    if (req.url === '/hold') held.push(res);
    else res.end('ok');
  };
  return { listener, release: () => held.splice(0).forEach((res) => res.end('released')) };
}

interface Served {
  port: number;
  server: HttpServer | HttpsServer;
  logs: LogLine[];
}

async function serve(options: { limits?: Partial<ServerLimits>; webConfig?: WebConfig; listener: RequestListener }): Promise<Served> {
  const { logger, logs } = capturedLogger();
  const security = new WebSecurity(options.webConfig, { logger });
  const server = security.createServer(options.listener, options.limits);
  return { port: await listenOnLoopback(server, cleanup), server, logs };
}

/** A client socket that remembers whether the server closed it. */
interface Client {
  socket: Socket;
  closed: boolean;
  received: string;
}

/** Connects one socket and waits for the connection (the server has seen it once a request on another socket is answered). */
async function open(port: number, first = ''): Promise<Client> {
  const socket = connect(port, '127.0.0.1');
  const client: Client = { socket, closed: false, received: '' };
  socket.on('error', () => undefined);
  socket.on('data', (chunk: Buffer) => (client.received += chunk.toString('latin1')));
  socket.on('close', () => (client.closed = true));
  cleanup.push(() => void socket.destroy());
  await new Promise((resolve) => socket.once('connect', resolve));
  if (first) socket.write(first);
  return client;
}

/** Sends a whole request on an open socket and waits for the answer's end ('ok' or 'released'). */
async function requestOn(client: Client, path: string): Promise<void> {
  const before = client.received.length;
  client.socket.write(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`);
  await expect.poll(() => /\r\n\r\n(ok|released)$/.test(client.received.slice(before)), { timeout: 5_000 }).toBe(true);
}

/** A GET on a new connection (no keep-alive): the status, or the error a refused scraper sees. */
function scrape(port: number, options: { https?: boolean; ca?: string } = {}): Promise<number | string> {
  return new Promise((resolve) => {
    const send = options.https ? httpsRequest : request;
    const req = send({ host: '127.0.0.1', port, path: '/metrics', agent: false, headers: { connection: 'close' }, ...(options.ca ? { ca: options.ca } : {}) }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    req.setTimeout(5_000, () => req.destroy(new Error('timeout')));
    req.end();
  });
}

/** Lets the server's event loop read what is pending (connects, closes). */
const settle = () => wait(50);

describe('a full connection table (HTTP)', () => {
  it('closes the oldest connections that sent no complete request header, and every new connection is answered', async () => {
    const { listener } = holdingListener();
    const { port, server, logs } = await serve({ listener, limits: { maxConnections: 10 } });
    const table = connectionTable(server)!;
    expect(table.maxConnections).toBe(10);
    // 15 clients, one after the other: silent ones and slowloris ones (half a header block).
    const clients: Client[] = [];
    for (let i = 0; i < 15; i++) {
      clients.push(await open(port, i % 2 === 0 ? '' : 'GET /metrics HTTP/1.1\r\nHost: x\r\nX-Slow: '));
      await settle();
    }
    await expect.poll(() => clients.filter((c) => c.closed).length).toBe(5);
    expect(clients.map((c) => c.closed)).toEqual([...Array(5).fill(true), ...Array(10).fill(false)]);
    expect(clients.every((c) => c.received === '')).toBe(true); // closed without an answer

    // Scrapes on new connections while the slow clients keep the table full: each answered, each
    // taking the place of the oldest waiting connection (as does each new slow client).
    for (let i = 0; i < 3; i++) {
      expect(await scrape(port)).toBe(200);
      clients.push(await open(port, 'GET /metrics HTTP/1.1\r\nHost: x\r\nX-Slow: '));
      await settle();
    }
    await expect.poll(() => clients.filter((c) => c.closed).length).toBe(8);
    expect(clients.map((c) => c.closed)).toEqual([...Array(8).fill(true), ...Array(10).fill(false)]);
    expect(table.counts()).toMatchObject({ open: 10, waiting: 10, idle: 0, busy: 0, shedWaiting: 8, shedIdle: 0, dropped: 0 });

    const warnings = logs.filter((l) => l.msg === LIMIT_WARNING);
    expect(warnings).toEqual([expect.objectContaining({ level: 40, max_connections: 10, closed_waiting_total: 1, closed_idle_total: 0, dropped_total: 0 })]);
  });

  it('then idle kept-alive connections, longest idle first; busy ones never: only with every connection busy is a new one dropped', async () => {
    const { listener, release } = holdingListener();
    const { port, server, logs } = await serve({ listener, limits: { maxConnections: 4 } });
    const table = connectionTable(server)!;
    const a = await open(port);
    await requestOn(a, '/'); // idle since now
    const b = await open(port);
    await requestOn(b, '/'); // idle, since later
    const c = await open(port); // waiting
    const d = await open(port, 'GET /hold HTTP/1.1\r\nHost: x\r\n\r\n'); // busy
    await expect.poll(() => table.counts()).toMatchObject({ open: 4, waiting: 1, idle: 2, busy: 1 });

    const e = await open(port); // over the cap: the waiting one goes
    await expect.poll(() => c.closed).toBe(true);
    e.socket.write('GET /hold HTTP/1.1\r\nHost: x\r\n\r\n');
    await expect.poll(() => table.counts()).toMatchObject({ open: 4, waiting: 0, idle: 2, busy: 2 });

    const f = await open(port, 'GET /hold HTTP/1.1\r\nHost: x\r\n\r\n'); // nothing waiting: the longest idle goes
    await expect.poll(() => a.closed).toBe(true);
    expect(b.closed).toBe(false);
    const g = await open(port, 'GET /hold HTTP/1.1\r\nHost: x\r\n\r\n');
    await expect.poll(() => b.closed).toBe(true);
    await expect.poll(() => table.counts()).toMatchObject({ open: 4, waiting: 0, idle: 0, busy: 4 });

    // All four in a request: the newcomer is the one closed, and the busy ones are all answered.
    const h = await open(port);
    await expect.poll(() => h.closed).toBe(true);
    expect([d, e, f, g].some((x) => x.closed)).toBe(false);
    release();
    for (const x of [d, e, f, g]) await expect.poll(() => x.received).toMatch(/\r\n\r\nreleased$/);
    await expect.poll(() => table.counts()).toMatchObject({ open: 4, idle: 4, busy: 0, shedWaiting: 1, shedIdle: 2, dropped: 1 });
    expect(await scrape(port)).toBe(200);
    expect(logs.filter((l) => l.msg === LIMIT_WARNING)).toHaveLength(1);
  });
});

describe('a full connection table (HTTPS)', () => {
  it('the same policy: TCP connections stuck before or in the TLS handshake are closed oldest first, HTTPS scrapes answered, a served TLS connection counts as idle', async () => {
    const pki = createPki();
    cleanup.push(() => pki.close());
    const webConfig = await loadWebConfig(pki.fixture('web_config_tls.yml'));
    const { listener } = holdingListener();
    const { port, server } = await serve({ listener, webConfig, limits: { maxConnections: 10 } });
    const table = connectionTable(server)!;
    const ca = pki.read('ca.crt');

    // A kept-alive HTTPS connection that has been served: idle, not waiting (the table links the TLS socket to its TCP one).
    const agent = new HttpsAgent({ keepAlive: true, maxSockets: 1 });
    cleanup.push(() => agent.destroy());
    const kept = await new Promise<Socket>((resolve, reject) => {
      const req = httpsRequest({ host: '127.0.0.1', port, path: '/', ca, agent }, (res) => {
        res.resume();
        res.on('end', () => resolve(req.socket!));
      });
      req.on('error', reject);
      req.end();
    });
    await expect.poll(() => table.counts()).toMatchObject({ open: 1, idle: 1, waiting: 0, busy: 0 });

    const clients: Client[] = [];
    for (let i = 0; i < 14; i++) {
      // Silent sockets, and ones that send the first bytes of a TLS record and stop.
      clients.push(await open(port, i % 2 === 0 ? '' : '\x16\x03\x01\x02\x00\x01'));
      await settle();
    }
    await expect.poll(() => clients.filter((c) => c.closed).length).toBe(5);
    expect(clients.map((c) => c.closed)).toEqual([...Array(5).fill(true), ...Array(9).fill(false)]);
    expect(await scrape(port, { https: true, ca })).toBe(200);
    await expect.poll(() => clients.filter((c) => c.closed).length).toBe(6);
    expect(kept.destroyed).toBe(false);
    await expect.poll(() => table.counts()).toMatchObject({ open: 9, waiting: 8, idle: 1, shedWaiting: 6, shedIdle: 0, dropped: 0 });
  });
});

describe('the cap and the descriptor limit', () => {
  it('reads the soft RLIMIT_NOFILE from /proc/self/limits', () => {
    const limits = 'Limit                     Soft Limit           Hard Limit           Units\nMax open files            1024                 524288               files     \n';
    expect(openFileLimit(() => limits)).toBe(1024);
    expect(openFileLimit(() => 'Max open files            unlimited            unlimited            files\n')).toBe(Number.POSITIVE_INFINITY);
    expect(
      openFileLimit(() => {
        throw new Error('ENOENT');
      }),
    ).toBeUndefined();
    if (process.platform === 'linux') expect(openFileLimit()).toBeGreaterThan(0);
  });

  it('keeps the connections within half of the descriptors left after a reserve, and node\'s own cap near the limit', () => {
    expect(connectionCap(SERVER_LIMITS.maxConnections, 1_048_576)).toBe(512);
    expect(connectionCap(SERVER_LIMITS.maxConnections, 1024)).toBe(448);
    expect(connectionCap(SERVER_LIMITS.maxConnections, 256)).toBe(64);
    expect(connectionCap(SERVER_LIMITS.maxConnections, undefined)).toBe(448);
    expect(connectionCap(SERVER_LIMITS.maxConnections, Number.POSITIVE_INFINITY)).toBe(512);
    expect(acceptBackstop(1024)).toBe(896);
    expect(acceptBackstop(Number.POSITIVE_INFINITY)).toBe(Number.MAX_SAFE_INTEGER);
  });
});

/**
 * Attack sockets: half slowloris (a request line, then one header byte a second, never done),
 * half silent. Each one the server closes is replaced a second later, so the table stays full
 * for as long as the attack runs.
 */
class SlowClients {
  readonly lifetimes: number[] = [];
  /** Sockets connected and not yet closed by the server. */
  open = 0;
  opened = 0;
  timedOut = 0;
  #sockets = new Set<Socket>();
  #stopped = false;
  #trickle: NodeJS.Timeout | undefined;

  constructor(
    private readonly port: number,
    private readonly count: number,
  ) {}

  /** Resolves once all `count` sockets are connected. */
  async start(): Promise<void> {
    await Promise.all(Array.from({ length: this.count }, (_, i) => this.#connect(i % 2 === 0)));
    this.#trickle = setInterval(() => {
      for (const socket of this.#sockets) if ((socket as Socket & { slow?: boolean }).slow) socket.write('a');
    }, 1_000);
  }

  #connect(slow: boolean): Promise<void> {
    return new Promise((resolve) => {
      const socket = connect(this.port, '127.0.0.1') as Socket & { slow?: boolean };
      socket.slow = slow;
      let connectedAt = 0;
      let received = '';
      socket.on('error', () => undefined);
      socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
      socket.once('connect', () => {
        connectedAt = Date.now();
        this.open += 1;
        this.opened += 1;
        this.#sockets.add(socket);
        if (slow) socket.write('GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ');
        resolve();
      });
      socket.once('close', () => {
        this.#sockets.delete(socket);
        if (connectedAt === 0) return resolve(); // refused before connecting: try again below
        this.open -= 1;
        if (this.#stopped) return;
        this.lifetimes.push(Date.now() - connectedAt);
        if (received.startsWith('HTTP/1.1 408')) this.timedOut += 1;
        setTimeout(() => void (this.#stopped || this.#connect(slow)), 1_000).unref();
      });
    });
  }

  stop(): void {
    this.#stopped = true;
    clearInterval(this.#trickle);
    for (const socket of this.#sockets) socket.destroy();
  }
}

/**
 * Attack sockets held by this process: 1,000, or fewer where the descriptor limit is low (node
 * raises the soft limit to the hard one at start, so that is rare; each held socket is one
 * descriptor here and, while the server holds it, one there).
 */
const HELD = Math.min(1_000, Math.max(0, (openFileLimit() ?? 1024) - 256));
/** The exporter's cap: a child process has the same descriptor limit as this one (node raises both soft limits to the hard one). */
const CAP = connectionCap(SERVER_LIMITS.maxConnections, openFileLimit());

describe(`${HELD} slow and idle connections against the real exporter`, () => {
  it('a real Prometheus scraping every second gets every scrape answered, as do scrapes on new connections; the slow sockets are cut', async () => {
    expect(HELD, 'descriptor limit of this process (ulimit -n) too low for the test').toBeGreaterThan(CAP);
    const port = await freePort();
    const exporter = new CliProcess(['--demo', '--web.listen-address', `127.0.0.1:${port}`, '--log.format', 'json']);
    const [prometheus] = await Promise.all([
      PrometheusServer.start({ job: 'dbs', rules: 'groups: []\n', interval: '1s', targetGroups: [] }),
      waitForStatus(`http://127.0.0.1:${port}/-/ready`, 200, 30_000),
    ]);
    cleanup.push(() => prometheus.stop());

    // The attack is in place before Prometheus first connects.
    const attack = new SlowClients(port, HELD);
    cleanup.push(() => attack.stop());
    await attack.start();
    expect(attack.opened).toBe(HELD);
    const attackStarted = Date.now();
    prometheus.setTargets([{ targets: [`127.0.0.1:${port}`] }]);
    const targetsSet = Date.now();
    await prometheus.waitFor('the first scrape', async () => ((await prometheus.activeTargets())[0]?.health ?? 'unknown') !== 'unknown' || undefined, 15_000);

    // 15 s more (past headersTimeout, 10 s): a scrape on a new connection every second meanwhile.
    const direct: Array<number | string> = [];
    while (Date.now() - targetsSet < 15_000 + 1_000) {
      const next = wait(1_000);
      direct.push(await scrape(port));
      await next;
    }
    const seconds = Math.ceil((Date.now() - targetsSet) / 1000);
    const stillHeld = attack.open;
    const longestLife = Math.max(...attack.lifetimes);
    attack.stop();

    const value = async (expr: string) => Number((await prometheus.query(expr)).data?.result[0]?.value?.[1] ?? Number.NaN);
    // Every scrape Prometheus made since the target appeared (a refused or timed-out one records up 0), about one a second.
    const scrapes = await value(`count_over_time(up{job="dbs"}[${seconds}s])`);
    expect(scrapes).toBeGreaterThanOrEqual(seconds * 0.7);
    expect(await value(`min_over_time(up{job="dbs"}[${seconds}s])`)).toBe(1);
    expect(await value(`min_over_time(scrape_samples_scraped{job="dbs"}[${seconds}s])`)).toBeGreaterThan(100);
    expect(direct.length).toBeGreaterThanOrEqual(12);
    expect(direct.every((status) => status === 200), `direct scrapes: ${direct.join(' ')}`).toBe(true);

    // The attack kept the table full (sockets replaced as the server closed them), and no slow
    // socket outlived headersTimeout by more than the checking interval and a little slack.
    expect(stillHeld).toBeGreaterThan(CAP * 0.9);
    expect(attack.opened - HELD).toBeGreaterThan(HELD);
    expect(longestLife).toBeLessThan(SERVER_LIMITS.headersTimeoutMs + 2_500);
    expect(Date.now() - attackStarted).toBeLessThan(60_000);

    const warnings = jsonLines(exporter.stderr).filter((l) => l.msg === LIMIT_WARNING);
    expect(warnings).toEqual([expect.objectContaining({ max_connections: CAP, closed_idle_total: 0, dropped_total: 0 })]);
    expect(warnings[0]!.closed_waiting_total).toBeGreaterThan(0);
  }, 90_000);
});
