/**
 * The HTTP side: /metrics, the landing page, /api/v1/status and health, reading only the latest finished
 * snapshot; /metrics is answered ahead of express. Why: docs/design/exposition.md#serving
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import compression from 'compression';
import express from 'express';
import Negotiator from 'negotiator';
import type { Exposition, ExpositionFormat } from '../metrics/index.js';
import { STATUS_API_PATH, landingHandlers } from './landing/routes.js';
import type { LandingNotice, StatusSource } from './landing/view.js';
import { hasBody, refuseUnlessReadOnly, sendPlain } from './respond.js';
import type { Guard } from './web-security.js';

export interface AppOptions {
  /** Answers /metrics (src/metrics/exposition.ts). */
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

/**
 * Outside express nothing else catches: whatever escapes the /metrics handler is a 500 with the
 * reason, or a cut connection once headers are out (the client sees a short body), never an
 * unhandled rejection.
 */
const failed = (res: ServerResponse) => (err: unknown) =>
  sendPlain(res, 500, `error rendering metrics: ${err instanceof Error ? err.message : String(err)}\n`);

export function createApp(options: AppOptions): RequestListener {
  const { telemetryPath, guard } = options;
  const serveTelemetry = telemetryHandler(options.exposition);
  const app = expressApp(options, serveTelemetry);

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

type TelemetryHandler = (req: IncomingMessage, res: ServerResponse) => void;

/** /metrics, read-only methods only; shared by the fast path and express so both answer alike. */
function telemetryHandler(exposition: Exposition): TelemetryHandler {
  // async: a throw while negotiating is a rejection too, answered by failed().
  const serveMetrics = async (req: IncomingMessage, res: ServerResponse) =>
    exposition.serve(res, { format: formatFor(req), gzip: acceptsGzip(req), head: req.method === 'HEAD' });
  return (req, res) => {
    if (refuseUnlessReadOnly(req, res, true)) return;
    serveMetrics(req, res).catch(failed(res));
  };
}

/** Every request the fast path leaves: the guard first, then /metrics under other spellings, health, the landing page, 404. */
function expressApp(options: AppOptions, serveTelemetry: TelemetryHandler): express.Express {
  const app = express();
  const { telemetryPath, guard } = options;
  app.disable('x-powered-by');
  app.set('etag', false);
  if (guard) app.use((req, res, next) => guard(req, res, req.path, () => next()));
  // Matched literally, not as an express route pattern: a configured path such as `/m*` or
  // `/metrics:v2` is valid config and must neither crash the router nor match other paths.
  app.use((req, res, next) => (req.path === telemetryPath ? serveTelemetry(req, res) : next()));

  const knownPaths = new Set(['/', '/-/healthy', '/-/ready', STATUS_API_PATH]);
  app.use((req, res, next) => refuseUnlessReadOnly(req, res, knownPaths.has(req.path)) || next());

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
  return app;
}
