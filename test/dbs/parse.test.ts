/** Response validation: what counts as data, what counts as an error. */
import { describe, expect, it } from 'vitest';
import { DbsApiError, classifyApiCode, parseResponse } from '../../src/dbs/index.js';

const fail = (body: unknown) => {
  try {
    parseResponse('DescribeFullBackupList', body);
  } catch (err) {
    return err as DbsApiError;
  }
  throw new Error('expected parseResponse to throw');
};

describe('parseResponse', () => {
  it('accepts numeric strings for longs and carries unknown fields and statuses', () => {
    const r = parseResponse('DescribeFullBackupList', {
      RequestId: 'R1',
      Success: true,
      TotalElements: '1',
      Items: { FullBackupFile: [{ BackupSetId: 's1', BackupStatus: 'archived-somehow', StartTime: '1795089600000', BackupSize: 12, NewField: 'x' }] },
    });
    expect(r.TotalElements).toBe(1);
    expect(r.Items[0]).toMatchObject({ BackupSetId: 's1', BackupStatus: 'archived-somehow', StartTime: 1795089600000, BackupSize: 12, NewField: 'x' });
  });

  it('treats a missing or empty Items as an empty page', () => {
    expect(parseResponse('DescribeFullBackupList', { Success: true }).Items).toEqual([]);
    expect(parseResponse('DescribeFullBackupList', { Success: true, Items: {} }).Items).toEqual([]);
    expect(parseResponse('DescribeFullBackupList', { Success: true, Items: { FullBackupFile: null } }).Items).toEqual([]);
  });

  it('Success:false on HTTP 200 is an error carrying ErrCode and RequestId', () => {
    const err = fail({ RequestId: 'R2', Success: false, ErrCode: 'Throttling.User', ErrMessage: 'slow down' });
    expect([err.errorClass, err.code, err.requestId, err.retryable]).toEqual(['throttled', 'Throttling.User', 'R2', true]);
  });

  it('a reused signature nonce is retried (the retry is signed with a fresh one); a bad signature is not', () => {
    const nonce = new DbsApiError(classifyApiCode('SignatureNonceUsed', 400), 'SignatureNonceUsed', 'Specified signature nonce was used already.', { statusCode: 400 });
    const signature = new DbsApiError(classifyApiCode('SignatureDoesNotMatch', 400), 'SignatureDoesNotMatch', 'bad signature', { statusCode: 400 });
    expect([nonce.errorClass, nonce.retryable]).toEqual(['auth', true]);
    expect([signature.errorClass, signature.retryable]).toEqual(['auth', false]);
  });

  it('an ErrCode with no Success flag is an error, not data', () => {
    expect(fail({ RequestId: 'R3', ErrCode: 'InternalError' }).errorClass).toBe('server');
  });

  it.each([
    [[], 'InvalidBody'],
    ['text', 'InvalidBody'],
    [{ Success: true, Items: { FullBackupFile: [{ BackupStatus: 'finish' }] } }, 'SchemaMismatch'],
    [{ Success: true, Items: { FullBackupFile: [{ BackupSetId: 's', BackupStatus: 'finish', StartTime: 'yesterday' }] } }, 'SchemaMismatch'],
    [{ Success: true, Items: { FullBackupFile: 'not-an-array' } }, 'SchemaMismatch'],
  ])('rejects %j as bad_response %s', (body, code) => {
    const err = fail(body);
    expect([err.errorClass, err.code]).toEqual(['bad_response', code]);
  });
});

describe('classifyApiCode', () => {
  it.each([
    ['Throttling.User', 400, 'throttled'],
    ['Throttling', 503, 'throttled'],
    ['SignatureDoesNotMatch', 400, 'auth'],
    ['InvalidAccessKeyId.NotFound', 404, 'auth'],
    ['InvalidSecurityToken.Expired', 400, 'auth'],
    ['Request.Forbidden', 403, 'forbidden'],
    ['Forbidden.RAM', 403, 'forbidden'],
    ['InternalError', 500, 'server'],
    ['ServiceUnavailable', 503, 'server'],
    ['Param.NotFound', undefined, 'not_found'],
    ['InvalidParameter', 400, 'invalid_request'],
    ['SomethingNew', 400, 'invalid_request'],
    ['SomethingNew', 502, 'server'],
  ] as const)('%s (HTTP %s) → %s', (code, status, expected) => {
    expect(classifyApiCode(code, status)).toBe(expected);
  });
});
