/**
 * The web config at run time: the HTTP or HTTPS server, the node:http-level guard (headers, basic auth,
 * client-certificate policies) and the reload loop. Why: docs/design/server.md#web-config-reload
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { type IncomingMessage, type RequestListener, type Server as HttpServer, type ServerResponse, createServer as createHttpServer } from 'node:http';
import { type Server as HttpsServer, createServer as createHttpsServer } from 'node:https';
import type { TLSSocket } from 'node:tls';
import type { Logger } from 'pino';
import { ConfigError } from '../config/index.js';
import { BasicAuth } from './basic-auth.js';
import { sendPlain } from './respond.js';
import { type ServerLimits, applyServerLimits, httpServerOptions, serverLimits } from './limits.js';
import { type ClientAuthType, type TlsSettings, type WebConfig, describeWebConfig, loadWebConfig, secureContextOptions, watchedFiles } from './web-config.js';

/** Reachable without basic auth, so liveness and readiness probes work (still over TLS when TLS is on). */
export const UNAUTHENTICATED_PATHS: ReadonlySet<string> = new Set(['/-/healthy', '/-/ready']);
export const BASIC_AUTH_REALM = 'dbs-exporter';

export interface WebSecurityOptions {
  logger: Logger;
  /** How often the web config and its files are checked for changes (ms). */
  pollIntervalMs?: number;
}

/** Everything a request needs, swapped as one object on reload. */
interface Active {
  config: WebConfig | undefined;
  auth: BasicAuth;
  headers: Readonly<Record<string, string>>;
}

/**
 * Runs before every request is answered: `path` is the request's path (no query); `next` answers
 * it once the guard lets it through.
 */
export type Guard = (req: IncomingMessage, res: ServerResponse, path: string, next: () => void) => void;

export type ReloadOutcome = 'unchanged' | 'reloaded' | 'rejected';

function activate(config: WebConfig | undefined): Active {
  return { config, auth: new BasicAuth(config?.users ?? new Map()), headers: config?.headers ?? {} };
}

/** node:https's two switches for each toolkit client_auth_type; the rest is checked in enforceClientCertificate. */
function clientAuthOptions(clientAuth: ClientAuthType): { requestCert: boolean; rejectUnauthorized: boolean } {
  return { requestCert: clientAuth !== 'NoClientCert', rejectUnauthorized: clientAuth === 'RequireAndVerifyClientCert' };
}

export class WebSecurity {
  #active: Active;
  readonly #logger: Logger;
  readonly #pollIntervalMs: number;
  #server: HttpServer | HttpsServer | undefined;
  #timer: NodeJS.Timeout | undefined;
  /** Content hash of the watched files as last loaded (or last rejected: a bad file is reported once). */
  #seen: string | undefined;
  /** A changed hash waiting one poll to make sure the writer has finished. */
  #pending: string | undefined;
  #reloading: Promise<ReloadOutcome> | undefined;
  /** A poll still reading files when the timer fires again is not doubled (that would skip the settling poll). */
  #polling = false;

  constructor(config: WebConfig | undefined, options: WebSecurityOptions) {
    this.#active = activate(config);
    this.#logger = options.logger;
    this.#pollIntervalMs = options.pollIntervalMs ?? 1000;
  }

  get tls(): boolean {
    return this.#active.config?.tls !== undefined;
  }

  /** Configured headers on every response, then basic auth for all but the health paths. */
  readonly guard: Guard = (req, res, path, next) => {
    const active = this.#active;
    for (const [name, value] of Object.entries(active.headers)) res.setHeader(name, value);
    if (!active.auth.enabled || UNAUTHENTICATED_PATHS.has(path)) return next();
    active.auth
      .check(req.headers.authorization)
      .then((ok) => {
        if (ok) return next();
        this.#logger.debug({ path, remote_address: req.socket.remoteAddress }, 'basic auth failed');
        sendPlain(res, 401, 'Unauthorized\n', { 'WWW-Authenticate': `Basic realm="${BASIC_AUTH_REALM}"` });
      })
      // The check failing, or whatever answers the request after it throwing (nothing else catches here).
      .catch((err: unknown) => {
        this.#logger.error({ path, err: err instanceof Error ? err.message : String(err) }, 'request failed after basic auth check');
        sendPlain(res, 500, 'Internal Server Error\n');
      });
  };

