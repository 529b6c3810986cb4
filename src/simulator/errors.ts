/**
 * Gateway errors the simulator answers with. Each becomes an HTTP status plus the
 * Alibaba Cloud error body `{RequestId, HostId, Code, Message, Recommend}`.
 */
import type { ApiErrorBody } from '../dbs/schemas.js';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export function errorBody(error: ApiError, requestId: string, hostId: string): ApiErrorBody {
  return {
    RequestId: requestId,
    HostId: hostId,
    Code: error.code,
    Message: error.message,
    Recommend: `https://api.aliyun.com/troubleshoot?q=${encodeURIComponent(error.code)}&product=Dbs&requestId=${requestId}`,
  };
}

/** Constructors for the errors the gateway produces, so codes and statuses are spelled once. */
export const apiErrors = {
  missingAuthorization: () =>
    new ApiError(400, 'MissingAuthorization', 'The request is not signed: no Authorization header and no Signature parameter.'),
  incompleteSignature: (detail: string) => new ApiError(400, 'IncompleteSignature', `The request signature is incomplete: ${detail}`),
  missingParameter: (name: string) => new ApiError(400, 'MissingParameter', `${name} is mandatory for this action.`),
  accessKeyNotFound: () => new ApiError(404, 'InvalidAccessKeyId.NotFound', 'Specified access key is not found.'),
  signatureMismatch: () =>
    new ApiError(
      400,
      'SignatureDoesNotMatch',
      'Specified signature is not matched with our calculation. Please check your AccessKeySecret and signing algorithm.',
    ),
  contentHashMismatch: () =>
    new ApiError(400, 'SignatureDoesNotMatch', 'x-acs-content-sha256 does not match the SHA-256 of the request body.'),
  timestampFormat: (value: string) =>
    new ApiError(400, 'InvalidTimeStamp.Format', `Specified time stamp or date value "${value}" is not well formatted.`),
  timestampExpired: () =>
    new ApiError(400, 'InvalidTimeStamp.Expired', 'Specified time stamp or date value is expired (more than the allowed skew from server time).'),
  nonceUsed: () => new ApiError(400, 'SignatureNonceUsed', 'Specified signature nonce was used already.'),
  unsupportedSignatureMethod: (method: string) =>
    new ApiError(400, 'InvalidSignatureMethod', `Specified signature method "${method}" is not supported.`),
  securityTokenMismatch: () =>
    new ApiError(400, 'InvalidSecurityToken.Mismatch', 'Specified SecurityToken mismatch with the AccessKey.'),
  securityTokenExpired: () => new ApiError(400, 'InvalidSecurityToken.Expired', 'Specified SecurityToken is expired.'),
  actionNotFound: (action: string) =>
    new ApiError(404, 'InvalidAction.NotFound', `Specified api "${action}" is not found, please check your url and method.`),
  invalidVersion: (version: string) =>
    new ApiError(400, 'InvalidVersion', `Specified parameter Version "${version}" is not valid.`),
  invalidParameter: (name: string, detail: string) =>
    new ApiError(400, 'InvalidParameter', `The specified parameter ${name} is not valid: ${detail}`),
  throttled: () => new ApiError(400, 'Throttling.User', 'Request was denied due to user flow control.'),
  forbidden: () => new ApiError(403, 'Request.Forbidden', 'You are not authorized to perform this operation.'),
  internal: () => new ApiError(500, 'InternalError', 'The request processing has failed due to some unknown error.'),
  unavailable: () => new ApiError(503, 'ServiceUnavailable', 'The request has failed due to a temporary failure of the server.'),
};
