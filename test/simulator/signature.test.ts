import OpenApiUtilModule from '@alicloud/openapi-util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Authenticator, CredentialStore, NonceCache, percentEncode, signAcs3Request, startSimulator, type Simulator } from '../../src/simulator/index.js';
import { acs3CanonicalRequest, acs3Signature, rpcV1Signature, rpcV1StringToSign, sha256Hex } from '../../src/simulator/signature.js';
import { clientError, httpRequest, rawCall, realClient } from './helpers.js';

const OpenApiUtil = ((OpenApiUtilModule as unknown as { default?: unknown }).default ?? OpenApiUtilModule) as {
  getAuthorization(request: unknown, algorithm: string, payload: string, ak: string, secret: string): string;
  getRPCSignature(params: Record<string, string>, method: string, secret: string): string;
};

const TRICKY = "a b+c*d~e!f'g(h)i/j?k&l=m%n\u00e9\u4e2d";

describe('canonicalisation agrees with the Alibaba Cloud SDK', () => {
  it('percent-encodes the RFC 3986 way', () => {
    expect(percentEncode("a b*c~d!e'f(g)h")).toBe('a%20b%2Ac~d%21e%27f%28g%29h');
    expect(percentEncode('/')).toBe('%2F');
  });

  it('computes the same ACS3-HMAC-SHA256 signature as openapi-util', () => {
    const query = { Region: 'cn-hangzhou', BackupPlanName: TRICKY, PageSize: '30' };
    const headers = {
      host: '127.0.0.1:1234',
      'x-acs-action': 'DescribeBackupPlanList',
      'x-acs-version': '2019-03-06',
      'x-acs-date': '2026-11-28T05:20:44Z',
      'x-acs-signature-nonce': 'nonce-1',
      'x-acs-content-sha256': sha256Hex(''),
      'user-agent': 'not-signed',
    };
    const sdk = OpenApiUtil.getAuthorization(
      { pathname: '/', method: 'POST', query, headers },
      'ACS3-HMAC-SHA256',
      headers['x-acs-content-sha256'],
      'AK',
      'secret',
    );
    const signedHeaders = /SignedHeaders=([^,]+)/.exec(sdk)![1]!.split(';');
    expect(signedHeaders).toEqual(['host', 'x-acs-action', 'x-acs-content-sha256', 'x-acs-date', 'x-acs-signature-nonce', 'x-acs-version']);
    const ours = acs3Signature(
      'secret',
      acs3CanonicalRequest({ method: 'POST', path: '/', query: Object.entries(query), headers, signedHeaders, hashedPayload: headers['x-acs-content-sha256'] }),
    );
    expect(sdk).toBe(`ACS3-HMAC-SHA256 Credential=AK,SignedHeaders=${signedHeaders.join(';')},Signature=${ours}`);
  });

  it('computes the same HMAC-SHA1 RPC signature as openapi-util', () => {
    const params = { Action: 'DescribeFullBackupList', BackupPlanId: TRICKY, Timestamp: '2026-11-28T05:20:44Z', SignatureNonce: 'n' };
    expect(rpcV1Signature('secret', rpcV1StringToSign('POST', Object.entries(params)))).toBe(OpenApiUtil.getRPCSignature(params, 'POST', 'secret'));
  });
});

