/**
 * What a user sees when the configuration or a flag is wrong: exit code 2, the path of the
 * offending setting on stderr, no stack trace, and never a secret. Also --check-config and
 * --version. Each case is its own child process; they run concurrently to save wall time.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'vitest';
import { scratchDir } from '../support/scratch.js';
import { REPO, STACK_LINE, runCli } from './cli-process.js';

const SECRET = 'S3cr3t-env-value-SHOULD-NOT-LEAK';
const SECRET_ENV = { DBS_TEST_SECRET: SECRET, DBS_TEST_KEY_ID: 'LTAI5tCliTestKeyId' };
const dir = scratchDir('dbs-cli-config-');

function configFile(name: string, lines: string[]): string {
  const path = join(dir, name);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

/** A target whose secret comes from DBS_TEST_SECRET, which every run below sets. */
const goodTarget = (name: string) => [
  `  - name: ${name}`,
  '    region: cn-hangzhou',
  '    credentials: { type: access_key, access_key_id_env: DBS_TEST_KEY_ID, access_key_secret_env: DBS_TEST_SECRET }',
];

const BAD_CONFIGS: Array<{ case: string; file: () => string; stderr: string[] }> = [
  {
    case: 'a bad region in the second target',
    file: () => configFile('bad-region.yml', ['targets:', ...goodTarget('prod'), ...goodTarget('staging').map((l) => l.replace('cn-hangzhou', 'mars-north-1'))]),
    stderr: ['targets[1].region: expected one of cn-hangzhou', '(line 6)'],
  },
  {
    case: 'an unknown key',
    file: () => configFile('unknown-key.yml', ['targets:', ...goodTarget('prod'), 'colour: blue']),
    stderr: ['colour: unknown key (line 5)'],
  },
  {
    case: 'a missing secret environment variable',
    file: () =>
      configFile('missing-env.yml', [
        'targets:',
        ...goodTarget('prod'),
        '  - name: staging',
        '    region: cn-shanghai',
        '    credentials: { type: access_key, access_key_id: LTAI5tStaging, access_key_secret_env: DBS_TEST_UNSET_SECRET }',
      ]),
    stderr: ['targets[1].credentials.access_key_secret_env: environment variable DBS_TEST_UNSET_SECRET is not set'],
  },
  {
    case: 'a YAML syntax error',
    file: () => configFile('syntax.yml', ['targets:', ...goodTarget('prod'), '  - name: [unclosed', '    region: cn-hangzhou']),
    stderr: ['line 6:'],
  },
  {
    case: 'a secret pasted where the variable name belongs',
    file: () =>
      configFile('pasted-secret.yml', [
        'targets:',
        '  - name: prod',
        '    region: cn-hangzhou',
        `    credentials: { type: access_key, access_key_id: LTAI5tProd, access_key_secret_env: ${SECRET.replaceAll('-', '_')} }`,
      ]),
    stderr: ['targets[0].credentials.access_key_secret_env: expected an environment variable name'],
  },
  {
    case: 'a --config path that does not exist',
    file: () => join(dir, 'does-not-exist.yml'),
    stderr: ['(file): cannot read file', join(dir, 'does-not-exist.yml'), 'no such file'],
  },
];

describe.concurrent('a bad configuration file', () => {
  for (const bad of BAD_CONFIGS) {
    it(`${bad.case}: exit 2, the path on stderr, no stack trace, no secret`, async ({ expect }) => {
      const run = await runCli(['--config', bad.file(), '--once'], SECRET_ENV);
      expect(run.code, run.stderr).toBe(2);
      for (const text of bad.stderr) expect(run.stderr).toContain(text);
      expect(run.stderr).not.toMatch(STACK_LINE);
      expect(run.stdout + run.stderr).not.toContain(SECRET);
      expect(run.stdout + run.stderr).not.toContain(SECRET.replaceAll('-', '_'));
      expect(run.stdout).toBe('');
    });
  }
});

describe.concurrent('flags', () => {
  it('a bad --log.level value exits 2 and says which values are allowed', async ({ expect }) => {
    const run = await runCli(['--log.level', 'loud', '--demo', '--once']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("option '--log.level <level>' argument 'loud' is invalid");
    expect(run.stderr).toContain('debug, info, warn, error');
    expect(run.stderr).not.toMatch(STACK_LINE);
    expect(run.stdout).toBe('');
  });

  it('an unknown flag exits 2', async ({ expect }) => {
    const run = await runCli(['--web.listen-adress', '127.0.0.1:0', '--demo']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("unknown option '--web.listen-adress'");
    expect(run.stderr).not.toMatch(STACK_LINE);
  });

  it('a bad --demo.port value exits 2', async ({ expect }) => {
    const run = await runCli(['--demo', '--once', '--demo.port', '70000']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('expected a port number 0-65535');
  });

  it('a bad --web.listen-address exits 2 with the config file\'s rule, before listening', async ({ expect }) => {
    const run = await runCli(['--demo', '--web.listen-address', '127.0.0.1:99999']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("option '--web.listen-address <address>' argument '127.0.0.1:99999' is invalid. port must be at most 65535");
    expect(run.stderr).not.toContain('simulator started');
    expect(run.stderr).not.toMatch(STACK_LINE);
  });

  it('a --web.telemetry-path without a leading slash exits 2 instead of serving 404 to every scrape', async ({ expect }) => {
    const run = await runCli(['--demo', '--web.telemetry-path', 'metrics']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("option '--web.telemetry-path <path>' argument 'metrics' is invalid. expected a path starting with /");
  });

  it('--version prints the package version and exits 0', async ({ expect }) => {
    const { version } = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string };
    const run = await runCli(['--version']);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(`${version}\n`);
    expect(run.stderr).toBe('');
  });
});

describe.concurrent('--check-config', () => {
  it('accepts config/dbs-exporter.example.yaml with its secrets provided and names its targets', async ({ expect }) => {
    // As in test/config: the example reads /run/secrets/...; point those paths at a temporary folder.
    const secrets = join(dir, 'secrets');
    mkdirSync(join(secrets, 'dbs-staging'), { recursive: true });
    writeFileSync(join(secrets, 'dbs-staging/access_key_id'), 'LTAI5tStagingId\n');
    writeFileSync(join(secrets, 'dbs-staging/access_key_secret'), 'staging-file-secret-SHOULD-NOT-LEAK\n');
    const example = readFileSync(join(REPO, 'config/dbs-exporter.example.yaml'), 'utf8');
    const path = join(dir, 'example.yaml');
    writeFileSync(path, example.replaceAll('/run/secrets/', `${secrets}/`));
    const run = await runCli(['--check-config', '--config', path], { DBS_PROD_ACCESS_KEY_ID: 'LTAI5tProdId', DBS_PROD_ACCESS_KEY_SECRET: SECRET });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toBe(`${path}: configuration is valid: 2 target(s): prod (cn-hangzhou), staging (ap-southeast-1)\n`);
    expect(run.stdout + run.stderr).not.toContain(SECRET);
    expect(run.stdout + run.stderr).not.toContain('staging-file-secret-SHOULD-NOT-LEAK');
  });

  it('rejects a bad file with exit 2 and prints nothing on stdout', async ({ expect }) => {
    const path = configFile('check-bad.yml', ['targets:', ...goodTarget('prod'), ...goodTarget('prod')]);
    const run = await runCli(['--check-config', '--config', path], SECRET_ENV);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('targets[1].name');
    expect(run.stderr).not.toMatch(STACK_LINE);
  });
});
