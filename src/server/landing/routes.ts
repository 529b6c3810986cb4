/**
 * The landing page (/) and /api/v1/status as express handlers: one view of the latest finished
 * snapshot, rendered as HTML or JSON. Neither calls DBS; a refused query is a 400 with the reason
 * (the HTML page still shows the form and links, so a person can correct it).
 */
import type { Request, RequestHandler, Response } from 'express';
import { LANDING_CSP, renderStatusHtml, STATUS_API_PATH } from './html.js';
import { statusJson } from './json.js';
import { type StatusViewOptions, statusViewer } from './view.js';

export { STATUS_API_PATH };

export interface LandingOptions extends StatusViewOptions {
  telemetryPath: string;
}

/** The query string as sent (express's parsed req.query would turn `a[b]=1` into objects). */
function searchParams(req: Request): URLSearchParams {
  const at = req.originalUrl.indexOf('?');
  return new URLSearchParams(at < 0 ? '' : req.originalUrl.slice(at + 1));
}

function commonHeaders(res: Response): void {
  res.set('Cache-Control', 'no-store');
  res.set('X-Content-Type-Options', 'nosniff');
}

export function landingHandlers(options: LandingOptions): { page: RequestHandler; api: RequestHandler } {
  const viewFor = statusViewer(options);
  const links = { telemetryPath: options.telemetryPath, ...(options.thresholds ? { thresholds: options.thresholds } : {}) };
  return {
    page(req, res) {
      const view = viewFor(searchParams(req));
      commonHeaders(res);
      // A policy from the web config's headers wins: the operator chose it.
      if (!res.hasHeader('Content-Security-Policy')) res.set('Content-Security-Policy', LANDING_CSP);
      res.status(view.error ? 400 : 200).type('html').send(renderStatusHtml(view, links));
    },
    api(req, res) {
      const view = viewFor(searchParams(req));
      commonHeaders(res);
      if (view.error) return void res.status(400).json({ error: view.error.message });
      res.json(statusJson(view));
    },
  };
}
