/**
 * One DBS API request: authenticated like the Alibaba Cloud gateway, faults applied, answered
 * by the action's handler, and logged. The HTTP server (server.ts) only routes to it.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { API_VERSION, DBS_ACTIONS, type DbsAction } from '../dbs/schemas.js';
import { ACTION_HANDLERS, type ActionResponseBody } from './actions.js';
import { claimedIdentity, type ApiRequest, type Authenticator } from './auth.js';
import type { Clock } from './clock.js';
import { ApiError, apiErrors, errorBody } from './errors.js';
import type { FaultDecision, FaultInjector } from './faults.js';
import type { Fleet } from './fleet.js';
import { loggableParams, type RequestLog } from './request-log.js';
import type { ParamPair } from './signature.js';

export interface ApiHandlerDeps {
  fleet: Fleet;
  faults: FaultInjector;
  requests: RequestLog;
  authenticator: Authenticator;
  clock: Clock;
  /** HostId of gateway error bodies. */
  hostId: string;
}

const JSON_TYPE = 'application/json;charset=utf-8';

type LogFn = (status: number, code?: string) => void;

export function newRequestId(): string {
  return randomUUID().toUpperCase();
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

function sendText(res: ServerResponse, status: number, requestId: string, text: string): void {
  if (res.destroyed) return;
  res.writeHead(status, { 'content-type': JSON_TYPE, 'content-length': Buffer.byteLength(text), 'x-acs-request-id': requestId });
  res.end(text);
}

function sendJson(res: ServerResponse, status: number, requestId: string, body: unknown): void {
  sendText(res, status, requestId, JSON.stringify(body));
}

/** Sends the headers and part of the body, then drops the connection. */
function sendReset(res: ServerResponse, requestId: string, body: unknown): void {
  if (res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(200, { 'content-type': JSON_TYPE, 'content-length': Buffer.byteLength(text), 'x-acs-request-id': requestId });
  res.write(text.slice(0, Math.max(1, Math.floor(text.length / 3))), () => res.socket?.destroy());
}

export class ApiHandler {
  private readonly pendingDelays = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();

  constructor(private readonly deps: ApiHandlerDeps) {}

  async handle(req: IncomingMessage, res: ServerResponse, url: URL, body: Buffer): Promise<void> {
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
    const log = this.logger(apiRequest, params, requestId);
    try {
      const caller = this.deps.authenticator.authenticate(apiRequest);
      if (!isDbsAction(caller.action)) throw apiErrors.actionNotFound(caller.action);
      if (caller.version !== API_VERSION) throw apiErrors.invalidVersion(caller.version);
      const decision = this.deps.faults.decide(caller.action, Date.now());
      await this.delay(decision.latencyMs);
      if (decision.reject) throw decision.reject;
      this.answer(res, requestId, caller.action, params, decision, log);
    } catch (error) {
      const apiError = this.sendError(res, error, requestId);
      log(apiError.status, apiError.code);
    }
  }

  /** Answers a gateway error body for `error` (any non-ApiError is an InternalError). */
  sendError(res: ServerResponse, error: unknown, requestId = newRequestId()): ApiError {
    const apiError = error instanceof ApiError ? error : apiErrors.internal();
    sendJson(res, apiError.status, requestId, errorBody(apiError, requestId, this.deps.hostId));
    return apiError;
  }

  /** Ends every injected delay at once, so close() is not held up. */
  releaseDelays(): void {
    for (const pending of this.pendingDelays) {
      clearTimeout(pending.timer);
      pending.resolve();
    }
    this.pendingDelays.clear();
  }

  private answer(res: ServerResponse, requestId: string, action: DbsAction, params: Map<string, string>, decision: FaultDecision, log: LogFn): void {
    if (decision.successFalse) {
      const { errCode, errMessage, httpStatusCode } = decision.successFalse;
      sendJson(res, 200, requestId, { RequestId: requestId, HttpStatusCode: httpStatusCode, Success: false, ErrCode: errCode, ErrMessage: errMessage });
      return log(200, errCode);
    }
    const result: ActionResponseBody = ACTION_HANDLERS[action](this.deps.fleet, params, { repeatFirstPage: decision.repeatPage });
    let response: unknown = { RequestId: requestId, ...result };
    if (decision.mutate) response = decision.mutate(response as Record<string, unknown>);
    if (decision.malformed !== undefined) {
      sendText(res, 200, requestId, decision.malformed);
      return log(200, 'Fault.Malformed');
    }
    if (decision.reset) {
      sendReset(res, requestId, response);
      return log(200, 'Fault.Reset');
    }
    sendJson(res, 200, requestId, response);
    log(200, result.Success ? undefined : String(result.ErrCode));
  }

  private logger(apiRequest: ApiRequest, params: Map<string, string>, requestId: string): LogFn {
    const claimed = claimedIdentity(apiRequest);
    const entry = {
      time: Date.now(),
      fleetTime: this.deps.clock.now(),
      requestId,
      action: claimed.action,
      params: loggableParams(params),
      accessKeyId: claimed.accessKeyId,
    };
    return (status, code) => this.deps.requests.record({ ...entry, status, code });
  }

  private delay(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const entry = { timer: setTimeout(() => (this.pendingDelays.delete(entry), resolve()), ms), resolve };
      this.pendingDelays.add(entry);
    });
  }
}
