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
   * Open connections at once; more are dropped when accepted (and logged). Each Prometheus
   * replica holds one connection per target, so 512 is room for hundreds of scrapers while
   * staying under the common 1,024 file-descriptor soft limit, which the DBS client also needs.
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
const DROP_LOG_INTERVAL_MS = 60_000;

/**
 * The limits that are server properties, set again after construction so they hold
 * whatever the options did, and a warning (at most once a minute, with a count) when
 * connections are dropped at the cap: scrapes failing that way leave nothing else behind.
 * maxRequestsPerSocket stays unlimited: requests on one connection are sequential, and Node
 * stops reading pipelined requests while responses are backed up, so a cap would only cost
 * scrapers their kept-alive connection.
 */
export function applyServerLimits(server: HttpServer | HttpsServer, limits: ServerLimits, logger: Logger): void {
  server.headersTimeout = limits.headersTimeoutMs;
  server.requestTimeout = limits.requestTimeoutMs;
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  server.maxConnections = limits.maxConnections;
  let dropped = 0;
  let lastLogged = -Infinity;
  server.on('drop', () => {
    dropped += 1;
    const now = Date.now();
    if (now - lastLogged < DROP_LOG_INTERVAL_MS) return;
    lastLogged = now;
    logger.warn({ max_connections: limits.maxConnections, dropped_total: dropped }, 'connection limit reached: new connections are being dropped');
  });
}
