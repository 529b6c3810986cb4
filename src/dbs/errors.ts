/**
 * Every failure of a DBS call becomes a DbsApiError with one class from a small fixed set.
 * The class is what metrics and retries look at; the raw code and RequestId are kept for
 * logs and for support tickets with Alibaba Cloud.
 */
export const ERROR_CLASSES = [
  'throttled',
  'auth',
  'forbidden',
  'not_found',
  'invalid_request',
  'server',
  'network',
  'timeout',
  'bad_response',
] as const;
export type ErrorClass = (typeof ERROR_CLASSES)[number];

export class DbsApiError extends Error {
  override readonly name = 'DbsApiError';
  constructor(
    readonly errorClass: ErrorClass,
    /** The raw code from DBS (`Throttling.User`) or from the transport (`ECONNRESET`). */
    readonly code: string,
    message: string,
    readonly details: { action?: string; requestId?: string; statusCode?: number } = {},
  ) {
    super(message);
  }

  get requestId(): string | undefined {
    return this.details.requestId;
  }

  get statusCode(): number | undefined {
    return this.details.statusCode;
  }

  /**
   * Worth another attempt: the same request may well succeed a moment later. A reused nonce too: the
   * SDK draws it at random, and the retry is signed with a fresh one.
   */
  get retryable(): boolean {
    return RETRYABLE.has(this.errorClass) || (this.errorClass === 'server' && (this.statusCode ?? 500) >= 500) || this.code === 'SignatureNonceUsed';
  }
}

const RETRYABLE = new Set<ErrorClass>(['throttled', 'network', 'timeout']);

const AUTH_CODES = [
  /^InvalidAccessKeyId/,
  /^SignatureDoesNotMatch$/,
  /^InvalidSecurityToken/,
  /^IncompleteSignature/,
  /^MissingAuthorization/,
  /^InvalidTimeStamp/,
  /^SignatureNonceUsed/,
  /^InvalidCredentials$/,
  /^CredentialException$/,
];
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ECONNABORTED',
  'UND_ERR_SOCKET',
  'ERR_STREAM_PREMATURE_CLOSE',
]);
const TIMEOUT_CODES = new Set(['ETIMEDOUT', 'ESOCKETTIMEDOUT', 'ReadTimeout', 'ConnectTimeout', 'TimeoutError']);

/** Class of a code DBS sent (in an error body or as ErrCode with Success:false). */
export function classifyApiCode(code: string, statusCode?: number): ErrorClass {
  // The code is more specific than the status, so it decides first.
  if (/^Throttling/i.test(code) || code === 'ServiceUnavailable.Throttling') return 'throttled';
  if (AUTH_CODES.some((re) => re.test(code))) return 'auth';
  if (/Forbidden|NoPermission|NotAuthorized/i.test(code)) return 'forbidden';
  if (/InternalError|ServiceUnavailable|UnknownError/i.test(code)) return 'server';
  if (/NotFound|NotExist/i.test(code)) return 'not_found';
  if (/^(Invalid|Missing|Param|MissingParameter)/.test(code)) return 'invalid_request';
  if (statusCode === 403) return 'forbidden';
  if (statusCode === 404) return 'not_found';
  if (statusCode !== undefined && statusCode >= 400 && statusCode < 500) return 'invalid_request';
  return 'server';
}

interface TeaLikeError {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  statusCode?: unknown;
  data?: unknown;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}

/**
 * Turn whatever `openapi-client` (or the socket beneath it) threw into a DbsApiError.
 * The message is rebuilt from known-safe parts: nothing from the request (which would
 * hold the signature or an STS token) ends up in it.
 */
export function classifyThrown(err: unknown, action: string): DbsApiError {
  if (err instanceof DbsApiError) return err;
  const e = (typeof err === 'object' && err !== null ? err : {}) as TeaLikeError;
  const data = (typeof e.data === 'object' && e.data !== null ? e.data : {}) as Record<string, unknown>;
  const statusCode = typeof data.statusCode === 'number' ? data.statusCode : typeof e.statusCode === 'number' ? e.statusCode : undefined;
  const requestId = str(data.RequestId) ?? str(data.requestId);
  const apiCode = str(data.Code) ?? str(data.code);
  const name = str(e.name) ?? '';
  const code = str(e.code) ?? '';

  if (statusCode !== undefined && apiCode) {
    const apiMessage = str(data.Message) ?? str(data.message) ?? '';
    return new DbsApiError(classifyApiCode(apiCode, statusCode), apiCode, `${action}: HTTP ${statusCode} ${apiCode}: ${apiMessage}`.trim(), {
      action,
      requestId,
      statusCode,
    });
  }
  if (statusCode !== undefined) {
    // An error status with a body that was not the documented error JSON.
    return new DbsApiError(statusCode >= 500 ? 'server' : classifyApiCode('', statusCode), `HTTP${statusCode}`, `${action}: HTTP ${statusCode}`, {
      action,
      statusCode,
    });
  }
  if (TIMEOUT_CODES.has(code) || TIMEOUT_CODES.has(name) || /timeout/i.test(name)) {
    return new DbsApiError('timeout', code || name || 'Timeout', `${action}: request timed out`, { action });
  }
  if (NETWORK_CODES.has(code) || /socket hang up|ECONNRESET|aborted|terminated/i.test(String(e.message ?? ''))) {
    return new DbsApiError('network', code || 'ECONNRESET', `${action}: network error ${code || 'connection reset'}`, { action });
  }
  // openapi-client's assertAsMap: a 2xx body that is JSON but not an object.
  if (err instanceof SyntaxError || name === 'SyntaxError' || /not a object|not an object/i.test(String(e.message ?? ''))) {
    return new DbsApiError('bad_response', 'InvalidJSON', `${action}: response body is not JSON`, { action });
  }
  if (/credential/i.test(code) || /credential/i.test(name) || /credential/i.test(String(e.message ?? ''))) {
    return new DbsApiError('auth', code || 'CredentialError', `${action}: credentials unavailable: ${safeMessage(e.message)}`, { action });
  }
  return new DbsApiError('network', code || name || 'Error', `${action}: ${safeMessage(e.message)}`, { action });
}

/** Keep the first line of a library message and cut anything that looks like a key or token. */
function safeMessage(message: unknown): string {
  const first = String(message ?? 'unknown error').split('\n')[0] ?? '';
  return first
    .replace(/(AccessKeySecret|SecurityToken|Signature|accessKeySecret|securityToken)[=:]\s*\S+/g, '$1=<redacted>')
    .slice(0, 300);
}

/**
 * DBS's answer for a plan an action does not apply to (DescribeBackupPlanBilling on a plan without
 * billing of its own): HTTP 400 "This backupPlan can't support this action". Its code is not
 * documented, so the message is what identifies it.
 */
export function isNotApplicable(err: unknown): boolean {
  return err instanceof DbsApiError && err.statusCode === 400 && /can'?t support this action/i.test(err.message);
}
