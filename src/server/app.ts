/**
 * The HTTP side: /metrics (Prometheus text, or OpenMetrics when the scraper asks for it,
 * gzip when accepted), the landing page and /api/v1/status (landing/), and the health endpoints
 * probes use. Handlers only read the latest finished snapshot: a request never calls DBS.
 * A guard (web-security.ts: web config headers and basic auth) runs before everything else.
 * Every endpoint is read-only: other methods on a known path are 405 (after the guard, so an
 * unauthenticated client cannot tell known paths from unknown ones), and a request body is
 * never read.
 *
 * /metrics is answered with node:http alone, ahead of express: express's router and request
 * decoration were ~10% of the exporter's CPU at 4 gzip scrapers and 5,000 plans, and half of
 * what survived young-generation GCs there (a sampling heap profile), which brought a full GC
 * every ~2.5 s. Side by side (one 5,000-plan fleet, 10 s autocannon runs, 2 repeats), going
 * around express took gzip p99 at 4 scrapers from 23-28 ms to 16-17 ms and the scrape rate
 * from ~500 to ~770/s. Any other path, or a telemetry URL with an unusual form, goes through
 * express as before; both ways share the guard and the handler.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { setImmediate as setImmediatePromise } from 'node:timers/promises';
import compression from 'compression';
import express from 'express';
import Negotiator from 'negotiator';
import { CONTENT_TYPES, type Exposition, type ExpositionFormat } from '../metrics/index.js';
import { STATUS_API_PATH, landingHandlers } from './landing/routes.js';
import type { LandingNotice, StatusSource } from './landing/view.js';
import { sendPlain } from './plain.js';
import { TurnBudget } from './turn-budget.js';
import type { Guard } from './web-security.js';

export interface AppOptions {
  /** The rendered snapshot plus live metrics (src/metrics/exposition.ts). */
  exposition: Exposition;
  telemetryPath: string;
  version: string;
  /** Ready once the first collection cycle has finished. */
  isReady: () => boolean;
  /** Configured targets as plain text, for the landing page before the first cycle has finished. */
  describe?: () => string[];
  /** What the landing page and /api/v1/status show: the latest finished snapshot, the schedule. */
  status?: StatusSource;
  /** Runs first for every request: response headers and basic auth from the web config. */
  guard?: Guard;
  /** A note shown at the top of the landing page (the demo explains its fleet). Plain text; the page escapes it. */
  notice?: LandingNotice;
}

export type { LandingNotice } from './landing/view.js';

function formatFor(req: IncomingMessage): ExpositionFormat {
  return (req.headers.accept ?? '').includes('application/openmetrics-text') ? 'openmetrics' : 'text';
}

/** Accept-Encoding values seen, and whether gzip wins over identity for each (Prometheus sends the same one every scrape). */
const gzipPreferred = new Map<string, boolean>();
const GZIP_PREFERRED_MAX = 64;

/** Whether the client prefers gzip to identity (q-values honoured, as express's req.acceptsEncodings). */
export function acceptsGzip(req: IncomingMessage): boolean {
  const header = req.headers['accept-encoding'] ?? '';
  let gzip = gzipPreferred.get(header);
  if (gzip === undefined) {
    gzip = new Negotiator({ headers: { 'accept-encoding': header } }).encodings(['gzip', 'identity'])[0] === 'gzip';
    if (gzipPreferred.size >= GZIP_PREFERRED_MAX) gzipPreferred.clear();
    gzipPreferred.set(header, gzip);
  }
  return gzip;
}

const ALLOWED_METHODS = 'GET, HEAD';
const isReadOnly = (req: IncomingMessage) => req.method === 'GET' || req.method === 'HEAD';
const hasBody = (req: IncomingMessage) => req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;

/** Most bytes handed to the socket in one go (one writev) before the event loop gets a turn. */
export const WRITE_BATCH_BYTES = 1024 * 1024;

/** How long all responses together may keep writing in one turn of the event loop (turn-budget.ts). */
export const WRITE_TURN_MS = 10;

/**
 * Write the body in batches of about WRITE_BATCH_BYTES (corked: one writev each), letting the
 * event loop turn between batches (and waiting for the socket to drain when it is full), and
 * asking the app's per-turn time budget before each batch so concurrent scrapers do not stack
 * their batches in one turn. Handed over in one piece, a 36 MiB plain body (5,000 plans) went to the
 * kernel in one writev, and on loopback with a reader on the other core the kernel kept copying
 * inside that one call: the thread ran 25-88 ms at a time with 4 plain scrapers (a CPU profile:
 * all of it in writev). A gzip body (2 MiB at 5,000 plans) goes in two batches; 256 KiB batches
 * made it eight turns of the loop per scrape for no gain. A client that goes away ends the loop.
 */
