/**
 * The simulator's HTTP server: speaks the DBS OpenAPI (2019-03-06, RPC style) over
 * `POST /?Action=...` with JSON answers, authenticates like the Alibaba Cloud gateway,
 * and applies injected faults.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { API_VERSION, DBS_ACTIONS, type DbsAction } from '../dbs/schemas.js';
import { ACTION_HANDLERS, type ActionResponseBody } from './actions.js';
import { ADMIN_PREFIX, handleAdminRequest } from './admin.js';
import { Authenticator, claimedIdentity, CredentialStore, DEMO_CREDENTIAL, type ApiRequest, type SimulatorCredential } from './auth.js';
import { SystemClock, type Clock } from './clock.js';
import { ApiError, apiErrors, errorBody } from './errors.js';
import { FaultInjector, type FaultDecision } from './faults.js';
import { Fleet } from './fleet.js';
import { loggableParams, RequestLog } from './request-log.js';
import type { ScenarioOptions } from './scenario.js';
import type { ParamPair } from './signature.js';

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
const JSON_TYPE = 'application/json;charset=utf-8';

function newRequestId(): string {
  return randomUUID().toUpperCase();
}

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

function pairs(search: URLSearchParams): ParamPair[] {
  return [...search.entries()];
}

function isFormBody(req: IncomingMessage, body: Buffer): boolean {
  return body.length > 0 && (req.headers['content-type'] ?? '').toLowerCase().startsWith('application/x-www-form-urlencoded');
}

function isDbsAction(action: string): action is DbsAction {
  return (DBS_ACTIONS as readonly string[]).includes(action);
}

export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const host = options.host ?? '127.0.0.1';
  const clock = options.clock ?? new SystemClock();
  const fleet = new Fleet(clock, options.scenario);
  const faults = new FaultInjector(options.scenario?.seed);
  const requests = new RequestLog(options.requestLogSize);
  const credentials = new CredentialStore(options.credentials ?? [DEMO_CREDENTIAL]);
  const authenticator = new Authenticator({ credentials, maxSkewMs: options.maxSkewMs });
  const hostId = `dbs-api.${fleet.region}.aliyuncs.com`;
  const pendingDelays = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();

  function delay(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const entry = { timer: setTimeout(() => (pendingDelays.delete(entry), resolve()), ms), resolve };
      pendingDelays.add(entry);
    });
  }

  function sendJson(res: ServerResponse, status: number, requestId: string, body: unknown): void {
    if (res.destroyed) return;
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': JSON_TYPE, 'content-length': Buffer.byteLength(text), 'x-acs-request-id': requestId });
    res.end(text);
  }

  /** Sends the headers and part of the body, then drops the connection. */
  function sendReset(res: ServerResponse, requestId: string, body: unknown): void {
    if (res.destroyed) return;
    const text = JSON.stringify(body);
    res.writeHead(200, { 'content-type': JSON_TYPE, 'content-length': Buffer.byteLength(text), 'x-acs-request-id': requestId });
    res.write(text.slice(0, Math.max(1, Math.floor(text.length / 3))), () => res.socket?.destroy());
  }

  async function handleApi(req: IncomingMessage, res: ServerResponse, url: URL, body: Buffer): Promise<void> {
    const requestId = newRequestId();
    const apiRequest: ApiRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: pairs(url.searchParams),
      bodyParams: isFormBody(req, body) ? pairs(new URLSearchParams(body.toString('utf8'))) : [],
      body,
      headers: req.headers,
    };
    const params = new Map<string, string>([...apiRequest.query, ...apiRequest.bodyParams]);
    const claimed = claimedIdentity(apiRequest);
    const entry = {
      time: Date.now(),
      fleetTime: clock.now(),
      requestId,
      action: claimed.action,
      params: loggableParams(params),
      accessKeyId: claimed.accessKeyId,
    };
    const log = (status: number, code?: string) => requests.record({ ...entry, status, code });

    let decision: FaultDecision = { latencyMs: 0 };
    try {
      const caller = authenticator.authenticate(apiRequest);
      if (!isDbsAction(caller.action)) throw apiErrors.actionNotFound(caller.action);
      if (caller.version !== API_VERSION) throw apiErrors.invalidVersion(caller.version);
      decision = faults.decide(caller.action, Date.now());
      await delay(decision.latencyMs);
      if (decision.reject) throw decision.reject;
      if (decision.successFalse) {
        const { errCode, errMessage, httpStatusCode } = decision.successFalse;
        sendJson(res, 200, requestId, { RequestId: requestId, HttpStatusCode: httpStatusCode, Success: false, ErrCode: errCode, ErrMessage: errMessage });
        return log(200, errCode);
      }
      const result: ActionResponseBody = ACTION_HANDLERS[caller.action](fleet, params, { repeatFirstPage: decision.repeatPage });
      let response: unknown = { RequestId: requestId, ...result };
      if (decision.mutate) response = decision.mutate(response as Record<string, unknown>);
      if (decision.malformed !== undefined) {
        if (!res.destroyed) {
          res.writeHead(200, { 'content-type': JSON_TYPE, 'content-length': Buffer.byteLength(decision.malformed), 'x-acs-request-id': requestId });
          res.end(decision.malformed);
        }
        return log(200, 'Fault.Malformed');
      }
      if (decision.reset) {
        sendReset(res, requestId, response);
        return log(200, 'Fault.Reset');
      }
      sendJson(res, 200, requestId, response);
      log(200, result.Success ? undefined : String(result.ErrCode));
    } catch (error) {
      const apiError = error instanceof ApiError ? error : apiErrors.internal();
      sendJson(res, apiError.status, requestId, errorBody(apiError, requestId, hostId));
      log(apiError.status, apiError.code);
    }
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://simulator.invalid');
    readBody(req)
      .then((body) => {
        if (options.adminApi && url.pathname.startsWith(ADMIN_PREFIX)) {
          handleAdminRequest(req, res, url, body, { fleet, faults, clock, requests });
          return;
        }
        return handleApi(req, res, url, body);
      })
      .catch((error: unknown) => {
        const requestId = newRequestId();
        const apiError = error instanceof ApiError ? error : apiErrors.internal();
        sendJson(res, apiError.status, requestId, errorBody(apiError, requestId, hostId));
      });
  });
  // Clients reuse connections; do not let an idle keep-alive socket hold close() up.
  server.keepAliveTimeout = 5_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
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
        for (const pending of pendingDelays) {
          clearTimeout(pending.timer);
          pending.resolve();
        }
        pendingDelays.clear();
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
