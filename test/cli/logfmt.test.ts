/**
 * `--log.format logfmt` (the default): every stderr line of the real CLI is one logfmt event that an
 * independent parser (the `logfmt` npm package) reads back, with the same field names as the JSON
 * format; secrets stay redacted. `--log.format json` stays one JSON object per line.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import logfmt from 'logfmt';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log/logger.js';
import { logfmtLine } from '../../src/log/logfmt.js';
import type { Simulator } from '../../src/simulator/index.js';
import { scratchDir, simulatorsForCli, writeCliConfig } from '../support/scratch.js';
import { CliProcess, STACK_LINE, jsonLines, listeningPort, runCli } from './cli-process.js';

const KEY_ID = 'LTAI5tLogfmtTestKeyId';
const SECRET = 'S3cr3t-logfmt-SHOULD-NOT-LEAK';
const ENV = { LOGFMT_TEST_SECRET: SECRET };

/**
 * go-logfmt's grammar (what Loki and Promtail parse): `key=value` pairs separated by one space; a
 * value is a bare token or a double-quoted string whose only escapes are \" \\ \n \r \t \uXXXX.
 * The npm parser accepts any text (a bare word becomes `word=true`), so well-formedness is checked here.
 */
const PAIR = String.raw`[^\s="\\]+=(?:"(?:[^"\\\u0000-\u001f]|\\["\\nrt]|\\u[0-9a-f]{4})*"|[^\s="\\]+)`;
const LOGFMT_LINE = new RegExp(`^${PAIR}(?: ${PAIR})*$`);

type Event = Partial<Record<string, string | boolean | null>>;

/** Each line checked against the grammar, then parsed by the `logfmt` package. */
function events(stderr: string): Event[] {
  const lines = stderr.trimEnd().split('\n');
  for (const line of lines) expect(line, 'a logfmt line').toMatch(LOGFMT_LINE);
  return lines.map((line) => logfmt.parse(line));
}

const dir = scratchDir('dbs-cli-logfmt-');
const startSimulator = simulatorsForCli();

const simulator = (): Promise<Simulator> => startSimulator({ credentials: [{ accessKeyId: KEY_ID, accessKeySecret: SECRET }], scenario: { plans: 3 } });

const CREDENTIALS = `{ type: access_key, access_key_id: ${KEY_ID}, access_key_secret_env: LOGFMT_TEST_SECRET }`;
const configFile = (sim: Simulator, name: string): string => writeCliConfig(join(dir, name), { name: 'fmt', simulator: sim, credentials: CREDENTIALS });

function isoNear(value: unknown, started: number): boolean {
  const at = Date.parse(String(value));
  return /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/.test(String(value)) && at >= started - 1_000 && at <= Date.now() + 1_000;
}

describe('--log.format logfmt through the CLI', () => {
  it('a serving exporter: listening, cycle summaries (nested errors as JSON text), shutdown; every line logfmt, no secret', async () => {
    const started = Date.now();
    const sim = await simulator();
    const exporter = new CliProcess(['--config', configFile(sim, 'serve.yml'), '--log.level', 'debug', '--log.format', 'logfmt', '--web.listen-address', '127.0.0.1:0'], ENV);
    const port = await exporter.waitFor(listeningPort, 15_000, 'the listening line');
    await exporter.waitFor((p) => (p.stderr.includes('msg="collection cycle finished"') ? true : undefined), 10_000, 'the first cycle');
    sim.faults.set({ kind: 'forbidden' });
    await exporter.waitFor((p) => (p.stderr.includes('msg="collection cycle finished with errors"') ? true : undefined), 10_000, 'a failed cycle');
    exporter.signal('SIGTERM');
    const exit = await exporter.exit(5_000);
    expect(exit.code).toBe(0);

    const all = events(exit.stderr);
    for (const event of all) {
      expect(isoNear(event.ts, started), `ts of ${JSON.stringify(event)}`).toBe(true);
      expect(['debug', 'info', 'warn', 'error']).toContain(event.level);
      expect(event.app).toBe('dbs-exporter');
    }
    const find = (msg: string) => all.find((e) => e.msg === msg);
    expect(find('dbs-exporter listening')).toEqual({ ts: expect.any(String), level: 'info', msg: 'dbs-exporter listening', address: `127.0.0.1:${port}`, telemetry_path: '/metrics', targets: '1', app: 'dbs-exporter' });
    expect(find('collection cycle finished')).toMatchObject({ level: 'info', cycle: '1', plans_polled: '3', plan_failures: '0', target_failures: '0' });
    const failed = find('collection cycle finished with errors');
    expect(failed).toMatchObject({ level: 'warn', target_failures: '1' });
    // An array of objects stays whole, as JSON text in one quoted value.
    expect(JSON.parse(String(failed?.errors))).toEqual([expect.objectContaining({ kind: 'forbidden:Request.Forbidden', count: 1, accounts: ['fmt'] })]);
    expect(find('shutting down')).toMatchObject({ level: 'info', signal: 'SIGTERM' });
    expect(all.at(-1)).toMatchObject({ level: 'info', msg: 'stopped' });

    expect(exit.stdout + exit.stderr).not.toContain(SECRET);
    expect(exit.stderr).not.toMatch(STACK_LINE);
  });

  it('a bad configuration file: exit 2, one error event per issue naming the file and the setting', async () => {
    const path = join(dir, 'bad.yml');
    writeFileSync(path, ['targets:', '  - name: prod', '    region: mars-north-1', `    credentials: { type: access_key, access_key_id: ${KEY_ID}, access_key_secret_env: LOGFMT_TEST_SECRET }`, 'colour: blue'].join('\n'));
    const run = await runCli(['--config', path, '--log.format', 'logfmt'], ENV);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    const all = events(run.stderr);
    expect(all).toHaveLength(2);
    for (const event of all) expect(event).toMatchObject({ level: 'error', msg: 'invalid configuration', config_file: path, app: 'dbs-exporter' });
    expect(all.map((e) => e.issue)).toEqual([expect.stringMatching(/^targets\[0\]\.region: expected one of cn-hangzhou, .* \(line 3\)$/), 'colour: unknown key (line 5)']);
  });

  it('--log.format json: one JSON object per line, with the fields the logfmt line has', async () => {
    const exporter = new CliProcess(['--config', configFile(await simulator(), 'json.yml'), '--log.format', 'json', '--web.listen-address', '127.0.0.1:0'], ENV);
    const port = await exporter.waitFor(listeningPort, 15_000, 'the listening line');
    await exporter.waitFor((p) => (p.stderr.includes('"msg":"collection cycle finished"') ? true : undefined), 10_000, 'the first cycle');
    exporter.signal('SIGTERM');
    const exit = await exporter.exit(5_000);
    expect(exit.code).toBe(0);

    const lines = exit.stderr.trimEnd().split('\n');
    expect(jsonLines(exit.stderr)).toHaveLength(lines.length);
    const listening = jsonLines(exit.stderr).find((l) => l.msg === 'dbs-exporter listening');
    expect(listening).toEqual({ level: 30, time: expect.any(Number), app: 'dbs-exporter', address: `127.0.0.1:${port}`, telemetry_path: '/metrics', targets: 1, msg: 'dbs-exporter listening' });
    // The same record in logfmt: time becomes ts, the level its name, every other field keeps its name.
    const { time, level, ...fields } = listening!;
    expect(logfmt.parse(logfmtLine(listening!).trimEnd())).toEqual({ ts: new Date(time as number).toISOString(), level: 'info', ...Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, String(v)])) });
    expect(exit.stderr).not.toContain(SECRET);
  });
});

