/**
 * config/dbs-exporter.schema.json is generated from the zod schema and must not drift;
 * the shipped configs must be valid for both the loader and the JSON Schema editors use.
 */
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';
import { renderConfigJsonSchema } from '../../scripts/gen-config-schema.js';
import { configFileSchema, parseConfig } from '../../src/config/index.js';

const CONFIG_DIR = join(import.meta.dirname, '../../config');
const committedSchema = readFileSync(join(CONFIG_DIR, 'dbs-exporter.schema.json'), 'utf8');
const jsonSchema = z.fromJSONSchema(JSON.parse(committedSchema) as z.core.JSONSchema.JSONSchema);

describe('config/dbs-exporter.schema.json', () => {
  it('is what scripts/gen-config-schema.ts generates (run `npx tsx scripts/gen-config-schema.ts` if not)', () => {
    expect(committedSchema).toBe(renderConfigJsonSchema());
  });

  it('rejects what the loader rejects structurally, so it is a real check', () => {
    const minimal = { targets: [{ name: 'a', region: 'cn-hangzhou', credentials: { type: 'default' } }] };
    expect(jsonSchema.safeParse(minimal).success).toBe(true);
    expect(jsonSchema.safeParse({ ...minimal, colour: 'blue' }).success).toBe(false);
    expect(jsonSchema.safeParse({ ...minimal, collection: { interval: '5 minutes' } }).success).toBe(false);
    expect(jsonSchema.safeParse({ targets: [{ name: 'a', region: 'cn-hangzhou', credentials: { type: 'rsa_key_pair' } }] }).success).toBe(false);
  });
});

describe.each(['dbs-exporter.example.yaml', 'dbs-exporter.yaml'])('config/%s', (file) => {
  const text = readFileSync(join(CONFIG_DIR, file), 'utf8');

  it('points editors at the JSON Schema', () => {
    expect(text.startsWith('# yaml-language-server: $schema=./dbs-exporter.schema.json\n')).toBe(true);
  });

  it('validates against the JSON Schema and the zod schema', () => {
    const document: unknown = parse(text);
    expect(jsonSchema.safeParse(document).error).toBeUndefined();
    expect(configFileSchema.safeParse(document).error).toBeUndefined();
  });

  it('loads, with its secrets provided', () => {
    // The example reads /run/secrets/...: point those paths at a temporary folder.
    const secrets = mkdtempSync(join(tmpdir(), 'dbs-secrets-'));
    mkdirSync(join(secrets, 'dbs-staging'));
    writeFileSync(join(secrets, 'dbs-staging/access_key_id'), 'LTAI5tStagingId\n');
    writeFileSync(join(secrets, 'dbs-staging/access_key_secret'), 'staging-secret\n');
    const env = { DBS_PROD_ACCESS_KEY_ID: 'LTAI5tProdId', DBS_PROD_ACCESS_KEY_SECRET: 'prod-secret' };
    const config = parseConfig(text.replaceAll('/run/secrets/', `${secrets}/`), { env, baseDir: CONFIG_DIR });
    expect(config.targets.length).toBeGreaterThanOrEqual(1);
    if (file === 'dbs-exporter.example.yaml') {
      expect(config.targets.map((t) => t.name)).toEqual(['prod', 'staging']);
      expect(config.targets.map((t) => t.credentials.type)).toEqual(['access_key', 'ram_role_arn']);
    }
  });
});
