/**
 * Resource limits of the HTTP(S) server: a normal Prometheus scrape never meets them, while a slow,
 * malformed or oversized client is cut off early. Why: docs/design/server.md#limits
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
  /** Idle time between requests on one connection: above scrape intervals and load balancers' 60 s idle timeout. */
  keepAliveTimeoutMs: number;
  /** How often the two request timeouts are enforced. */
  connectionsCheckingIntervalMs: number;
  /** Request line plus headers, in bytes; larger is answered 431. Prometheus sends well under 1 KiB. */
  maxHeaderSize: number;
  /**
   * Open connections at once; past it the oldest connection not in a request is closed to make room.
   * Why: docs/design/server.md#open-connections
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
 * Sets the server-property limits again, attaches the capped connection table, and warns (once a minute,
 * with counts) while connections are closed or dropped. Why: docs/design/server.md#open-connections
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
    // Anything else is someone else's: listen errors go to the caller's listener; with none, crash as node would without this one.
    if (server.listenerCount('error') === 1) throw err;
  });
  return table;
}
