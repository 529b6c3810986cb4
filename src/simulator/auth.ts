/**
 * Request authentication the way the Alibaba Cloud gateway does it: find the AccessKey,
 * check the date against the real wall clock, verify the signature, check the STS token,
 * and refuse a nonce seen within the allowed skew window.
 */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { apiErrors } from './errors.js';
import {
  ACS3_ALGORITHM,
  acs3CanonicalRequest,
  acs3Signature,
  parseAcs3Authorization,
  rpcV1Signature,
  rpcV1StringToSign,
  sha256Hex,
  type ParamPair,
} from './signature.js';

export interface SimulatorCredential {
  accessKeyId: string;
  accessKeySecret: string;
  /** An STS token: when set, requests must present exactly this token. */
  securityToken?: string;
  /** Epoch ms (real wall clock) after which the STS token is rejected as expired. */
  expiresAt?: number;
}

/** The credential a simulator accepts when none are configured. Not a real secret. */
export const DEMO_CREDENTIAL: SimulatorCredential = Object.freeze({
  accessKeyId: 'LTAIdemoSimulator',
  accessKeySecret: 'demo-secret-not-real',
});

/** Accepted credentials by AccessKeyId; tests may add, replace or revoke keys at runtime. */
export class CredentialStore {
  private readonly byId = new Map<string, SimulatorCredential>();

  constructor(credentials: readonly SimulatorCredential[] = []) {
    for (const credential of credentials) this.add(credential);
  }

  /** Adds or replaces the credential with this AccessKeyId. */
  add(credential: SimulatorCredential): void {
    this.byId.set(credential.accessKeyId, { ...credential });
  }

  remove(accessKeyId: string): boolean {
    return this.byId.delete(accessKeyId);
  }

  get(accessKeyId: string): SimulatorCredential | undefined {
    return this.byId.get(accessKeyId);
  }

  list(): SimulatorCredential[] {
    return [...this.byId.values()].map((c) => ({ ...c }));
  }
}

/**
 * Nonces seen within the skew window. Entries are kept in arrival order, so pruning
 * removes from the front; a hard cap bounds memory under any request rate.
 */
export class NonceCache {
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly windowMs: number,
    private readonly maxEntries = 500_000,
  ) {}

  /** True if the nonce is fresh (and remembers it); false if it was seen within the window. */
  remember(nonce: string, now: number): boolean {
    this.prune(now);
    const seenAt = this.seen.get(nonce);
    if (seenAt !== undefined && now - seenAt <= this.windowMs) return false;
    this.seen.delete(nonce);
    this.seen.set(nonce, now);
    return true;
  }

  get size(): number {
    return this.seen.size;
  }

  private prune(now: number): void {
    for (const [nonce, seenAt] of this.seen) {
      if (now - seenAt <= this.windowMs && this.seen.size <= this.maxEntries) break;
      this.seen.delete(nonce);
    }
  }
}

/** An API request as the server received it. */
export interface ApiRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  /** URL query parameters in the order received. */
  query: ParamPair[];
  /** Form-urlencoded body parameters (empty when the body is not a form). */
  bodyParams: ParamPair[];
  body: Buffer;
  headers: IncomingHttpHeaders;
}

export type SignatureScheme = 'ACS3-HMAC-SHA256' | 'HMAC-SHA1';

