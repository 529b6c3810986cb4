/**
 * Short plain-text answers written with node:http alone, the same on the /metrics fast path, in
 * the guard and behind express: `text/plain; charset=utf-8`, a Content-Length, no body for HEAD.
 */
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';

export function sendPlain(res: ServerResponse, status: number, text: string, headers: OutgoingHttpHeaders = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = Buffer.from(text, 'utf8');
  res.writeHead(status, { ...headers, 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': body.length });
  res.end(body);
}

const ALLOWED_METHODS = 'GET, HEAD';
const isReadOnly = (req: IncomingMessage) => req.method === 'GET' || req.method === 'HEAD';
export const hasBody = (req: IncomingMessage): boolean => req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;

/**
 * Every endpoint is read-only and reads no body: refuses other methods (405 on a known path, so a
 * scraper with the wrong method learns what to fix; else 404) and requests with a body (413).
 * Returns whether it answered.
 */
export function refuseUnlessReadOnly(req: IncomingMessage, res: ServerResponse, knownPath: boolean): boolean {
  if (!isReadOnly(req)) {
    if (knownPath) sendPlain(res, 405, 'Method Not Allowed\n', { Allow: ALLOWED_METHODS });
    else sendPlain(res, 404, 'Not Found\n');
    return true;
  }
  if (hasBody(req)) {
    sendPlain(res, 413, 'Request body not accepted\n');
    return true;
  }
  return false;
}