  /**
   * An HTTPS server when the web config has tls_server_config, plain HTTP otherwise, both with the
   * limits of limits.ts (`limits` overrides some) and the connection table of connections.ts.
   */
  createServer(listener: RequestListener, limits: Partial<ServerLimits> = {}): HttpServer | HttpsServer {
    const tls = this.#active.config?.tls;
    const resolved = serverLimits(limits);
    const options = httpServerOptions(resolved);
    if (tls === undefined) {
      this.#server = createHttpServer(options, listener);
    } else {
      const server = createHttpsServer(
        { ...options, handshakeTimeout: resolved.tlsHandshakeTimeoutMs, ...secureContextOptions(tls), ...clientAuthOptions(tls.clientAuth) },
        listener,
      );
      // First in line, so a refused connection is closed before the HTTP parser reads from it.
      server.prependListener('secureConnection', (socket: TLSSocket) => this.#enforceClientCertificate(socket));
      this.#server = server;
    }
    applyServerLimits(this.#server, resolved, this.#logger);
    this.#logStart();
    return this.#server;
  }

  /** The policies OpenSSL's verify flags do not cover: a certificate required but not verified, or verified only if given. */
  #enforceClientCertificate(socket: TLSSocket): void {
    const clientAuth = this.#active.config?.tls?.clientAuth;
    const presented = Object.keys(socket.getPeerCertificate() ?? {}).length > 0;
    const refuse =
      (clientAuth === 'RequireAnyClientCert' && !presented) || (clientAuth === 'VerifyClientCertIfGiven' && presented && !socket.authorized);
    if (refuse) {
      this.#logger.debug({ remote_address: socket.remoteAddress, client_auth_type: clientAuth }, 'client certificate refused');
      socket.destroy();
    }
  }

  #logStart(): void {
    const config = this.#active.config;
    if (config === undefined) return;
    this.#logger.info({ web_config_file: config.file, tls: config.tls !== undefined, basic_auth_users: config.users.size }, `web config: ${describeWebConfig(config)}`);
    if (config.http2 !== undefined) {
      this.#logger.info({ web_config_file: config.file }, 'http_server_config.http2 is accepted and ignored: dbs-exporter serves HTTP/1.1');
    }
  }

  /** Starts polling the web config and its files for changes. */
  async watch(): Promise<void> {
    const config = this.#active.config;
    if (config === undefined || this.#timer !== undefined) return;
    this.#seen = await this.#fingerprint(config);
    this.#timer = setInterval(() => void this.#poll(), this.#pollIntervalMs);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  async #poll(): Promise<void> {
    const config = this.#active.config;
    if (config === undefined || this.#reloading || this.#polling) return;
    this.#polling = true;
    try {
      const now = await this.#fingerprint(config);
      if (now === this.#seen) {
        this.#pending = undefined;
      } else if (now !== this.#pending) {
        this.#pending = now; // changed since the last look: wait one more poll
      } else {
        this.#pending = undefined;
        await this.reload();
      }
    } catch (err) {
      this.#logger.error({ web_config_file: config.file, err: (err as Error)?.message ?? String(err) }, 'web config reload failed; keeping the previous web config');
    } finally {
      this.#polling = false;
    }
  }

  /** Hash of the watched files' contents; a missing file counts as its own state. */
  async #fingerprint(config: WebConfig): Promise<string> {
    const hash = createHash('sha256');
    for (const file of watchedFiles(config)) {
      hash.update(file).update('\0');
      try {
        hash.update(await readFile(file));
      } catch (err) {
        hash.update(`<unreadable ${(err as NodeJS.ErrnoException).code ?? ''}>`);
      }
      hash.update('\0');
    }
    return hash.digest('hex');
  }

  /** Re-reads the web config now. An invalid file, or one that turns TLS on or off, leaves the running one in place. */
  reload(): Promise<ReloadOutcome> {
    this.#reloading ??= this.#reload().finally(() => {
      this.#reloading = undefined;
    });
    return this.#reloading;
  }

  async #reload(): Promise<ReloadOutcome> {
    const old = this.#active.config;
    if (old === undefined) return 'unchanged';
    const before = await this.#fingerprint(old);
    let next: WebConfig;
    try {
      next = await loadWebConfig(old.file);
    } catch (err) {
      this.#seen = before;
      if (!(err instanceof ConfigError)) throw err;
      this.#logger.error({ web_config_file: old.file, problems: err.issues.map((i) => `${i.path}: ${i.message}`) }, 'web config reload failed; keeping the previous web config');
      return 'rejected';
    }
    this.#seen = await this.#fingerprint(next);
    if ((old.tls === undefined) !== (next.tls === undefined)) {
      this.#logger.error(
        { web_config_file: old.file, tls: old.tls !== undefined },
        `web config now turns TLS ${next.tls ? 'on' : 'off'}: that needs a restart; keeping the previous web config until then`,
      );
      return 'rejected';
    }
    if (next.tls !== undefined) this.#applyTls(next.tls);
    this.#active = activate(next);
    this.#logger.info(
      { web_config_file: next.file, ...(next.tls ? { certificate_serial: next.tls.serialNumber } : {}) },
      `web config reloaded: ${describeWebConfig(next)}`,
    );
    return 'reloaded';
  }

  /** New certificate, key, CA and TLS settings for new connections; open connections keep theirs. */
  #applyTls(tls: TlsSettings): void {
    const server = this.#server as HttpsServer | undefined;
    if (server === undefined) return;
    server.setSecureContext(secureContextOptions(tls));
    // node:tls reads these per connection; they are not part of the secure context.
    const { requestCert, rejectUnauthorized } = clientAuthOptions(tls.clientAuth);
    Object.assign(server, { requestCert, rejectUnauthorized });
  }
}
