/**
 * One DBS OpenAPI call over HTTP through @alicloud/openapi-client's generic `callApi` (no DBS
 * SDK exists on npm): signed, sent, its body validated, every failure a classified DbsApiError.
 * The innermost layer of the client (docs/design/dbs-client.md); it never retries.
 */
import OpenApiModule, * as $OpenApi from '@alicloud/openapi-client';
import * as $Util from '@alicloud/tea-util';
import type { z } from 'zod';
import type { ActionParams, ActionResponse, DbsApi } from './api.js';
import type { CredentialProvider } from './credentials.js';
import { DbsApiError, classifyApiCode, classifyThrown } from './errors.js';
import { installReadTimerRelease } from './read-timers.js';
import { API_VERSION, type DbsAction, RESPONSE_SCHEMAS } from './schemas.js';

/** The one schema per action (schemas.ts), typed as the response ActionTypes names for it. */
const responseSchema = <A extends DbsAction>(action: A) => RESPONSE_SCHEMAS[action] as unknown as z.ZodType<ActionResponse<A>>;

type OpenApiClient = {
  callApi(
    params: $OpenApi.Params,
    request: $OpenApi.OpenApiRequest,
    runtime: $Util.RuntimeOptions,
  ): Promise<{ statusCode?: number; body?: unknown }>;
};
type OpenApiCtor = new (config: $OpenApi.Config) => OpenApiClient;
const OpenApiClientClass: OpenApiCtor =
  (OpenApiModule as unknown as { default?: OpenApiCtor }).default ?? (OpenApiModule as unknown as OpenApiCtor);

export const SIGNATURE_ALGORITHMS = ['ACS3-HMAC-SHA256', 'HMAC-SHA1'] as const;
export type SignatureAlgorithm = (typeof SIGNATURE_ALGORITHMS)[number];

export interface TransportOptions {
  /** host[:port] */
  endpoint: string;
  protocol?: 'http' | 'https';
  regionId: string;
  credential: CredentialProvider;
  signatureAlgorithm?: SignatureAlgorithm;
  /** Per-request timeout (connect + read), milliseconds. */
  timeoutMs?: number;
}

/** Query-string values are strings on the wire. */
export function toQuery(params: object): Record<string, string> {
  const query: Record<string, string> = {};
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === null) continue;
    query[key] = typeof value === 'string' ? value : String(value);
  }
  return query;
}

export class OpenApiTransport implements DbsApi {
  private readonly client: OpenApiClient;
  private readonly timeoutMs: number;
  private readonly protocol: string;

  constructor(options: TransportOptions) {
    installReadTimerRelease();
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.protocol = options.protocol ?? 'https';
    const config = new $OpenApi.Config({
      endpoint: options.endpoint,
      protocol: this.protocol,
      regionId: options.regionId,
      readTimeout: this.timeoutMs,
      connectTimeout: Math.min(this.timeoutMs, 5_000),
    });
    // The Credential object is the SDK's own type; our narrowed interface is what it implements.
    (config as unknown as { credential: CredentialProvider }).credential = options.credential;
    if (options.signatureAlgorithm === 'HMAC-SHA1') config.signatureAlgorithm = 'v2';
    this.client = new OpenApiClientClass(config);
  }

  async call<A extends DbsAction>(action: A, params: ActionParams<A>): Promise<ActionResponse<A>> {
    const apiParams = new $OpenApi.Params({
      action,
      version: API_VERSION,
      protocol: this.protocol.toUpperCase(),
      pathname: '/',
      method: 'POST',
      authType: 'AK',
      style: 'RPC',
      reqBodyType: 'formData',
      bodyType: 'json',
    });
    const request = new $OpenApi.OpenApiRequest({ query: toQuery(params) });
    const runtime = new $Util.RuntimeOptions({
      autoretry: false,
      readTimeout: this.timeoutMs,
      connectTimeout: Math.min(this.timeoutMs, 5_000),
    });

    let raw: { statusCode?: number; body?: unknown };
    try {
      raw = await this.client.callApi(apiParams, request, runtime);
    } catch (err) {
      throw classifyThrown(err, action);
    }
    return parseResponse(action, raw.body);
  }
}

/** Validate a 2xx body; `Success:false` or a bare ErrCode is an error, not data. */
export function parseResponse<A extends DbsAction>(action: A, body: unknown): ActionResponse<A> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new DbsApiError('bad_response', 'InvalidBody', `${action}: response body is not a JSON object`, { action });
  }
  const record = body as Record<string, unknown>;
  const requestId = typeof record.RequestId === 'string' ? record.RequestId : undefined;
  const errCode = typeof record.ErrCode === 'string' && record.ErrCode.length > 0 ? record.ErrCode : undefined;
  const success = record.Success;
  if (success === false || success === 'false' || (errCode !== undefined && success !== true && success !== 'true')) {
    const code = errCode ?? 'UnknownError';
    const message = typeof record.ErrMessage === 'string' ? record.ErrMessage : '';
    const httpStatus = typeof record.HttpStatusCode === 'number' && record.HttpStatusCode >= 400 ? record.HttpStatusCode : undefined;
    throw new DbsApiError(classifyApiCode(code, httpStatus), code, `${action}: Success=false ${code}: ${message}`.trim(), {
      action,
      requestId,
      ...(httpStatus !== undefined ? { statusCode: httpStatus } : {}),
    });
  }
  const parsed = responseSchema(action).safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue ? issue.path.join('.') : '';
    throw new DbsApiError('bad_response', 'SchemaMismatch', `${action}: unexpected response shape at ${where || '<root>'}: ${issue?.message ?? ''}`, {
      action,
      requestId,
    });
  }
  return parsed.data;
}