describe('authentication over HTTP', () => {
  let sim: Simulator;
  const sts = { accessKeyId: 'STS.demo', accessKeySecret: 'sts-secret', securityToken: 'token-abc' };
  const expiredSts = { accessKeyId: 'STS.expired', accessKeySecret: 'sts-secret-2', securityToken: 'token-old', expiresAt: Date.now() - 1000 };

  beforeAll(async () => {
    sim = await startSimulator({ credentials: [{ accessKeyId: 'LTAIdemoSimulator', accessKeySecret: 'demo-secret-not-real' }, sts, expiredSts] });
  });
  afterAll(() => sim.close());

  for (const signatureAlgorithm of [undefined, 'v2'] as const) {
    const scheme = signatureAlgorithm ?? 'ACS3';
    it(`accepts the real client (${scheme}), including awkward characters in parameters`, async () => {
      const call = realClient(sim, { signatureAlgorithm });
      const res = await call('DescribeBackupPlanList', { Region: 'cn-hangzhou', BackupPlanName: 'orders' });
      expect(res.statusCode).toBe(200);
      expect(res.body.Items.BackupPlanDetail.map((p: { BackupPlanName: string }) => p.BackupPlanName)).toEqual(['mysql-orders-prod']);
      const tricky = await call('DescribeBackupPlanList', { BackupPlanName: TRICKY });
      expect(tricky.body.TotalElements).toBe(0);
    });

    it(`rejects a wrong secret (${scheme}) with SignatureDoesNotMatch`, async () => {
      const call = realClient(sim, { signatureAlgorithm, credential: { accessKeySecret: 'wrong' } });
      expect(await clientError(call('DescribeBackupPlanList'))).toEqual({ code: 'SignatureDoesNotMatch', statusCode: 400 });
    });

    it(`rejects an unknown AccessKeyId (${scheme}) with 404 InvalidAccessKeyId.NotFound`, async () => {
      const call = realClient(sim, { signatureAlgorithm, credential: { accessKeyId: 'LTAInobody' } });
      expect(await clientError(call('DescribeBackupPlanList'))).toEqual({ code: 'InvalidAccessKeyId.NotFound', statusCode: 404 });
    });

    it(`checks STS tokens (${scheme})`, async () => {
      expect((await realClient(sim, { signatureAlgorithm, credential: sts })('DescribeBackupPlanList')).statusCode).toBe(200);
      const wrongToken = realClient(sim, { signatureAlgorithm, credential: { ...sts, securityToken: 'forged' } });
      expect(await clientError(wrongToken('DescribeBackupPlanList'))).toEqual({ code: 'InvalidSecurityToken.Mismatch', statusCode: 400 });
      const noToken = realClient(sim, { signatureAlgorithm, credential: { accessKeyId: sts.accessKeyId, accessKeySecret: sts.accessKeySecret } });
      expect(await clientError(noToken('DescribeBackupPlanList'))).toEqual({ code: 'InvalidSecurityToken.Mismatch', statusCode: 400 });
      const expired = realClient(sim, { signatureAlgorithm, credential: expiredSts });
      expect(await clientError(expired('DescribeBackupPlanList'))).toEqual({ code: 'InvalidSecurityToken.Expired', statusCode: 400 });
    });
  }

  it('rejects a replayed nonce, for both schemes', async () => {
    for (const scheme of ['acs3', 'v1'] as const) {
      const nonce = `replay-${scheme}`;
      expect((await rawCall(sim, 'DescribeBackupPlanList', {}, { scheme, nonce })).status).toBe(200);
      const replay = await rawCall(sim, 'DescribeBackupPlanList', {}, { scheme, nonce });
      expect(replay.status).toBe(400);
      expect(replay.json().Code).toBe('SignatureNonceUsed');
    }
  });

  it('rejects dates more than 15 minutes from the real clock', async () => {
    for (const scheme of ['acs3', 'v1'] as const) {
      for (const date of [Date.now() - 16 * 60_000, Date.now() + 16 * 60_000]) {
        const res = await rawCall(sim, 'DescribeBackupPlanList', {}, { scheme, date });
        expect(res.status).toBe(400);
        expect(res.json().Code).toBe('InvalidTimeStamp.Expired');
      }
      expect((await rawCall(sim, 'DescribeBackupPlanList', {}, { scheme, date: Date.now() - 10 * 60_000 })).status).toBe(200);
    }
  });

  it('answers an unsigned request with MissingAuthorization and the full error body', async () => {
    const res = await httpRequest(`${sim.url}/?Action=DescribeBackupPlanList&Version=2019-03-06`);
    expect(res.status).toBe(400);
    const body = res.json();
    expect(Object.keys(body).sort()).toEqual(['Code', 'HostId', 'Message', 'Recommend', 'RequestId']);
    expect(body.Code).toBe('MissingAuthorization');
    expect(body.RequestId).toMatch(/^[0-9A-F-]{36}$/);
    expect(res.headers['content-type']).toBe('application/json;charset=utf-8');
  });

  it('detects a parameter changed after signing, and a body that does not match its hash', async () => {
    const headers = signAcs3Request({
      credential: { accessKeyId: 'LTAIdemoSimulator', accessKeySecret: 'demo-secret-not-real' },
      action: 'DescribeFullBackupList',
      version: '2019-03-06',
      host: sim.endpoint,
      query: { BackupPlanId: 'dbs1aaa' },
    });
    const tampered = await httpRequest(`${sim.url}/?BackupPlanId=dbs1bbb`, { headers });
    expect(tampered.json().Code).toBe('SignatureDoesNotMatch');
    const withBody = await httpRequest(`${sim.url}/?BackupPlanId=dbs1aaa`, {
      headers: { ...headers, 'x-acs-signature-nonce': headers['x-acs-signature-nonce']! },
      body: 'PageSize=50',
    });
    expect(withBody.status).toBe(400);
    expect(withBody.json().Code).toBe('SignatureDoesNotMatch');
  });

  it('merges form-urlencoded body parameters into the action parameters', async () => {
    const planId = sim.fleet.listPlans()[0]!.id;
    const res = await rawCall(sim, 'DescribeFullBackupList', {}, { body: { BackupPlanId: planId, PageSize: '50' } });
    expect(res.status).toBe(200);
    expect(res.json().PageSize).toBe(50);
    expect(res.json().Success).toBe(true);
  });

  it('rejects unknown actions and versions after authenticating', async () => {
    const unknown = await rawCall(sim, 'DescribeBackupPlans');
    expect([unknown.status, unknown.json().Code]).toEqual([404, 'InvalidAction.NotFound']);
    const version = await rawCall(sim, 'DescribeBackupPlanList', {}, { version: '2021-01-01' });
    expect([version.status, version.json().Code]).toEqual([400, 'InvalidVersion']);
  });

  it('gives every response a fresh RequestId', async () => {
    const ids = new Set<string>();
    for (let i = 0; i < 5; i++) ids.add((await rawCall(sim, 'DescribeBackupPlanList')).json().RequestId);
    ids.add((await httpRequest(sim.url)).json().RequestId);
    expect(ids.size).toBe(6);
  });
});

