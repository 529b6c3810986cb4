/**
 * The HTTP side: /metrics (Prometheus text, or OpenMetrics when the scraper asks for it,
 * gzip when accepted), a landing page, and the health endpoints probes use. Handlers only
 * read the registry, which reads the latest finished snapshot: a scrape never calls DBS.
 */
import compression from 'compression';
import express, { type Express, type Request } from 'express';
import { type OpenMetricsContentType, Registry, type RegistryContentType } from 'prom-client';

export interface AppOptions {
  registry: Registry;
  telemetryPath: string;
  version: string;
  /** Ready once the first collection cycle has finished. */
  isReady: () => boolean;
  /** Extra lines for the landing page (e.g. targets), plain text, already safe to show. */
  describe?: () => string[];
}

function wantsOpenMetrics(req: Request): boolean {
  return (req.get('accept') ?? '').includes('application/openmetrics-text');
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function createApp(options: AppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  // Same metric objects, rendered as OpenMetrics (the type only knows the default content type).
  const openMetrics = Registry.merge([options.registry]) as unknown as Registry<OpenMetricsContentType>;
  openMetrics.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);

  app.use(compression({ threshold: 1024 }));

  // Matched literally, not as an express route pattern: a configured path such as `/m*` or
  // `/metrics:v2` is valid config and must neither crash the router nor match other paths.
  app.use(async (req, res, next) => {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || req.path !== options.telemetryPath) return next();
    const registry: Registry<RegistryContentType> = wantsOpenMetrics(req) ? openMetrics : options.registry;
    try {
      const body = await registry.metrics();
      res.set('Content-Type', registry.contentType).send(body);
    } catch (err) {
      res.status(500).type('text/plain').send(`error rendering metrics: ${(err as Error).message}\n`);
    }
  });

  app.get('/-/healthy', (_req, res) => {
    res.type('text/plain').send('Healthy\n');
  });

  app.get('/-/ready', (_req, res) => {
    if (options.isReady()) res.type('text/plain').send('Ready\n');
    else res.status(503).type('text/plain').send('Not ready: first collection cycle has not finished\n');
  });

  app.get('/', (_req, res) => {
    const extra = (options.describe?.() ?? []).map((line) => `<li>${escapeHtml(line)}</li>`).join('');
    res.type('html').send(`<!doctype html>
<html><head><meta charset="utf-8"><title>DBS Exporter</title></head>
<body>
<h1>DBS Exporter</h1>
<p>Prometheus exporter for Alibaba Cloud Database Backup Service. Version ${escapeHtml(options.version)}.</p>
<ul>
<li><a href="${escapeHtml(options.telemetryPath)}">Metrics</a></li>
<li><a href="/-/healthy">Health</a></li>
<li><a href="/-/ready">Readiness</a></li>
</ul>
${extra ? `<h2>Targets</h2><ul>${extra}</ul>` : ''}
</body></html>
`);
  });

  app.use((_req, res) => {
    res.status(404).type('text/plain').send('Not Found\n');
  });

  return app;
}
