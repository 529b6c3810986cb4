/**
 * `--web.config.file` as a user runs it (the CLI in a child process): a bad web config exits 2
 * before anything starts, naming the key, user or file and nothing secret; --check-config
 * validates it; and a running exporter with TLS and basic auth never shows the password, the
 * hash or the private key in its output or on its pages, whatever it logs at debug level.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CliProcess, STACK_LINE, jsonLines, killAll, listeningPort, runCli } from '../cli/cli-process.js';
import { type Pki, createPki, eventually, get, statusOf } from './web-pki.js';

let pki: Pki;
beforeAll(() => {
  pki = createPki();
});
// Not afterEach: the concurrent tests below would kill each other's processes.
afterAll(async () => {
  await killAll();
  pki.close();
});

const START = ['--demo', '--demo.plans', '2', '--web.listen-address', '127.0.0.1:0'];

const BAD: Array<{ case: string; fixture: string; checkConfig?: boolean; stderr: (dir: string) => string[]; hidden: string[] }> = [
  // Through --check-config: it validates the web config the same way.
  { case: 'an unknown key', fixture: 'web_config_unknown_key.yml', checkConfig: true, stderr: () => ['tls_server_config.cert_fle: unknown key'], hidden: [] },
  {
    case: 'bcrypt costs outside 4..31',
    fixture: 'web_config_bcrypt_cost_invalid.yml',
    stderr: () => ['basic_auth_users.low-cost-user: bcrypt cost 3 is outside 4..31', 'basic_auth_users.high-cost-user: bcrypt cost 32 is outside 4..31', 'basic_auth_users.plain-text-user: not a bcrypt hash'],
    hidden: ['btefXNz1HNIG6LhlD2I7qOUWvmAv2SCtVCmurMtJa3vpw0VQcrqGa', 'not-a-hash-but-a-password'],
  },
  {
    case: 'a certificate file that cannot be read',
    fixture: 'web_config_cert_file_missing.yml',
    stderr: (dir) => [`tls_server_config.cert_file: cannot read file ${join(dir, 'missing.crt')}: no such file (ENOENT)`],
    hidden: [],
  },
];

describe.concurrent('a bad web config file', () => {
  for (const bad of BAD) {
    it(`${bad.case}: exit 2 ${bad.checkConfig ? 'from --check-config' : 'at start'}, the path on stderr, no stack trace, no secret`, async ({ expect }) => {
      const path = pki.fixture(bad.fixture);
      const run = await runCli([...START, ...(bad.checkConfig ? ['--check-config'] : []), '--web.config.file', path]);
      expect(run.code, run.stderr).toBe(2);
      // --check-config reports in plain text; a starting exporter logs msg="invalid web configuration file" web_config_file=<path>.
      if (bad.checkConfig) expect(run.stderr).toContain(`invalid web configuration file ${path}:`);
      else expect(run.stderr).toContain(`msg="invalid web configuration file" web_config_file=${path}`);
      for (const text of bad.stderr(pki.dir)) expect(run.stderr).toContain(text);
      for (const text of bad.hidden) expect(run.stdout + run.stderr).not.toContain(text);
      expect(run.stderr).not.toMatch(STACK_LINE);
      expect(run.stderr).not.toContain('simulator started');
      expect(run.stdout).toBe('');
    });
  }

  it('--check-config accepts a good one and says what it turns on, without printing its hash', async ({ expect }) => {
    const path = pki.fixture('web_config_tls_basic_auth.yml');
    const good = await runCli(['--demo', '--check-config', '--web.config.file', path]);
    expect(good.code, good.stderr).toBe(0);
    expect(good.stdout).toContain(`${path}: web configuration is valid: TLS on (client certificates: NoClientCert), basic auth for 1 user(s), 0 extra response header(s)\n`);
    expect(good.stdout + good.stderr).not.toContain('$2y$');
  });
});

describe('secrets', () => {
  it('neither the password, the bcrypt hash nor the private key appears in any output or on /', async () => {
    const password = 'scraper-Secret-10';
    const hash = '$2y$10$wOIN8pkhE8d3lSQvG2z5Re5pruTXUADYwog00BcA/Z08BkGugixMO';
    const path = pki.fixture('web_config_tls_basic_auth.yml');
    const keyBody = pki.read('server.key').split('\n').filter((line) => line !== '' && !line.startsWith('-----'));
    const p = new CliProcess([...START, '--web.config.file', path, '--log.level', 'debug', '--log.format', 'json']);
    const port = await p.waitFor(listeningPort, 15_000, 'the listening line');
    const ca = pki.read('ca.crt');

    const landing = await get(port, { https: true, ca, path: '/', auth: `scraper:${password}` });
    expect(landing.status).toBe(200);
    expect((await get(port, { https: true, ca, auth: `scraper:${password}` })).status).toBe(200);
    expect(await statusOf(port, { https: true, ca, auth: 'scraper:wrong-password' })).toBe(401);
    expect(await statusOf(port, { https: true, ca, auth: `${password}:${password}` })).toBe(401); // password typed as the user
    expect(await statusOf(port, { https: true, ca })).toBe(401);
    expect(await statusOf(port, { https: true, ca, path: '/-/healthy' })).toBe(200);

    // A reload that fails logs why, still without the hash.
    writeFileSync(path, `basic_auth_users:\n  scraper: ${hash.replace('$10$', '$03$')}\n`);
    await p.waitFor((q) => (q.stderr.includes('web config reload failed') ? true : undefined), 10_000, 'the failed reload');
    await eventually(async () => ((await statusOf(port, { https: true, ca, auth: `scraper:${password}` })) === 200 ? true : undefined), 3000, 'the old config');

    p.signal('SIGTERM');
    const exit = await p.exit(10_000);
    expect(exit.code).toBe(0);
    const lines = jsonLines(exit.stderr);
    expect(lines.some((l) => l.msg === 'basic auth failed')).toBe(true);
    expect(lines.find((l) => String(l.msg).startsWith('web config reload failed'))?.problems).toEqual(['basic_auth_users.scraper: bcrypt cost 3 is outside 4..31']);

    for (const place of [exit.stdout, exit.stderr, landing.text]) {
      expect(place).not.toContain(password);
      expect(place).not.toContain(hash);
      expect(place).not.toContain(hash.slice(7)); // the salt and hash without the prefix
      for (const line of keyBody) expect(place).not.toContain(line);
      expect(place).not.toContain('PRIVATE KEY');
    }
  });
});
