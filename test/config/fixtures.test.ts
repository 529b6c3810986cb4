/**
 * Every testdata/*.ok.yml must load; every *.bad.yml must fail with each `# expect:` line
 * contained in the formatted error, and with no secret in it. Fixtures may set environment
 * variables with `# env: NAME=value`; relative secret files resolve against testdata/.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../src/config/index.js';

const TESTDATA = join(import.meta.dirname, 'testdata');

/** Secret values visible to fixtures; none may ever appear in an error. */
const FIXTURE_ENV = {
  DBS_AK_ID: 'LTAI5tEnvAccessKeyId',
  DBS_AK_SECRET: 'fixture-env-secret-Qw93',
};
const SECRET_VALUES = [
  FIXTURE_ENV.DBS_AK_SECRET,
  'fixture-file-secret-Zq81',
  'fixture-file-sts-token-Hh27',
  'fixture-oidc-token',
];

interface Fixture {
  name: string;
  text: string;
  env: NodeJS.ProcessEnv;
  expects: string[];
  mustNotContain: string[];
}

function directives(text: string, name: string): string[] {
  const prefix = `# ${name}: `;
  return text
    .split('\n')
    .filter((line) => line.startsWith(prefix))
    .map((line) => line.slice(prefix.length).trimEnd());
}

function readFixtures(suffix: string): Fixture[] {
  return readdirSync(TESTDATA)
    .filter((name) => name.endsWith(suffix))
    .sort()
    .map((name) => {
      const text = readFileSync(join(TESTDATA, name), 'utf8');
      const env: NodeJS.ProcessEnv = { ...FIXTURE_ENV };
      for (const assignment of directives(text, 'env')) {
        const at = assignment.indexOf('=');
        env[assignment.slice(0, at)] = assignment.slice(at + 1);
      }
      return { name, text, env, expects: directives(text, 'expect'), mustNotContain: directives(text, 'must-not-contain') };
    });
}

function formattedError(fixture: Fixture): string {
  try {
    parseConfig(fixture.text, { env: fixture.env, baseDir: TESTDATA });
  } catch (err) {
    if (err instanceof ConfigError) return err.format();
    throw err;
  }
  throw new Error(`${fixture.name} loaded, but it should fail`);
}

const okFixtures = readFixtures('.ok.yml');
const badFixtures = readFixtures('.bad.yml');

describe('config fixtures', () => {
  it('has enough of them', () => {
    expect(okFixtures.length).toBeGreaterThanOrEqual(5);
    expect(badFixtures.length).toBeGreaterThanOrEqual(15);
  });

  it.each(okFixtures.map((f) => [f.name, f] as const))('%s loads', (_name, fixture) => {
    expect(() => parseConfig(fixture.text, { env: fixture.env, baseDir: TESTDATA })).not.toThrow();
  });

  it.each(badFixtures.map((f) => [f.name, f] as const))('%s fails with its expected messages', (name, fixture) => {
    expect(fixture.expects, `${name} has no "# expect:" line`).not.toHaveLength(0);
    const message = formattedError(fixture);
    for (const expected of fixture.expects) expect(message).toContain(expected);
    for (const secret of [...SECRET_VALUES, ...fixture.mustNotContain]) expect(message).not.toContain(secret);
    // One line per issue, each `path: message`, no stack trace.
    for (const line of message.split('\n')) expect(line).toMatch(/^\S[^\n]*: \S/);
    expect(message).not.toMatch(/\bat .*\.(ts|js):\d+/);
  });
});
