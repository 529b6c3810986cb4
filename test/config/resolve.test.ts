/** What the rest of the exporter reads from a loaded config: merged settings, secrets, plan selection. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { format, inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { expectationsFor, ConfigError, Secret, isPlanSelected, loadConfigFile, parseConfig, type ResolvedTarget } from '../../src/config/index.js';

const TESTDATA = join(import.meta.dirname, 'testdata');
const ENV = { DBS_AK_ID: 'LTAI5tEnvAccessKeyId', DBS_AK_SECRET: 'fixture-env-secret-Qw93' };

function target(config: { targets: ResolvedTarget[] }, name: string): ResolvedTarget {
  const found = config.targets.find((t) => t.name === name);
  if (found === undefined) throw new Error(`no target ${name}`);
  return found;
}

describe('resolved configuration', () => {
  it('applies built-in defaults to a minimal file', () => {
    const config = parseConfig('targets: [{ name: main, region: cn-hangzhou, credentials: { type: default } }]', { env: {} });
    expect(config.collection).toEqual({
      lookback: 259_200_000,
      overlap: 600_000,
      max_staleness: 900_000,
      restore_ranges: { enabled: true, interval: 900_000, window: 604_800_000 },
      restore_tasks: { enabled: true, interval: 300_000, lookback: 35 * 86_400_000, drill_name_regex: 'drill' },
      billing: { enabled: true, interval: 3_600_000 },
      gateways: { enabled: true },
      job_errors: { enabled: true, max_per_cycle: 20, language: 'en' },
      schedule: { type: 'interval', interval: 60_000 },
    });
    expect(config.expectations).toEqual([]);
    expect(config.web).toEqual({ listen_address: ':9871', telemetry_path: '/metrics' });
    expect(config.targets[0]).toEqual({
      name: 'main',
      region: 'cn-hangzhou',
      protocol: 'https',
      endpoint_type: 'public',
      signature_algorithm: 'ACS3-HMAC-SHA256',
      credentials: { type: 'default' },
      plans: { mode: 'discover' },
      api: {
        request_timeout: 10_000,
        retries: { max_attempts: 3, initial_backoff: 200, max_backoff: 10_000 },
        max_concurrency: 4,
        rate_limit: { requests_per_second: 10, burst: 10 },
      },
    });
  });

  it('merges built-ins < defaults: < target keys, nested blocks key by key', async () => {
    const config = await loadConfigFile(join(TESTDATA, 'full.ok.yml'), ENV);
    expect(target(config, 'prod-cn').api).toEqual({
      request_timeout: 5_000,
      retries: { max_attempts: 6, initial_backoff: 100, max_backoff: 60_000 },
      max_concurrency: 8,
      rate_limit: { requests_per_second: 2.5, burst: 7 },
    });
    expect(target(config, 'prod_intl').api).toEqual({
      request_timeout: 5_000,
      retries: { max_attempts: 4, initial_backoff: 100, max_backoff: 60_000 },
      max_concurrency: 1,
      rate_limit: { requests_per_second: 2.5, burst: 3 },
    });
    expect(config.collection).toMatchObject({ lookback: 604_800_000, overlap: 5_400_000, max_staleness: 0, schedule: { type: 'cron', cron: '*/5 * * * *' } });
    expect(config.web).toEqual({ listen_address: '127.0.0.1:9999', telemetry_path: '/probe/metrics' });
  });

  it('reads secrets from env and from files relative to the config file', async () => {
    const config = await loadConfigFile(join(TESTDATA, 'full.ok.yml'), ENV);
    const fromEnv = target(config, 'prod-cn').credentials;
    const fromFiles = target(config, 'prod_intl').credentials;
    if (fromEnv.type !== 'access_key' || fromFiles.type !== 'sts') throw new Error('unexpected credential types');
    expect(fromEnv.access_key_id).toBe('LTAI5tEnvAccessKeyId');
    expect(fromEnv.access_key_secret.reveal()).toBe('fixture-env-secret-Qw93');
    expect(fromFiles.access_key_id).toBe('LTAI5tFileAccessKeyId');
    expect(fromFiles.access_key_secret.reveal()).toBe('fixture-file-secret-Zq81');
    expect(fromFiles.security_token.reveal()).toBe('fixture-file-sts-token-Hh27');
  });

  it('never prints a secret when the config is logged', async () => {
    const config = await loadConfigFile(join(TESTDATA, 'full.ok.yml'), ENV);
    const secrets = ['fixture-env-secret-Qw93', 'fixture-file-secret-Zq81', 'fixture-file-sts-token-Hh27'];
    const renderings = [inspect(config, { depth: null, showHidden: true }), format('%s %o %j', config, config, config), JSON.stringify(config)];
    for (const text of renderings) for (const secret of secrets) expect(text).not.toContain(secret);
    expect(JSON.stringify(target(config, 'prod-cn').credentials)).toBe(
      '{"type":"access_key","access_key_id":"LTAI5tEnvAccessKeyId","access_key_secret":"[redacted]"}',
    );
    expect(`${new Secret('s3cr3t')}`).toBe('[redacted]');
  });

  it('resolves RRSA settings from the environment ACK injects', () => {
    const config = parseConfig('targets: [{ name: rrsa, region: cn-hangzhou, credentials: { type: oidc_role_arn } }]', {
      baseDir: TESTDATA,
      env: {
        ALIBABA_CLOUD_ROLE_ARN: 'acs:ram::1234567890123456:role/from-env',
        ALIBABA_CLOUD_OIDC_PROVIDER_ARN: 'acs:ram::1234567890123456:oidc-provider/ack-rrsa-c1',
        ALIBABA_CLOUD_OIDC_TOKEN_FILE: 'secrets/oidc-token',
      },
    });
    expect(config.targets[0]?.credentials).toEqual({
      type: 'oidc_role_arn',
      role_arn: 'acs:ram::1234567890123456:role/from-env',
      oidc_provider_arn: 'acs:ram::1234567890123456:oidc-provider/ack-rrsa-c1',
      oidc_token_file: join(TESTDATA, 'secrets/oidc-token'),
    });
  });

  it('selects plans by ids, or by include/exclude filters on discovery', async () => {
    const full = await loadConfigFile(join(TESTDATA, 'full.ok.yml'), ENV);
    const { plans } = target(full, 'prod-cn');
    expect(isPlanSelected(plans, { id: 'dbs1', name: 'prod-orders', status: 'running', instanceType: 'RDS' })).toBe(true);
    expect(isPlanSelected(plans, { id: 'dbs2', name: 'dev-orders', status: 'running', instanceType: 'RDS' })).toBe(false);
    expect(isPlanSelected(plans, { id: 'dbs3', name: 'prod-orders', status: 'pause', instanceType: 'RDS' })).toBe(false);
    expect(isPlanSelected(plans, { id: 'dbs4', name: 'prod-orders', status: 'running', instanceType: 'ECS' })).toBe(false);
    expect(isPlanSelected(plans, { id: 'dbsexcluded01', name: 'prod-orders', status: 'running', instanceType: 'RDS' })).toBe(false);

    const pinned = await loadConfigFile(join(TESTDATA, 'plan-ids.ok.yml'), {});
    expect(pinned.targets[0]?.plans).toEqual({ mode: 'ids', ids: ['dbs1111111111', 'dbs2222222222'] });
  });

  it('reports a missing file as a ConfigError naming it', async () => {
    const missing = join(mkdtempSync(join(tmpdir(), 'dbs-config-')), 'absent.yaml');
    const error = await loadConfigFile(missing).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).format()).toBe(`(file): cannot read file ${missing}: no such file (ENOENT)`);
  });

  it('puts the file name and every issue in the error message', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dbs-config-'));
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'web: { telemetry_path: metrics }\ntargets: []\n');
    const error = (await loadConfigFile(file, {}).catch((err: unknown) => err)) as ConfigError;
    expect(error.issues).toEqual([
      { path: 'web.telemetry_path', message: 'expected a path starting with /', line: 1 },
      { path: 'targets', message: 'must list at least one target', line: 2 },
    ]);
    expect(error.message).toBe(
      `invalid configuration file ${file} (2 problems):\nweb.telemetry_path: expected a path starting with / (line 1)\ntargets: must list at least one target (line 2)`,
    );
  });

  it('expectations: matched per plan, a later match overriding key by key; a target that does not exist is an error at its path', () => {
    const text = `
targets: [{ name: prod, region: cn-hangzhou, credentials: { type: default } }, { name: dev, region: cn-hangzhou, credentials: { type: default } }]
expectations:
  - plans: { name_regex: "^prod-" }
    restore_drill_max_age: 8d
    restore_drill_rto: 2h
  - targets: [prod]
    plans: { ids: [dbs1] }
    restore_drill_rto: 30m
    log_backup_off: intended
`;
    const config = parseConfig(text, { env: {} });
    expect(expectationsFor(config.expectations, 'prod', { id: 'dbs1', name: 'prod-orders' })).toEqual({
      restoreDrillMaxAgeMs: 8 * 86_400_000,
      restoreDrillRtoMs: 30 * 60_000,
      logBackupOffIntended: true,
    });
    expect(expectationsFor(config.expectations, 'dev', { id: 'dbs1', name: 'prod-orders' })).toEqual({ restoreDrillMaxAgeMs: 8 * 86_400_000, restoreDrillRtoMs: 2 * 3_600_000 });
    expect(expectationsFor(config.expectations, 'prod', { id: 'dbs2', name: 'dev-orders' })).toBeUndefined();

    const bad = (() => {
      try {
        parseConfig(`${text}  - targets: [staging]\n    log_backup_off: intended\n  - plans: { ids: [dbs2] }\n`, { env: {} });
      } catch (err) {
        return err as ConfigError;
      }
      return undefined;
    })();
    expect(bad?.issues.map((i) => `${i.path}: ${i.message}`)).toEqual([
      'expectations[2].targets[0]: no target is named "staging"',
      'expectations[3]: set at least one of log_backup_off, restore_drill_max_age, restore_drill_rto, min_retention, storage_encryption, backup_traffic_alert_ratio',
    ]);
  });
});
