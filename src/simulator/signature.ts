/**
 * Alibaba Cloud request signatures, written from the published algorithms with node:crypto
 * only (the simulator must not share signing code with the client it tests):
 *
 * - ACS3-HMAC-SHA256 (V3): an `Authorization` header over a canonical request.
 * - HMAC-SHA1 RPC signature (V1): a `Signature` query parameter over the sorted parameters.
 *
 * The sign* helpers exist for tests and load tools that need raw signed requests.
 */
import { createHash, createHmac, randomUUID } from 'node:crypto';

export type ParamPair = readonly [name: string, value: string];

/**
 * RFC 3986 percent-encoding as Alibaba Cloud specifies it: everything except the
 * unreserved characters A-Z a-z 0-9 - _ . ~ is encoded, space as %20.
 */
export function percentEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function byEncodedName(a: readonly [string, string], b: readonly [string, string]): number {
  if (a[0] !== b[0]) return a[0] < b[0] ? -1 : 1;
  return a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0;
}

/** Parameters percent-encoded, sorted by encoded name, joined as `name=value&...`. */
export function canonicalQueryString(params: readonly ParamPair[]): string {
  return params
    .map(([name, value]) => [percentEncode(name), percentEncode(value)] as const)
    .sort(byEncodedName)
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
}

/* ---------------------------------- ACS3-HMAC-SHA256 ---------------------------------- */

export const ACS3_ALGORITHM = 'ACS3-HMAC-SHA256';

export interface Acs3Authorization {
  accessKeyId: string;
  /** Lower-case header names, in the order given. */
  signedHeaders: string[];
  signature: string;
}

/** Parses `ACS3-HMAC-SHA256 Credential=..,SignedHeaders=..,Signature=..`; undefined if malformed. */
export function parseAcs3Authorization(header: string): Acs3Authorization | undefined {
  if (!header.startsWith(`${ACS3_ALGORITHM} `)) return undefined;
  const fields = new Map<string, string>();
  for (const part of header.slice(ACS3_ALGORITHM.length + 1).split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const accessKeyId = fields.get('Credential');
  const signedHeaders = fields.get('SignedHeaders');
  const signature = fields.get('Signature');
  if (!accessKeyId || !signedHeaders || !signature) return undefined;
  return { accessKeyId, signedHeaders: signedHeaders.split(';').filter(Boolean), signature };
}

export interface CanonicalRequestInput {
  method: string;
  /** The request path, e.g. `/`. */
  path: string;
  /** The URL query parameters (the body is covered by hashedPayload instead). */
  query: readonly ParamPair[];
  /** Header values by lower-case name. */
  headers: Readonly<Record<string, string | string[] | undefined>>;
  /** Lower-case names of the signed headers. */
  signedHeaders: readonly string[];
  /** Hex SHA-256 of the body. */
  hashedPayload: string;
}

function headerValue(value: string | string[] | undefined): string {
  if (value === undefined) return '';
  return Array.isArray(value) ? value.map((v) => v.trim()).sort().join(',') : value.trim();
}

export function acs3CanonicalRequest(input: CanonicalRequestInput): string {
  const names = [...input.signedHeaders].map((n) => n.toLowerCase()).sort();
  const canonicalHeaders = names.map((name) => `${name}:${headerValue(input.headers[name])}\n`).join('');
  return [
    input.method.toUpperCase(),
    input.path,
    canonicalQueryString(input.query),
    canonicalHeaders,
    names.join(';'),
    input.hashedPayload,
  ].join('\n');
}

export function acs3StringToSign(canonicalRequest: string): string {
  return `${ACS3_ALGORITHM}\n${sha256Hex(canonicalRequest)}`;
}

export function acs3Signature(secret: string, canonicalRequest: string): string {
  return createHmac('sha256', secret).update(acs3StringToSign(canonicalRequest)).digest('hex');
}

/* ------------------------------------ RPC HMAC-SHA1 ------------------------------------ */

/** `METHOD&%2F&percentEncode(canonicalized parameters)`; `Signature` itself is excluded. */
export function rpcV1StringToSign(method: string, params: readonly ParamPair[]): string {
  const signed = params.filter(([name]) => name !== 'Signature');
  return `${method.toUpperCase()}&${percentEncode('/')}&${percentEncode(canonicalQueryString(signed))}`;
}

export function rpcV1Signature(secret: string, stringToSign: string): string {
  return createHmac('sha1', `${secret}&`).update(stringToSign).digest('base64');
}

/* ------------------------------- signing helpers (tests) ------------------------------- */

/** `2026-11-28T05:20:44Z`: ISO 8601 UTC without milliseconds. */
export function isoSeconds(epochMs: number): string {
  return new Date(epochMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export interface SigningCredential {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken?: string;
}

export interface Acs3SignOptions {
  credential: SigningCredential;
  action: string;
  version: string;
  /** `host` header value, e.g. `127.0.0.1:4000`. */
  host: string;
  query?: Record<string, string>;
  body?: string;
  method?: string;
  /** Defaults to now. */
  date?: number;
  nonce?: string;
}

/** Headers (including Authorization) for an ACS3-HMAC-SHA256 signed RPC request to `/`. */
export function signAcs3Request(options: Acs3SignOptions): Record<string, string> {
  const body = options.body ?? '';
  const headers: Record<string, string> = {
    host: options.host,
    'x-acs-action': options.action,
    'x-acs-version': options.version,
    'x-acs-date': isoSeconds(options.date ?? Date.now()),
    'x-acs-signature-nonce': options.nonce ?? randomUUID(),
    'x-acs-content-sha256': sha256Hex(body),
  };
  if (body) headers['content-type'] = 'application/x-www-form-urlencoded';
  if (options.credential.securityToken) {
    headers['x-acs-accesskey-id'] = options.credential.accessKeyId;
    headers['x-acs-security-token'] = options.credential.securityToken;
  }
  const signedHeaders = Object.keys(headers).sort();
  const canonical = acs3CanonicalRequest({
    method: options.method ?? 'POST',
    path: '/',
    query: Object.entries(options.query ?? {}),
    headers,
    signedHeaders,
    hashedPayload: headers['x-acs-content-sha256'] as string,
  });
  const signature = acs3Signature(options.credential.accessKeySecret, canonical);
  headers.authorization = `${ACS3_ALGORITHM} Credential=${options.credential.accessKeyId},SignedHeaders=${signedHeaders.join(';')},Signature=${signature}`;
  return headers;
}

export interface RpcV1SignOptions {
  credential: SigningCredential;
  action: string;
  version: string;
  params?: Record<string, string>;
  method?: string;
  date?: number;
  nonce?: string;
}

/** All query parameters, including Signature, for a V1 (HMAC-SHA1) signed RPC request. */
export function signRpcV1Params(options: RpcV1SignOptions): Record<string, string> {
  const params: Record<string, string> = {
    Action: options.action,
    Format: 'json',
    Version: options.version,
    Timestamp: isoSeconds(options.date ?? Date.now()),
    SignatureNonce: options.nonce ?? randomUUID(),
    SignatureMethod: 'HMAC-SHA1',
    SignatureVersion: '1.0',
    AccessKeyId: options.credential.accessKeyId,
    ...options.params,
  };
  if (options.credential.securityToken) params.SecurityToken = options.credential.securityToken;
  params.Signature = rpcV1Signature(
    options.credential.accessKeySecret,
    rpcV1StringToSign(options.method ?? 'POST', Object.entries(params)),
  );
  return params;
}
