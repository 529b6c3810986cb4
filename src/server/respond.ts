/**
 * Short plain-text answers (errors, refusals) written with node:http alone, so the /metrics fast
 * path and the guard answer the same way express did: `text/plain; charset=utf-8`, a
 * Content-Length, and no body for HEAD (node:http drops it).
 */
import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';

export function sendPlain(res: ServerResponse, status: number, text: string, headers: OutgoingHttpHeaders = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = Buffer.from(text, 'utf8');
  res.writeHead(status, { ...headers, 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': body.length });
  res.end(body);
}
