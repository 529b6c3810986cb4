/**
 * The server's connection table: at most `maxConnections` open; past it, the oldest connection not in
 * a request is closed to make room rather than the new one refused. Why: docs/design/connections.md#the-policy
 */
import { readFileSync } from 'node:fs';
import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';

/** Why a connection was closed for room: no complete request header yet, or idle between requests. */
export type ShedReason = 'waiting' | 'idle';

export interface ConnectionCounts {
  /** Connections open now (as this table counts them: closed-for-room ones leave at once). */
  open: number;
  /** Connected, no complete request header yet (includes TLS handshakes in progress). */
  waiting: number;
  /** Kept alive between requests. */
  idle: number;
  /** A request is being read or answered. */
  busy: number;
  shedWaiting: number;
  shedIdle: number;
  /** New connections closed at once because every open one was busy. */
  dropped: number;
}

export interface ConnectionTableOptions {
  maxConnections: number;
  /** Called after a connection is closed for room or dropped (the table's counts are already updated). */
  onLimit?: (event: ShedReason | 'dropped', table: ConnectionTable) => void;
}

interface Connection {
  readonly socket: Socket;
  /** connectionKey of the raw socket while its TLS handshake is pending (HTTPS). */
  readonly handshakeKey?: string;
  /** The TLS socket over `socket` once the handshake completed (HTTPS). */
  tls?: TLSSocket;
  /** Requests read and not yet answered (pipelining allows more than one). */
  inFlight: number;
  closed: boolean;
}

/** Identifies one TCP connection on the raw socket and on the TLS socket over it (same addresses). */
function connectionKey(socket: Socket): string {
  return `${socket.localAddress}|${socket.localPort}|${socket.remoteAddress}|${socket.remotePort}`;
}

export class ConnectionTable {
  readonly maxConnections: number;
  /** Insertion order is age: the first entry is the one to close first. */
  readonly #waiting = new Map<Socket, Connection>();
  /** Re-inserted when a connection turns idle, so the first entry has been idle longest. */
  readonly #idle = new Map<Socket, Connection>();
  #busy = 0;
  /** Raw and TLS sockets to their connection (the 'request' event carries the TLS one under HTTPS). */
  readonly #bySocket = new WeakMap<object, Connection>();
  /** Raw connections waiting for their TLS socket ('secureConnection'). */
  readonly #handshaking = new Map<string, Connection>();
  readonly #onLimit: ConnectionTableOptions['onLimit'];
  #shedWaiting = 0;
  #shedIdle = 0;
  #dropped = 0;

  constructor(options: ConnectionTableOptions) {
    this.maxConnections = options.maxConnections;
    this.#onLimit = options.onLimit;
  }