describe('logfmtLine', () => {
  const record = (fields: Record<string, unknown>) => ({ level: 30, time: Date.UTC(2025, 0, 2, 3, 4, 5, 678), app: 'dbs-exporter', ...fields, msg: 'event' });

  it('quotes what is not a bare token and escapes so that one event is one line', () => {
    const line = logfmtLine(
      record({ plain: 'a.b-c/d:9', spaced: 'two words', equals: 'a=b', quote: 'say "hi"', backslash: 'C:\\dir', newline: 'one\ntwo\r\n', tab: 'a\tb', bell: '\u0007', empty: '', nothing: null, word: 'null', n: 1.5, yes: true }),
    );
    expect(line).toBe(
      'ts=2025-01-02T03:04:05.678Z level=info msg=event plain=a.b-c/d:9 spaced="two words" equals="a=b" quote="say \\"hi\\"" backslash="C:\\\\dir" newline="one\\ntwo\\r\\n" tab="a\\tb" bell="\\u0007" empty="" nothing=null word="null" n=1.5 yes=true app=dbs-exporter\n',
    );
    expect(line.indexOf('\n')).toBe(line.length - 1);
    expect(line.trimEnd()).toMatch(LOGFMT_LINE);
    expect(logfmt.parse(line.trimEnd())).toMatchObject({ spaced: 'two words', equals: 'a=b', quote: 'say "hi"', backslash: 'C:\\dir', empty: '', word: 'null' });
  });

  it('flattens nested objects to dotted keys (an error and its stack on one line) and keeps arrays as JSON', () => {
    const line = logfmtLine(record({ err: { type: 'Error', message: 'boom', stack: 'Error: boom\n    at f (x.ts:1:1)' }, plans: ['a b', 2], target: { name: 'prod', limits: { rps: 5 } }, none: {} }));
    expect(line).toBe(
      'ts=2025-01-02T03:04:05.678Z level=info msg=event err.type=Error err.message=boom err.stack="Error: boom\\n    at f (x.ts:1:1)" plans="[\\"a b\\",2]" target.name=prod target.limits.rps=5 none={} app=dbs-exporter\n',
    );
    expect(logfmt.parse(line.trimEnd())).toMatchObject({ 'err.message': 'boom', plans: '["a b",2]', 'target.limits.rps': '5' });
  });

  it('every level by name', () => {
    const levels = [10, 20, 30, 40, 50, 60].map((level) => logfmt.parse(logfmtLine({ level, time: 0, msg: 'x' })).level);
    expect(levels).toEqual(['trace', 'debug', 'info', 'warn', 'error', 'fatal']);
  });
});

describe('createLogger', () => {
  it('redacts secrets in logfmt as in JSON, and writes every line before the call returns', () => {
    const lines: Record<'json' | 'logfmt', string[]> = { json: [], logfmt: [] };
    for (const format of ['json', 'logfmt'] as const) {
      const logger = createLogger('info', format, { write: (line: string) => void lines[format].push(line) });
      logger.error({ credential: { accessKeySecret: SECRET, securityToken: SECRET }, request: { headers: { authorization: `Bearer ${SECRET}` } }, accessKeySecret: SECRET }, 'with secrets');
      logger.fatal({ code: 2 }, 'last words');
      expect(lines[format]).toHaveLength(2);
    }
    expect(lines.json.join('') + lines.logfmt.join('')).not.toContain(SECRET);
    expect(logfmt.parse(lines.logfmt[0]!.trimEnd())).toMatchObject({
      level: 'error',
      'credential.accessKeySecret': '<redacted>',
      'credential.securityToken': '<redacted>',
      'request.headers.authorization': '<redacted>',
      accessKeySecret: '<redacted>',
    });
    expect(logfmt.parse(lines.logfmt[1]!.trimEnd())).toMatchObject({ level: 'fatal', msg: 'last words', code: '2' });
  });
});