describe('Authenticator and NonceCache', () => {
  it('forgets nonces once they are older than the window, and caps memory', () => {
    const cache = new NonceCache(1000, 100);
    expect(cache.remember('a', 0)).toBe(true);
    expect(cache.remember('a', 500)).toBe(false);
    expect(cache.remember('a', 1601)).toBe(true);
    for (let i = 0; i < 1000; i++) cache.remember(`n${i}`, 2000);
    expect(cache.size).toBeLessThanOrEqual(101);
  });

  it('checks dates against its own (real) clock', () => {
    const credential = { accessKeyId: 'k', accessKeySecret: 's' };
    const date = Date.parse('2030-01-01T00:00:00Z');
    const headers = signAcs3Request({ credential, action: 'DescribeBackupPlanList', version: '2019-03-06', host: 'h', date, nonce: 'n' });
    const request = { method: 'POST', path: '/', query: [], bodyParams: [], body: Buffer.alloc(0), headers };
    const inThePast = new Authenticator({ credentials: new CredentialStore([credential]) });
    expect(() => inThePast.authenticate(request)).toThrow(expect.objectContaining({ code: 'InvalidTimeStamp.Expired' }));
    const then = new Authenticator({ credentials: new CredentialStore([credential]), now: () => date + 60_000 });
    expect(then.authenticate(request)).toEqual({ accessKeyId: 'k', scheme: 'ACS3-HMAC-SHA256', action: 'DescribeBackupPlanList', version: '2019-03-06' });
  });

  it('refuses x-acs-* headers that are not signed', () => {
    const credential = { accessKeyId: 'k', accessKeySecret: 's' };
    const headers = signAcs3Request({ credential, action: 'DescribeBackupPlanList', version: '2019-03-06', host: 'h' });
    const request = { method: 'POST', path: '/', query: [], bodyParams: [], body: Buffer.alloc(0), headers: { ...headers, 'x-acs-extra': '1' } };
    const auth = new Authenticator({ credentials: new CredentialStore([credential]) });
    expect(() => auth.authenticate(request)).toThrow(expect.objectContaining({ code: 'IncompleteSignature' }));
  });
});
