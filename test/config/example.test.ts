/**
 * The configuration examples a user copies work as the README says they do: the real CLI, run with exactly
 * the environment the README documents (its `export` line; nothing inherited but PATH, and an empty HOME so
 * no credentials profile is read), accepts config/dbs-exporter.example.yaml with `--check-config` and prints
 * what the README shows. The README's ```yaml config blocks and its web configuration pass too.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO, STACK_LINE, type CliExit } from '../cli/cli-process.js';
import { README, codeBlocks, readmeSection as section } from '../docs/readme.js';
import { createPki } from '../server/web-pki.js';

const scratch = mkdtempSync(join(tmpdir(), 'dbs-readme-examples-'));
const emptyHome = mkdtempSync(join(tmpdir(), 'dbs-empty-home-'));

/** The CLI with only `env` (plus PATH and an empty HOME), as `node dist/cli.js` would run from the checkout. */
function runWithOnly(env: Record<string, string>, args: string[]): Promise<CliExit> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
      cwd: REPO,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: emptyHome, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`dbs-exporter ${args.join(' ')} did not exit within 20 s; output:\n${stdout}${stderr}`));
    }, 20_000);
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** Variables the README tells the user to export, with placeholder values replaced by dummies. */
function exportedVariables(block: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of block.split('\n').filter((l) => l.startsWith('export '))) {
    for (const [, name] of line.slice('export '.length).matchAll(/([A-Z][A-Z0-9_]*)=\S*/g)) env[name!] = `dummy-${name!.toLowerCase()}`;
  }
  return env;
}

const runningSection = section('Running against your account');
const checkBlock = codeBlocks(runningSection, 'sh').find((b) => b.includes('--check-config'));
const documentedEnv = checkBlock ? exportedVariables(checkBlock) : {};


describe('README: running against your account', () => {
  it('documents the variables to export and the --check-config command, with its output', () => {
    expect(checkBlock, 'a ```sh block with --check-config').toBeDefined();
    expect(Object.keys(documentedEnv)).toEqual(['DBS_PROD_ACCESS_KEY_ID', 'DBS_PROD_ACCESS_KEY_SECRET']);
    expect(checkBlock).toContain('node dist/cli.js --config config/dbs-exporter.example.yaml --check-config\n');
  });

  it('config/dbs-exporter.example.yaml passes --check-config with exactly that environment, printing what the README shows', async () => {
    const lines = checkBlock!.split('\n');
    const commandAt = lines.findIndex((l) => l.startsWith('node dist/cli.js') && l.includes('--check-config'));
    const args = lines[commandAt]!.split(/\s+/).slice(2);
    const shown = lines[commandAt + 1]!;
    expect(shown).toMatch(/^# /);

    const run = await runWithOnly(documentedEnv, args);
    expect(run.stderr).not.toMatch(STACK_LINE);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toBe(`${shown.slice(2)}\n`);
    expect(run.stdout).toContain('configuration is valid');
    for (const value of Object.values(documentedEnv)) expect(run.stdout + run.stderr).not.toContain(value);
  });

  it('without those variables the example exits 2 naming each one, so the README is what makes it pass', async () => {
    const run = await runWithOnly({}, ['--config', 'config/dbs-exporter.example.yaml', '--check-config']);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('targets[0].credentials.access_key_id_env: environment variable DBS_PROD_ACCESS_KEY_ID is not set');
    expect(run.stderr).toContain('targets[1].credentials.access_key_secret_env: environment variable DBS_PROD_ACCESS_KEY_SECRET is not set');
  });

  it('the default config/dbs-exporter.yaml (no --config) passes with the SDK chain variables the README names', async () => {
    expect(runningSection).toContain('`ALIBABA_CLOUD_ACCESS_KEY_ID` / `ALIBABA_CLOUD_ACCESS_KEY_SECRET`');
    const run = await runWithOnly(
      { ALIBABA_CLOUD_ACCESS_KEY_ID: 'LTAIdummy', ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'dummy-secret', ALIBABA_CLOUD_ECS_METADATA_DISABLED: 'true' },
      ['--check-config'],
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toBe('config/dbs-exporter.yaml: configuration is valid: 1 target(s): default (cn-hangzhou)\n');
  });
});

describe('README: configuration snippets', () => {
  const configBlocks = codeBlocks(README, 'yaml config');

  it('has at least one ```yaml config block', () => {
    expect(configBlocks.length).toBeGreaterThanOrEqual(1);
  });

  it.each(configBlocks.map((text, i) => [i, text] as const))('```yaml config block %i passes --check-config with the documented environment', async (i, text) => {
    const path = join(scratch, `readme-config-${i}.yaml`);
    writeFileSync(path, text);
    const run = await runWithOnly(documentedEnv, ['--config', path, '--check-config']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`${path}: configuration is valid`);
  });

  it("the Securing section's web configuration passes --check-config with a certificate and key beside it", async () => {
    const [webConfig] = codeBlocks(section('Securing'), 'yaml');
    expect(webConfig).toBeDefined();
    const pki = createPki();
    try {
      copyFileSync(join(pki.dir, 'server.crt'), join(pki.dir, 'tls.crt'));
      copyFileSync(join(pki.dir, 'server.key'), join(pki.dir, 'tls.key'));
      const path = join(pki.dir, 'web-config.yml');
      writeFileSync(path, webConfig!);
      const run = await runWithOnly(documentedEnv, ['--config', 'config/dbs-exporter.example.yaml', '--web.config.file', path, '--check-config']);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toContain(`${path}: web configuration is valid`);
    } finally {
      pki.close();
    }
  });
});
