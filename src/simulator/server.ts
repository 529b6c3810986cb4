/**
 * The simulator's HTTP server: speaks the DBS OpenAPI (2019-03-06, RPC style) over
 * `POST /?Action=...` with JSON answers, authenticates like the Alibaba Cloud gateway,
 * and applies injected faults.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ADMIN_PREFIX, handleAdminRequest } from './admin.js';
import { ApiHandler } from './api-handler.js';
import { Authenticator, CredentialStore, DEMO_CREDENTIAL, type SimulatorCredential } from './auth.js';
import { SystemClock, type Clock } from './clock.js';
import { ApiError } from './errors.js';
import { FaultInjector } from './faults.js';
import { Fleet } from './fleet.js';
import { RequestLog } from './request-log.js';
import type { ScenarioOptions } from './scenario.js';

export interface SimulatorOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (any free port). */
  port?: number;
  /** Accepted credentials; default [DEMO_CREDENTIAL]. */
  credentials?: SimulatorCredential[];
  scenario?: ScenarioOptions;
  /** Fleet clock; default SystemClock. Authentication always uses the real clock. */
  clock?: Clock;
  /** Allowed request-date skew from the real clock; default 15 minutes. */
  maxSkewMs?: number;
  /** Serve the /_sim/ admin API (loopback callers only); default false. */
  adminApi?: boolean;
  /** Request log capacity; default 10,000 entries. */
  requestLogSize?: number;
}

export interface Simulator {
  /** `http://127.0.0.1:PORT` */
  url: string;
  /** `127.0.0.1:PORT`, what the client's Config.endpoint takes. */
  endpoint: string;
  port: number;
  fleet: Fleet;
  faults: FaultInjector;
  clock: Clock;
  requests: RequestLog;
  credentials: CredentialStore;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 1024 * 1024;

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new ApiError(413, 'RequestEntityTooLarge', 'The request body is too large.'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const host = options.host ?? '127.0.0.1';
  const clock = options.clock ?? new SystemClock();
  const fleet = new Fleet(clock, options.scenario);
  const faults = new FaultInjector(options.scenario?.seed);
  const requests = new RequestLog(options.requestLogSize);
  const credentials = new CredentialStore(options.credentials ?? [DEMO_CREDENTIAL]);
  const authenticator = new Authenticator({ credentials, maxSkewMs: options.maxSkewMs });
  const api = new ApiHandler({ fleet, faults, requests, authenticator, clock, hostId: `dbs-api.${fleet.region}.aliyuncs.com` });

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://simulator.invalid');
    readBody(req)
      .then((body) => {
        if (options.adminApi && url.pathname.startsWith(ADMIN_PREFIX)) return handleAdminRequest(req, res, url, body, { fleet, faults, clock, requests });
        return api.handle(req, res, url, body);
      })
      .catch((error: unknown) => api.sendError(res, error));
  });
  // Clients reuse connections; do not let an idle keep-alive socket hold close() up.
  server.keepAliveTimeout = 5_000;
  const port = await listen(server, options.port ?? 0, host);
  const endpoint = `${host.includes(':') ? `[${host}]` : host}:${port}`;

  return {
    url: `http://${endpoint}`,
    endpoint,
    port,
    fleet,
    faults,
    clock,
    requests,
    credentials,
    close: () =>
      new Promise<void>((resolve, reject) => {
        api.releaseDelays();
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