  /** Tracks every connection of `server` from now on. */
  attach(server: HttpServer | HttpsServer): void {
    tables.set(server, this);
    const tls = 'setSecureContext' in server;
    server.on('connection', (socket: Socket) => this.#admit(socket, tls));
    if (tls) server.on('secureConnection', (socket: TLSSocket) => this.#secured(socket));
    // First in line, so the connection counts as busy before any handler answers (or fails to).
    server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => this.#request(req, res));
  }

  counts(): ConnectionCounts {
    const waiting = this.#waiting.size;
    const idle = this.#idle.size;
    return { open: waiting + idle + this.#busy, waiting, idle, busy: this.#busy, shedWaiting: this.#shedWaiting, shedIdle: this.#shedIdle, dropped: this.#dropped };
  }

  #admit(socket: Socket, tls: boolean): void {
    const connection: Connection = { socket, inFlight: 0, closed: false, ...(tls ? { handshakeKey: connectionKey(socket) } : {}) };
    this.#bySocket.set(socket, connection);
    this.#waiting.set(socket, connection);
    if (connection.handshakeKey !== undefined) this.#handshaking.set(connection.handshakeKey, connection);
    socket.once('close', () => this.#forget(connection));
    if (this.#waiting.size + this.#idle.size + this.#busy <= this.maxConnections) return;
    const victim = this.#oldestExcept(this.#waiting, connection);
    if (victim) return this.#shed(victim, 'waiting');
    const idle = this.#idle.values().next().value;
    if (idle) return this.#shed(idle, 'idle');
    this.#dropped += 1;
    this.#close(connection);
    this.#onLimit?.('dropped', this);
  }

  #oldestExcept(map: Map<Socket, Connection>, except: Connection): Connection | undefined {
    for (const connection of map.values()) if (connection !== except) return connection;
    return undefined;
  }

  #shed(connection: Connection, reason: ShedReason): void {
    if (reason === 'waiting') this.#shedWaiting += 1;
    else this.#shedIdle += 1;
    this.#close(connection);
    this.#onLimit?.(reason, this);
  }

  /** Leaves the table now (the socket's 'close' comes later) and destroys the sockets. */
  #close(connection: Connection): void {
    this.#forget(connection);
    connection.tls?.destroy();
    connection.socket.destroy();
  }

  #forget(connection: Connection): void {
    if (connection.closed) return;
    connection.closed = true;
    const { socket } = connection;
    this.#waiting.delete(socket);
    this.#idle.delete(socket);
    if (connection.inFlight > 0) this.#busy -= 1;
    connection.inFlight = 0;
    if (connection.handshakeKey !== undefined && this.#handshaking.get(connection.handshakeKey) === connection) this.#handshaking.delete(connection.handshakeKey);
  }

  #secured(tls: TLSSocket): void {
    const key = connectionKey(tls);
    const connection = this.#handshaking.get(key);
    if (!connection) return;
    this.#handshaking.delete(key);
    connection.tls = tls;
    this.#bySocket.set(tls, connection);
  }

  #request(req: IncomingMessage, res: ServerResponse): void {
    const connection = this.#bySocket.get(req.socket);
    if (!connection || connection.closed) return;
    if (connection.inFlight === 0) {
      this.#waiting.delete(connection.socket);
      this.#idle.delete(connection.socket);
      this.#busy += 1;
    }
    connection.inFlight += 1;
    res.once('close', () => {
      if (connection.closed) return;
      connection.inFlight -= 1;
      if (connection.inFlight > 0) return;
      this.#busy -= 1;
      this.#idle.set(connection.socket, connection);
    });
  }
}

const tables = new WeakMap<HttpServer | HttpsServer, ConnectionTable>();

/** The table attached to `server` (its cap and counts), if any. */
export function connectionTable(server: HttpServer | HttpsServer): ConnectionTable | undefined {
  return tables.get(server);
}

/** Descriptors kept for everything but incoming connections: DBS API sockets, files, stdio, libuv. */
const FD_RESERVE = 128;

/**
 * The process's soft limit on open files (RLIMIT_NOFILE) from /proc/self/limits, or undefined
 * where that file does not exist. Node raises the soft limit to the hard one at start-up, so
 * this is usually the hard limit.
 */
export function openFileLimit(read: () => string = () => readFileSync('/proc/self/limits', 'utf8')): number | undefined {
  try {
    const soft = /^Max open files\s+(\S+)/m.exec(read())?.[1];
    if (soft === undefined) return undefined;
    return soft === 'unlimited' ? Number.POSITIVE_INFINITY : Number(soft);
  } catch {
    return undefined;
  }
}

/**
 * The connections the table may hold with `openFiles` descriptors: at most `wanted`, and at most
 * half of what is left after the reserve, so the connections accepted in one burst before the
 * oldest are closed (up to a listen backlog's worth) still find descriptors. Unknown limit: 1,024
 * (the usual default).
 */
export function connectionCap(wanted: number, openFiles: number | undefined): number {
  const files = openFiles ?? 1024;
  return Math.max(1, Math.min(wanted, Math.floor((files - FD_RESERVE) / 2)));
}

/**
 * node:net's own cap (server.maxConnections), a backstop above the table's: node drops a new
 * connection at accept time past it, where running out of descriptors would instead fail accept
 * and emit 'error'. Closed-for-room sockets count there until their 'close' event.
 */
export function acceptBackstop(openFiles: number | undefined): number {
  const files = openFiles ?? 1024;
  return Number.isFinite(files) ? Math.max(1, files - FD_RESERVE) : Number.MAX_SAFE_INTEGER;
}
