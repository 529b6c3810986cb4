/**
 * Resource limits of the HTTP(S) server, chosen so that a normal Prometheus scrape never
 * meets them while a slow, malformed or oversized client is cut off early.
 *
 * What each Node.js timeout covers (node:http, Node 20):
 * - headersTimeout: from the connection's first byte (or the end of the previous request on
 *   a kept-alive connection) until the header block is complete. Also cuts a connection that
 *   sends nothing at all. Answered with 408 and the socket closed.
 * - requestTimeout: until the whole *request* (headers and body) is received. It stops once
 *   the request is in; it never covers writing the response, so a tens-of-MB exposition
 *   streamed to a slow scraper is not cut by it.
 * - keepAliveTimeout: how long a connection may sit idle between two requests.
 * Both request timeouts are checked every connectionsCheckingInterval, so that interval is
 * how late the cut may come; Node's default (30 s) would let a slowloris client hold a
 * connection for headersTimeout + 30 s.
 */
import type { ServerOptions as HttpServerOptions, Server as HttpServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { Logger } from 'pino';
import { ConnectionTable, acceptBackstop, connectionCap, openFileLimit } from './connections.js';

export interface ServerLimits {
  /** A scraper sends its headers in one packet; 10 s is generous even over a bad link. */
  headersTimeoutMs: number;
  /** Headers plus body. Requests carry no body here (app.ts refuses them), so this is a backstop. */
  requestTimeoutMs: number;
  /**
   * Idle time between requests on one connection. Above Prometheus' usual 15-60 s scrape
   * interval so scrapers reuse their connection (one TLS handshake, not one per scrape), and
   * above the 60 s idle timeout of common load balancers and ingresses, which must close an
   * idle connection before the server does or their next request races the close.
   */
  keepAliveTimeoutMs: number;
  /** How often the two request timeouts are enforced. */
  connectionsCheckingIntervalMs: number;
  /** Request line plus headers, in bytes; larger is answered 431. Prometheus sends well under 1 KiB. */
  maxHeaderSize: number;
  /**
   * Open connections at once. Past it a new connection is still accepted, and the oldest
   * connection not in a request (no complete request header yet, or idle between requests) is
   * closed to make room: slow or idle clients cannot lock scrapes out (connections.ts,
   * docs/design/connections.md). Each Prometheus replica holds one connection per target, so
   * 512 is room for hundreds of scrapers; it also bounds what held connections cost in memory.
   * Lowered to fit the process's file-descriptor limit (connectionCap).
   */
  maxConnections: number;
  /** A stalled TLS handshake (before headersTimeout starts counting); Node's default is 120 s. */
  tlsHandshakeTimeoutMs: number;
}

export const SERVER_LIMITS: Readonly<ServerLimits> = Object.freeze({
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 65_000,
  connectionsCheckingIntervalMs: 1_000,
  maxHeaderSize: 16 * 1024,
  maxConnections: 512,
  tlsHandshakeTimeoutMs: 10_000,
});

/** The defaults with `overrides` applied (tests use short timeouts and a small cap). */
export function serverLimits(overrides: Partial<ServerLimits> = {}): ServerLimits {
  const limits = { ...SERVER_LIMITS, ...overrides };
  // Node refuses a headersTimeout above requestTimeout when the server starts.
  if (limits.headersTimeoutMs > limits.requestTimeoutMs) limits.requestTimeoutMs = limits.headersTimeoutMs;
  return limits;
}

/** The limits node:http only takes at construction (node:https passes the same ones on). */
export function httpServerOptions(limits: ServerLimits): HttpServerOptions {
  return {
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    connectionsCheckingInterval: limits.connectionsCheckingIntervalMs,
    maxHeaderSize: limits.maxHeaderSize,
  };
}

/** How often a full connection table is logged, at most. */
const LIMIT_LOG_INTERVAL_MS = 60_000;

/**
 * The limits that are server properties, set again after construction so they hold whatever
 * the options did; the connection table (connections.ts) with its cap; and a warning, at most
 * once a minute and with counts, while connections are closed for room or dropped: scrapes
 * failing that way leave nothing else behind. node's own server.maxConnections stays as a
 * backstop near the descriptor limit, and a failed accept (out of descriptors) is logged rather
 * than crashing the process through an unhandled 'error'.
 * maxRequestsPerSocket stays unlimited: requests on one connection are sequential, and Node
 * stops reading pipelined requests while responses are backed up, so a cap would only cost
 * scrapers their kept-alive connection.
 */
export function applyServerLimits(server: HttpServer | HttpsServer, limits: ServerLimits, logger: Logger, openFiles: number | undefined = openFileLimit()): ConnectionTable {
  server.headersTimeout = limits.headersTimeoutMs;
  server.requestTimeout = limits.requestTimeoutMs;
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  let acceptDropped = 0;
  let acceptFailed = 0;
  let lastLogged = -Infinity;
  const warn = () => {
    const now = Date.now();
    if (now - lastLogged < LIMIT_LOG_INTERVAL_MS) return;
    lastLogged = now;
    const c = table.counts();
    logger.warn(
      {
        max_connections: table.maxConnections,
        open: c.open,
        busy: c.busy,
        closed_waiting_total: c.shedWaiting,
        closed_idle_total: c.shedIdle,
        dropped_total: c.dropped + acceptDropped,
        ...(acceptFailed > 0 ? { accept_failed_total: acceptFailed } : {}),
      },
      'connection limit reached: closing the oldest connections not in a request',
    );
  };
  const table = new ConnectionTable({ maxConnections: connectionCap(limits.maxConnections, openFiles), onLimit: warn });
  table.attach(server);
  server.maxConnections = Math.max(table.maxConnections, acceptBackstop(openFiles));
  server.on('drop', () => {
    acceptDropped += 1;
    warn();
  });
  server.on('error', (err: NodeJS.ErrnoException) => {
    if (err.syscall === 'accept') {
      acceptFailed += 1;
      return warn();
    }
    // Anything else is someone else's: listen errors go to the caller's listener; with none, crash as before.
    if (server.listenerCount('error') === 1) throw err;
  });
  return table;
}