export interface AuthenticatedRequest {
  accessKeyId: string;
  scheme: SignatureScheme;
  action: string;
  version: string;
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

function param(params: readonly ParamPair[], name: string): string | undefined {
  let found: string | undefined;
  for (const [key, value] of params) if (key === name) found = value;
  return found;
}

/** The action and AccessKeyId a request claims, before it is verified (for the request log). */
export function claimedIdentity(request: ApiRequest): { action: string; accessKeyId?: string } {
  const authorization = header(request.headers, 'authorization');
  if (authorization?.startsWith(ACS3_ALGORITHM)) {
    return {
      action: header(request.headers, 'x-acs-action') ?? param(request.query, 'Action') ?? '',
      accessKeyId: parseAcs3Authorization(authorization)?.accessKeyId,
    };
  }
  const params = [...request.query, ...request.bodyParams];
  return { action: param(params, 'Action') ?? header(request.headers, 'x-acs-action') ?? '', accessKeyId: param(params, 'AccessKeyId') };
}

const ISO_SECONDS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;

const ACS3_REQUIRED_HEADERS = ['x-acs-action', 'x-acs-version', 'x-acs-date', 'x-acs-signature-nonce', 'x-acs-content-sha256'] as const;

function sameString(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

export interface AuthenticatorOptions {
  credentials: CredentialStore;
  /** Allowed distance between the request date and the real clock; default 15 minutes. */
  maxSkewMs?: number;
  /** Real wall clock; injectable for tests of the verifier itself. */
  now?: () => number;
}

export class Authenticator {
  private readonly maxSkewMs: number;
  private readonly now: () => number;
  private readonly nonces: NonceCache;

  constructor(private readonly options: AuthenticatorOptions) {
    this.maxSkewMs = options.maxSkewMs ?? 15 * 60_000;
    this.now = options.now ?? Date.now;
    this.nonces = new NonceCache(this.maxSkewMs);
  }

  /** Verifies the request or throws the ApiError the gateway would answer with. */
  authenticate(request: ApiRequest): AuthenticatedRequest {
    const authorization = header(request.headers, 'authorization');
    if (authorization !== undefined && authorization.startsWith(ACS3_ALGORITHM)) {
      return this.authenticateAcs3(request, authorization);
    }
    if (param(request.query, 'Signature') !== undefined || param(request.bodyParams, 'Signature') !== undefined) {
      return this.authenticateRpcV1(request);
    }
    if (authorization !== undefined) throw apiErrors.incompleteSignature('unsupported Authorization scheme');
    throw apiErrors.missingAuthorization();
  }

  private authenticateAcs3(request: ApiRequest, authorization: string): AuthenticatedRequest {
    const parsed = parseAcs3Authorization(authorization);
    if (!parsed) throw apiErrors.incompleteSignature('the Authorization header needs Credential, SignedHeaders and Signature');
    for (const name of ACS3_REQUIRED_HEADERS) {
      if (!header(request.headers, name)) throw apiErrors.missingParameter(name);
    }
    const signed = new Set(parsed.signedHeaders.map((n) => n.toLowerCase()));
    const mustBeSigned = ['host', ...Object.keys(request.headers).filter((n) => n.startsWith('x-acs-'))];
    for (const name of mustBeSigned) {
      if (request.headers[name] !== undefined && !signed.has(name)) throw apiErrors.incompleteSignature(`header ${name} is not signed`);
    }

    const credential = this.credentialFor(parsed.accessKeyId);
    const hashedPayload = header(request.headers, 'x-acs-content-sha256') as string;
    if (!sameString(hashedPayload.toLowerCase(), sha256Hex(request.body))) throw apiErrors.contentHashMismatch();
    this.checkDate(header(request.headers, 'x-acs-date') as string);

    const expected = acs3Signature(
      credential.accessKeySecret,
      acs3CanonicalRequest({
        method: request.method,
        path: request.path,
        query: request.query,
        headers: request.headers,
        signedHeaders: parsed.signedHeaders,
        hashedPayload,
      }),
    );
    if (!sameString(parsed.signature.toLowerCase(), expected)) throw apiErrors.signatureMismatch();

    this.checkSecurityToken(credential, header(request.headers, 'x-acs-security-token'));
    this.checkNonce(credential.accessKeyId, header(request.headers, 'x-acs-signature-nonce') as string);
    return {
      accessKeyId: credential.accessKeyId,
      scheme: 'ACS3-HMAC-SHA256',
      action: header(request.headers, 'x-acs-action') as string,
      version: header(request.headers, 'x-acs-version') as string,
    };
  }

  private authenticateRpcV1(request: ApiRequest): AuthenticatedRequest {
    const params = [...request.query, ...request.bodyParams];
    const required = (name: string): string => {
      const value = param(params, name);
      if (!value) throw apiErrors.missingParameter(name);
      return value;
    };
    const signature = required('Signature');
    const accessKeyId = required('AccessKeyId');
    const method = required('SignatureMethod');
    const nonce = required('SignatureNonce');
    const timestamp = required('Timestamp');
    const action = required('Action');
    const version = required('Version');
    if (method !== 'HMAC-SHA1') throw apiErrors.unsupportedSignatureMethod(method);

    const credential = this.credentialFor(accessKeyId);
    this.checkDate(timestamp);
    const expected = rpcV1Signature(credential.accessKeySecret, rpcV1StringToSign(request.method, params));
    if (!sameString(signature, expected)) throw apiErrors.signatureMismatch();
    this.checkSecurityToken(credential, param(params, 'SecurityToken'));
    this.checkNonce(credential.accessKeyId, nonce);
    return { accessKeyId, scheme: 'HMAC-SHA1', action, version };
  }

  private credentialFor(accessKeyId: string): SimulatorCredential {
    const credential = this.options.credentials.get(accessKeyId);
    if (!credential) throw apiErrors.accessKeyNotFound();
    return credential;
  }

  private checkDate(value: string): void {
    if (!ISO_SECONDS.test(value)) throw apiErrors.timestampFormat(value);
    const date = Date.parse(value);
    if (!Number.isFinite(date)) throw apiErrors.timestampFormat(value);
    if (Math.abs(this.now() - date) > this.maxSkewMs) throw apiErrors.timestampExpired();
  }

  private checkSecurityToken(credential: SimulatorCredential, presented: string | undefined): void {
    if ((credential.securityToken ?? '') !== (presented ?? '')) throw apiErrors.securityTokenMismatch();
    if (credential.securityToken !== undefined && credential.expiresAt !== undefined && credential.expiresAt <= this.now()) {
      throw apiErrors.securityTokenExpired();
    }
  }

  private checkNonce(accessKeyId: string, nonce: string): void {
    if (!this.nonces.remember(`${accessKeyId}\n${nonce}`, this.now())) throw apiErrors.nonceUsed();
  }
}
