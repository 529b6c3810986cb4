/**
 * A process the harness drives over IPC (see harness/ipc.ts), so what it measures does not
 * share an event loop with the load generator or the simulator. It can hold an exporter built
 * with the public createExporter (run cycles on command, on an optional manual clock), and serve
 * one of the two comparison servers:
 *  - `serve.bytes`: a minimal node:http server answering fixed exposition bytes from memory
 *    (gzip: pre-gzipped bytes) — the practical limit of this machine;
 *  - `serve.registry`: node:http calling the exporter registry's `metrics()` on every request
 *    (gzip per request when accepted) — what a straightforward prom-client exporter does.
 */
import { readFile } from 'node:fs/promises';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { gzip, gzipSync } from 'node:zlib';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { parseConfig } from '../src/config/index.js';
import { type Exporter, createExporter } from '../src/exporter.js';
import { ManualClock } from '../src/simulator/index.js';
import { type CycleResult, type IpcRequest, isIpcRequest, reply } from './harness/ipc.js';

const gzipAsync = promisify(gzip);
const TEXT_FORMAT = 'text/plain; version=0.0.4; charset=utf-8';

let exporter: Exporter | undefined;
let clock: ManualClock | undefined;
const servers: Server[] = [];

function acceptsGzip(req: IncomingMessage): boolean {
  return /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
}

function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ port: number }> {
  const server = createServer(handler);
  servers.push(server);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve({ port: (server.address() as AddressInfo).port }));
  });
}

function requireExporter(): Exporter {
  if (!exporter) throw new Error('exporter.init first');
  return exporter;
}

const commands: Record<string, (args: Record<string, unknown>) => unknown> = {
  'exporter.init'(args) {
    const config = parseConfig(String(args.yaml), { env: process.env });
    if (typeof args.clockStart === 'number') clock = new ManualClock(args.clockStart);
    const fleetClock = clock;
    exporter = createExporter(config, {
      logger: pino({ level: 'silent' }),
      build: { version: 'bench' },
      ...(fleetClock ? { now: () => fleetClock.now() } : {}),
    });
    return {};
  },

  async 'exporter.cycle'(args): Promise<CycleResult> {
    const target = requireExporter();
    if (typeof args.advanceMs === 'number') {
      if (!clock) throw new Error('advanceMs needs a manual clock (clockStart in exporter.init)');
      clock.advance(args.advanceMs);
    }
    const started = performance.now();
    const { report } = await target.runCycle();
    return {
      wallMs: performance.now() - started,
      plansPolled: report.plansPolled,
      planFailures: report.planFailures,
      targetFailures: report.targetFailures,
      errors: report.errors.slice(0, 5).map((e) => `${e.errorClass} ${e.code}: ${e.message}`),
    };
  },

  /** What a scrape makes the exporter hold: the exposition read to the end, gzip (as Prometheus asks) or plain. */
  async 'exporter.scrape'(args) {
    const chunks = await requireExporter().metrics.exposition.body('text', args.gzip !== false);
    return { bytes: chunks.reduce((n, c) => n + c.length, 0) };
  },

  'serve.registry'() {
    const { registry } = requireExporter().metrics;
    return listen((req, res) => {
      registry
        .metrics()
        .then(async (text) => {
          if (acceptsGzip(req)) {
            const body = await gzipAsync(text);
            res.writeHead(200, { 'content-type': registry.contentType, 'content-encoding': 'gzip', 'content-length': body.length });
            res.end(body);
          } else {
            res.writeHead(200, { 'content-type': registry.contentType, 'content-length': Buffer.byteLength(text) });
            res.end(text);
          }
        })
        .catch((err: unknown) => {
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(String(err));
        });
    });
  },

  async 'serve.bytes'(args) {
    const plain = await readFile(String(args.file));
    const gzipped = gzipSync(plain);
    return listen((req, res) => {
      const body = acceptsGzip(req) ? gzipped : plain;
      res.writeHead(200, {
        'content-type': TEXT_FORMAT,
        'content-length': body.length,
        ...(body === gzipped ? { 'content-encoding': 'gzip' } : {}),
      });
      res.end(body);
    });
  },

  async exit() {
    setImmediate(() => {
      for (const server of servers) server.closeAllConnections();
      process.exit(0);
    });
    return {};
  },
};

process.on('message', (message) => {
  if (!isIpcRequest(message) || message.cmd.startsWith('probe.')) return;
  const request: IpcRequest = message;
  const command = commands[request.cmd];
  reply(request, () => {
    if (!command) throw new Error(`unknown command ${request.cmd}`);
    return command(request.args ?? {});
  });
});

process.on('disconnect', () => process.exit(0));
process.send?.({ ready: true });