async function writeBody(res: ServerResponse, chunks: readonly Buffer[], budget: TurnBudget): Promise<void> {
  let batch = 0;
  // Not `await budget.take()`: a grant is acted on at once, before another writer can ask.
  let turn = budget.take();
  if (turn) await turn;
  if (res.destroyed) return;
  res.cork();
  for (const chunk of chunks) {
    if (res.destroyed) return;
    for (let offset = 0; offset < chunk.length; offset += WRITE_BATCH_BYTES) {
      const piece = offset === 0 && chunk.length <= WRITE_BATCH_BYTES ? chunk : chunk.subarray(offset, offset + WRITE_BATCH_BYTES);
      res.write(piece);
      batch += piece.length;
      if (batch < WRITE_BATCH_BYTES) continue;
      batch = 0;
      res.uncork();
      // Wait for 'drain' only while bytes are still queued. When the kernel took the whole
      // batch at once (a fast reader), 'drain' still comes (the corked writes passed the
      // high-water mark), but from process.nextTick: waiting for it chained every batch in
      // one turn of the event loop (40-80 ms stalls, 4 plain scrapers, 5,000 plans).
      await (res.writableNeedDrain && res.writableLength > 0 ? drainedOrClosed(res) : setImmediatePromise());
      turn = budget.take();
      if (turn) await turn;
      if (res.destroyed) return;
      res.cork();
    }
  }
  res.end();
}

function drainedOrClosed(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

/**
 * Outside express nothing else catches: whatever escapes the /metrics handler is a 500 with the
 * reason, or a cut connection once headers are out (the client sees a short body), never an
 * unhandled rejection.
 */
const failed = (res: ServerResponse) => (err: unknown) =>
  sendPlain(res, 500, `error rendering metrics: ${err instanceof Error ? err.message : String(err)}\n`);

/** The /metrics handler: bodies come pre-rendered (and pre-gzipped) from the exposition. */
async function serveMetrics(req: IncomingMessage, res: ServerResponse, exposition: Exposition, budget: TurnBudget): Promise<void> {
  const format = formatFor(req);
  const gzip = acceptsGzip(req);
  const { chunks, release } = await exposition.lease(format, gzip);
  // Once the response is done with the bytes (sent, or the client went away, maybe already).
  if (res.destroyed) return release();
  res.once('close', release);
  res.setHeader('Content-Type', CONTENT_TYPES[format]);
  res.setHeader('Vary', 'Accept-Encoding');
  if (gzip) res.setHeader('Content-Encoding', 'gzip');
  res.setHeader('Content-Length', chunks.reduce((n, c) => n + c.length, 0));
  if (req.method === 'HEAD') return void res.end();
  await writeBody(res, chunks, budget);
}

export function createApp(options: AppOptions): RequestListener {
  const app = express();
  const writeBudget = new TurnBudget(WRITE_TURN_MS);
  const { telemetryPath, guard } = options;
  const serveTelemetry = (req: IncomingMessage, res: ServerResponse): void => {
    // 405 rather than 404: a scraper configured with the wrong method learns what to fix.
    if (!isReadOnly(req)) return sendPlain(res, 405, 'Method Not Allowed\n', { Allow: ALLOWED_METHODS });
    if (hasBody(req)) return sendPlain(res, 413, 'Request body not accepted\n');
    serveMetrics(req, res, options.exposition, writeBudget).catch(failed(res));
  };

  app.disable('x-powered-by');
  app.set('etag', false);
  if (guard) app.use((req, res, next) => guard(req, res, req.path, () => next()));
  // Matched literally, not as an express route pattern: a configured path such as `/m*` or
  // `/metrics:v2` is valid config and must neither crash the router nor match other paths.
  app.use((req, res, next) => (req.path === telemetryPath ? serveTelemetry(req, res) : next()));

  const knownPaths = new Set(['/', '/-/healthy', '/-/ready', STATUS_API_PATH]);
  app.use((req, res, next) => {
    if (!isReadOnly(req)) {
      if (knownPaths.has(req.path)) return void res.status(405).set('Allow', ALLOWED_METHODS).type('text/plain').send('Method Not Allowed\n');
      return void res.status(404).type('text/plain').send('Not Found\n');
    }
    if (hasBody(req)) return void res.status(413).type('text/plain').send('Request body not accepted\n');
    next();
  });

  app.use(compression({ threshold: 1024 }));

  app.get('/-/healthy', (_req, res) => {
    res.type('text/plain').send('Healthy\n');
  });

  app.get('/-/ready', (_req, res) => {
    if (options.isReady()) res.type('text/plain').send('Ready\n');
    else res.status(503).type('text/plain').send('Not ready: first collection cycle has not finished\n');
  });

  const landing = landingHandlers({
    version: options.version,
    telemetryPath,
    ...(options.status ? { source: options.status } : {}),
    ...(options.notice ? { notice: options.notice } : {}),
    ...(options.describe ? { describe: options.describe } : {}),
  });
  app.get('/', landing.page);
  app.get(STATUS_API_PATH, landing.api);

  app.use((_req, res) => {
    res.status(404).type('text/plain').send('Not Found\n');
  });

  // The telemetry path as scrapers send it (`/metrics`, or with a query) skips express.
  const isTelemetryUrl = (url: string) => url === telemetryPath || (url.startsWith(telemetryPath) && url.charCodeAt(telemetryPath.length) === 0x3f);
  return (req, res) => {
    // No endpoint reads a body: one that was sent stays unread, so the connection is closed
    // after the answer rather than its bytes parsed as the next request.
    if (hasBody(req)) res.setHeader('Connection', 'close');
    if (!isTelemetryUrl(req.url ?? '')) return void app(req, res);
    try {
      if (guard) guard(req, res, telemetryPath, () => serveTelemetry(req, res));
      else serveTelemetry(req, res);
    } catch (err) {
      failed(res)(err);
    }
  };
}
