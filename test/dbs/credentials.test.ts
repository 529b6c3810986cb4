/**
 * Credential types through @alicloud/credentials against the simulator's checks, and the
 * endpoint each region maps to.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCredential, createDbsClient, dbsEndpoint, type CredentialSpec, type DbsApiError } from '../../src/dbs/index.js';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';

let sim: Simulator;
const STS = { accessKeyId: 'STS.NTestTemporaryKey', accessKeySecret: 'sts-temp-secret', securityToken: 'CAIS-test-security-token' };

beforeAll(async () => {
  sim = await startSimulator({
    credentials: [
      { accessKeyId: 'LTAIplainKey', accessKeySecret: 'plain-secret' },
      STS,
      { accessKeyId: 'STS.Expired', accessKeySecret: 'old', securityToken: 'CAIS-old', expiresAt: Date.now() - 60_000 },
    ],
  });
});
afterAll(async () => {
  await sim.close();
});

const api = (spec: CredentialSpec, sha1 = false) =>
  createDbsClient({
    endpoint: sim.endpoint,
    protocol: 'http',
    regionId: 'cn-hangzhou',
    credential: createCredential(spec),
    signatureAlgorithm: sha1 ? 'HMAC-SHA1' : 'ACS3-HMAC-SHA256',
    retry: { maxAttempts: 1, initialBackoffMs: 1, maxBackoffMs: 1 },
  });

describe('credentials', () => {
  it.each([false, true])('an STS token is sent and accepted (HMAC-SHA1: %s)', async (sha1) => {
    const page = await api({ type: 'sts', ...STS }, sha1).call('DescribeBackupPlanList', {});
    expect(page.Success).toBe(true);
    expect(sim.requests.entries().at(-1)?.accessKeyId).toBe(STS.accessKeyId);
  });

  it('a wrong STS token is an auth error', async () => {
    const err = (await api({ type: 'sts', ...STS, securityToken: 'CAIS-forged' })
      .call('DescribeBackupPlanList', {})
      .catch((e: unknown) => e)) as DbsApiError;
    expect([err.errorClass, err.code]).toEqual(['auth', 'InvalidSecurityToken.Mismatch']);
  });

  it('an expired STS token is an auth error', async () => {
    const err = (await api({ type: 'sts', accessKeyId: 'STS.Expired', accessKeySecret: 'old', securityToken: 'CAIS-old' })
      .call('DescribeBackupPlanList', {})
      .catch((e: unknown) => e)) as DbsApiError;
    expect([err.errorClass, err.code]).toEqual(['auth', 'InvalidSecurityToken.Expired']);
  });

  it('the default chain reads ALIBABA_CLOUD_ACCESS_KEY_ID/SECRET from the environment', async () => {
    const saved = { id: process.env.ALIBABA_CLOUD_ACCESS_KEY_ID, secret: process.env.ALIBABA_CLOUD_ACCESS_KEY_SECRET };
    process.env.ALIBABA_CLOUD_ACCESS_KEY_ID = 'LTAIplainKey';
    process.env.ALIBABA_CLOUD_ACCESS_KEY_SECRET = 'plain-secret';
    try {
      const page = await api({ type: 'default' }).call('DescribeBackupPlanList', {});
      expect(page.Success).toBe(true);
      expect(sim.requests.entries().at(-1)?.accessKeyId).toBe('LTAIplainKey');
    } finally {
      if (saved.id === undefined) delete process.env.ALIBABA_CLOUD_ACCESS_KEY_ID;
      else process.env.ALIBABA_CLOUD_ACCESS_KEY_ID = saved.id;
      if (saved.secret === undefined) delete process.env.ALIBABA_CLOUD_ACCESS_KEY_SECRET;
      else process.env.ALIBABA_CLOUD_ACCESS_KEY_SECRET = saved.secret;
    }
  });

  it('a credential provider that cannot produce credentials is an auth error, not a crash', async () => {
    const err = (await createDbsClient({
      endpoint: sim.endpoint,
      protocol: 'http',
      regionId: 'cn-hangzhou',
      credential: { getCredential: () => Promise.reject(new Error('credentials URI http://169.254.0.1 unreachable')) },
      retry: { maxAttempts: 1, initialBackoffMs: 1, maxBackoffMs: 1 },
    })
      .call('DescribeBackupPlanList', {})
      .catch((e: unknown) => e)) as DbsApiError;
    expect(err.errorClass).toBe('auth');
  });
});

describe('endpoints', () => {
  it('maps regions to the DBS endpoint Alibaba Cloud serves them from', () => {
    expect(dbsEndpoint('cn-hangzhou')).toBe('dbs-api.cn-hangzhou.aliyuncs.com');
    expect(dbsEndpoint('cn-beijing')).toBe('dbs-api.cn-hangzhou.aliyuncs.com');
    expect(dbsEndpoint('ap-southeast-1')).toBe('dbs-api.ap-southeast-1.aliyuncs.com');
    expect(dbsEndpoint('eu-central-1')).toBe('dbs-api.eu-central-1.aliyuncs.com');
    expect(dbsEndpoint('cn-shanghai', 'vpc')).toBe('dbs-vpc.cn-shanghai.aliyuncs.com');
    expect(dbsEndpoint('cn-shanghai', 'public', '127.0.0.1:1234')).toBe('127.0.0.1:1234');
  });
});
