/**
 * Closing the HTTP(S) server at shutdown: the port is released at once, responses in flight are
 * finished, and whatever is still open after the grace period is cut. Why: docs/design/server.md#shutdown
 */
import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import type { Server as HttpsServer } from 'node:https';

export interface ServerCloseOutcome {
  /** True when every connection ended on its own within the grace period. */
  drained: boolean;
  /** Connections still open (a response in flight, or a request still arriving) when the grace period ended. */
  cut: number;
}

/**
 * How long a graceful stop may take: the collection cycle in flight and the scrapes in flight
 * get this long each, in parallel (exporter.ts). Well inside Kubernetes' default 30 s grace period.
 */
export const SHUTDOWN_GRACE_MS = 10_000;

/** How often connections that went idle are closed while draining. */
const SWEEP_INTERVAL_MS = 50;
/** After the cut: a TLS handshake still under way is not among the connections node:http can close. */
const AFTER_CUT_MS = 1_000;

/** `promise`, or 'timeout' after `ms`, whichever comes first. */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([promise, new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

function openConnections(server: HttpServer | HttpsServer): Promise<number> {
  return new Promise((resolve) => server.getConnections((err, count) => resolve(err ? 0 : count)));
}

export async function closeServer(server: HttpServer | HttpsServer, graceMs: number): Promise<ServerCloseOutcome> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  const noKeepAlive = (_req: IncomingMessage, res: ServerResponse) => {
    res.shouldKeepAlive = false;
  };
  server.prependListener('request', noKeepAlive);
  const sweep = setInterval(() => server.closeIdleConnections(), SWEEP_INTERVAL_MS);
  try {
    if ((await within(closed, graceMs)) !== 'timeout') return { drained: true, cut: 0 };
    const cut = await openConnections(server);
    server.closeAllConnections();
    await within(closed, AFTER_CUT_MS);
    return { drained: false, cut };
  } finally {
    clearInterval(sweep);
    server.off('request', noKeepAlive);
  }
}
