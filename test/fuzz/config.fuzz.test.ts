/**
 * Config fuzzing: thousands of configuration files derived from valid ones (the example
 * config, the *.ok.yml fixtures, small configs per credential type) by fast-check-generated
 * mutations. Whatever the text, parseConfig either returns a config holding only finite
 * numbers or throws a ConfigError whose every line names a place in the file, with no stack
 * trace and no secret; never another exception, never a hang. A sample goes through the real
 * CLI (`--check-config`): exit 0 or 2, nothing else.
 */
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { ConfigError, parseConfig } from '../../src/config/index.js';
import { REPO, STACK_LINE, runCli } from '../cli/cli-process.js';
import { DELETE, type Path, getAt, isPlainRecord, nonFiniteNumbers, pickPath, setAt } from './tree.js';

// A fixed seed keeps CI deterministic; FUZZ_SEED=<n> (or FUZZ_SEED=random) explores further.
fc.configureGlobal({ ...(process.env.FUZZ_SEED === 'random' ? {} : { seed: Number(process.env.FUZZ_SEED ?? 20261128) }) });

const IN_PROCESS_RUNS = 3_000;
/** Each CLI run costs ~1.5 s of CPU (tsx start-up); 12 keep the file within its time budget on a 2-CPU machine. */
const CLI_RUNS = Number(process.env.FUZZ_CLI_RUNS ?? 12);
/** parseConfig is synchronous, so a hang cannot be interrupted: each case must finish within this. */
const CASE_BUDGET_MS = 2_000;

// ---------------------------------------------------------------------------------------------
// Seeds: valid configurations, each with the environment and folder it resolves against.

const SECRETS = {
  prodSecret: 'Prod-Secret-vK83hQ0zLm',
  stsToken: 'Sts-Token-Rr5Yx9Wq2Pn',
  fileSecret: 'File-Secret-Jd4Tg7Nb1c',
  fileToken: 'File-Token-Me6Ua3Zo8s',
  oidcToken: 'Oidc-Token-Hc2Lw5Ei9f',
  fixtureEnv: 'fixture-env-secret-Qw93',
  fixtureFile: 'fixture-file-secret-Zq81',
  fixtureSts: 'fixture-file-sts-token-Hh27',
} as const;
const SECRET_VALUES: string[] = Object.values(SECRETS);

const ENV: Record<string, string> = {
  DBS_PROD_ACCESS_KEY_ID: 'LTAIprodKeyId0001',
  DBS_PROD_ACCESS_KEY_SECRET: SECRETS.prodSecret,
  STS_TOKEN: SECRETS.stsToken,
  DBS_AK_ID: 'LTAI5tEnvAccessKeyId',
  DBS_AK_SECRET: SECRETS.fixtureEnv,
  EMPTY_VAR: '',
  BLANK_VAR: '   ',
};

const workDir = mkdtempSync(join(tmpdir(), 'dbs-config-fuzz-'));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));
writeFileSync(join(workDir, 'staging_access_key_id'), 'LTAIstagingKeyId01\n');
writeFileSync(join(workDir, 'staging_access_key_secret'), `${SECRETS.fileSecret}\n`);
writeFileSync(join(workDir, 'sts_token'), `${SECRETS.fileToken}\n`);
writeFileSync(join(workDir, 'oidc_token'), SECRETS.oidcToken);
writeFileSync(join(workDir, 'empty_file'), '');
mkdirSync(join(workDir, 'a_directory'));

interface Seed {
  name: string;
  text: string;
  env: Record<string, string>;
  baseDir: string;
}

function exampleSeed(): Seed {
  // The example reads staging's keys from /run/secrets; point them at files that exist here.
  const text = readFileSync(join(REPO, 'config/dbs-exporter.example.yaml'), 'utf8')
    .replace('/run/secrets/dbs-staging/access_key_id', 'staging_access_key_id')
    .replace('/run/secrets/dbs-staging/access_key_secret', 'staging_access_key_secret');
  return { name: 'example', text, env: ENV, baseDir: workDir };
}

function fixtureSeeds(): Seed[] {
  const dir = join(REPO, 'test/config/testdata');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.ok.yml'))
    .map((f) => {
      const text = readFileSync(join(dir, f), 'utf8');
      const env: Record<string, string> = { ...ENV };
      for (const line of text.split('\n')) {
        const m = /^# env: ([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line);
        if (m) env[m[1] as string] = m[2] as string;
      }
      return { name: f, text, env, baseDir: dir };
    });
}

const creds = 'credentials: { type: access_key, access_key_id_env: DBS_PROD_ACCESS_KEY_ID, access_key_secret_env: DBS_PROD_ACCESS_KEY_SECRET }';
const SMALL_SEEDS: Seed[] = [
  ['minimal', `targets:\n  - name: prod\n    region: cn-hangzhou\n    ${creds}\n`],
  [
    'sts-files',
    'targets:\n  - name: sts\n    region: cn-shanghai\n    credentials:\n      type: sts\n      access_key_id: LTAIinline000001\n      access_key_secret_file: staging_access_key_secret\n      security_token_file: sts_token\n',
  ],
  [
    'ram-role',
    'collection: { cron: "*/5 * * * *", lookback: 24h, overlap: 5m, max_staleness: 1h }\ntargets:\n  - name: role\n    region: ap-southeast-1\n    credentials:\n      type: ram_role_arn\n      access_key_id_env: DBS_PROD_ACCESS_KEY_ID\n      access_key_secret_env: DBS_PROD_ACCESS_KEY_SECRET\n      security_token_env: STS_TOKEN\n      role_arn: acs:ram::1234567890123456:role/dbs-exporter\n      role_session_name: dbs-exporter\n      role_session_expiration: 1h\n    plans: { ids: [dbsaaa0001, dbsbbb0002] }\n',
  ],
  [
    'oidc-ecs-uri-default',
    `defaults: { request_timeout: 5s, retries: { max_attempts: 5, initial_backoff: 100ms, max_backoff: 2s }, max_concurrency: 8, rate_limit: { requests_per_second: 2.5, burst: 3 } }\nweb: { listen_address: "127.0.0.1:9999", telemetry_path: /m }\ntargets:\n  - name: oidc\n    region: cn-beijing\n    credentials: { type: oidc_role_arn, role_arn: "acs:ram::1:role/r", oidc_provider_arn: "acs:ram::1:oidc-provider/p", oidc_token_file: oidc_token }\n  - name: ecs\n    region: cn-hangzhou\n    endpoint: dbs.example.internal:8443\n    protocol: http\n    credentials: { type: ecs_ram_role, role_name: my-role, disable_imds_v1: true }\n    plans: { include: { name_regex: "^prod-", statuses: [running, pause], instance_types: [RDS] }, exclude: { ids: [dbsx1] } }\n  - name: uri\n    region: eu-central-1\n    credentials: { type: credentials_uri, uri: "http://127.0.0.1:8080/credentials" }\n  - name: default\n    region: us-east-1\n    credentials: { type: default }\n`,
  ],
].map(([name, text]) => ({ name: name as string, text: text as string, env: ENV, baseDir: workDir }));

const SEEDS: Seed[] = [exampleSeed(), ...fixtureSeeds(), ...SMALL_SEEDS];

// ---------------------------------------------------------------------------------------------
// Mutations: on the parsed tree (then written back as YAML) and on the text itself.

const HUGE_STRING = 'x'.repeat(100_000);
function deeplyNested(depth: number): unknown {
  let node: unknown = { leaf: 1 };
  for (let i = 0; i < depth; i++) node = { [`k${i % 3}`]: node };
  return node;
}

/** A value of any YAML type, with the extremes. */
const weirdValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.string() },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 12 }) },
  { weight: 2, arbitrary: fc.integer() },
  { weight: 2, arbitrary: fc.double() },
  { weight: 2, arbitrary: fc.constantFrom(1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, -0, 0, 0.5, NaN, Infinity, -Infinity) },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 1, arbitrary: fc.constant(null) },
  { weight: 1, arbitrary: fc.array(fc.oneof(fc.string({ maxLength: 5 }), fc.integer()), { maxLength: 4 }) },
  { weight: 1, arbitrary: fc.dictionary(fc.string({ maxLength: 6 }), fc.oneof(fc.string({ maxLength: 5 }), fc.integer()), { maxKeys: 3 }) },
  { weight: 2, arbitrary: fc.constantFrom('1e308', '-1', '0', 'true', 'null', '~', '', ' ', '\u0000', '🦀', 'ｃｎ－ｈａｎｇｚｈｏｕ', 'İ', '\u202e', 'a\nb') },
  { weight: 2, arbitrary: fc.constantFrom(`${10 ** 30}s`, '1000000000000000000000000000000s', '99999999999999999y', '9007199254740993ms', '0', '-1s', '1.5s', '30m1h', '1h30m', '0s') },
  // Expensive to write and parse: rare, but present in every run.
  { weight: 1, arbitrary: fc.constantFrom(HUGE_STRING, 'y'.repeat(10_000)) },
  { weight: 1, arbitrary: fc.constantFrom(deeplyNested(300), deeplyNested(40)) },
);

const BAD_CRON = ['', '*', '* * * *', '* * * * * * *', '61 * * * *', '*/0 * * * *', '99999999999999999999 * * * *', 'a b c d e', '@yearly', '* * 31 2 *', '-1 * * * *', '*/5 * * * * ?', '*'.repeat(1000)];
const BAD_REGEX = ['(', '[', '*', '(?<', '\\', 'a{2,1}', '(?<n>a)(?<n>b)', '[z-a]', '(?i)abc', '\\p{Nope}'];
const UNKNOWN_KEYS = ['extra', '__proto__', 'constructor', 'toString', 'access_key_secret', 'security_token', 'targets', 'type', 'interval', 'Name', 'name ', '🔑', '', 'a.b', '[0]'];
const CRED_SECRET_FIELDS = ['access_key_secret_env', 'security_token_env', 'access_key_secret', 'security_token'];

type TreeOp =
  | { kind: 'replace'; at: number; value: unknown }
  | { kind: 'delete'; at: number }
  | { kind: 'addKey'; at: number; key: string; value: unknown }
  | { kind: 'badCron'; cron: string; dropInterval: boolean }
  | { kind: 'badRegex'; at: number; pattern: string }
  | { kind: 'envRef'; at: number; name: string }
  | { kind: 'fileRef'; at: number; file: string }
  | { kind: 'pasteSecret'; at: number; field: string; secret: string }
  | { kind: 'share'; from: number; to: number };

const treeOp: fc.Arbitrary<TreeOp> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('replace' as const), at: fc.nat(), value: weirdValue }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('addKey' as const), at: fc.nat(), key: fc.oneof(fc.constantFrom(...UNKNOWN_KEYS), fc.string({ maxLength: 8 })), value: weirdValue }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('badCron' as const), cron: fc.oneof(fc.constantFrom(...BAD_CRON), fc.string({ maxLength: 30 })), dropInterval: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('badRegex' as const), at: fc.nat(), pattern: fc.oneof(fc.constantFrom(...BAD_REGEX), fc.string({ maxLength: 10 })) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('envRef' as const), at: fc.nat(), name: fc.constantFrom('UNSET_VAR', 'EMPTY_VAR', 'BLANK_VAR', 'lower_case', '1BAD', '') }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('fileRef' as const), at: fc.nat(), file: fc.constantFrom('no_such_file', 'empty_file', 'a_directory', '/nonexistent/dir/secret', '', '.') }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('pasteSecret' as const), at: fc.nat(), field: fc.constantFrom(...CRED_SECRET_FIELDS), secret: fc.constantFrom(...SECRET_VALUES) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('share' as const), from: fc.nat(), to: fc.nat() }) },
);

const endsWith = (suffix: string) => (path: Path) => typeof path[path.length - 1] === 'string' && (path[path.length - 1] as string).endsWith(suffix);

function reachable(from: unknown, target: unknown, seen = new Set<unknown>()): boolean {
  if (from === target) return true;
  if (typeof from !== 'object' || from === null || seen.has(from)) return false;
  seen.add(from);
  return Object.values(from).some((child) => reachable(child, target, seen));
}

function applyTreeOp(root: unknown, op: TreeOp): unknown {
  switch (op.kind) {
    case 'replace': {
      const path = pickPath(root, op.at);
      return path ? setAt(root, path, structuredClone(op.value)) : root;
    }
    case 'delete': {
      const path = pickPath(root, op.at, (p) => p.length > 0);
      return path ? setAt(root, path, DELETE) : root;
    }
    case 'addKey': {
      const path = pickPath(root, op.at, (_p, node) => isPlainRecord(node));
      if (path) (getAt(root, path) as Record<string, unknown>)[op.key] = structuredClone(op.value);
      return root;
    }
    case 'badCron': {
      if (!isPlainRecord(root)) return root;
      const collection = isPlainRecord(root.collection) ? root.collection : (root.collection = {});
      collection.cron = op.cron;
      if (op.dropInterval) delete collection.interval;
      return root;
    }
    case 'badRegex': {
      const path = pickPath(root, op.at, (p, node) => p[p.length - 1] === 'plans' && isPlainRecord(node));
      if (path) {
        const plans = getAt(root, path) as Record<string, unknown>;
        delete plans.ids;
        plans.include = { ...(isPlainRecord(plans.include) ? plans.include : {}), name_regex: op.pattern };
      }
      return root;
    }
    case 'envRef': {
      const path = pickPath(root, op.at, endsWith('_env'));
      return path ? setAt(root, path, op.name) : root;
    }
    case 'fileRef': {
      const path = pickPath(root, op.at, (p) => endsWith('_file')(p));
      return path ? setAt(root, path, op.file) : root;
    }
    case 'pasteSecret': {
      // The mistake secrets.ts guards against: the secret itself where its source belongs.
      const path = pickPath(root, op.at, (p, node) => p[p.length - 1] === 'credentials' && isPlainRecord(node));
      if (path) (getAt(root, path) as Record<string, unknown>)[op.field] = op.secret;
      return root;
    }
    case 'share': {
      // The same object at two places: YAML.stringify writes it as an anchor and an alias.
      const from = pickPath(root, op.from, (p, node) => p.length > 0 && typeof node === 'object' && node !== null);
      const to = pickPath(root, op.to, (p) => p.length > 0);
      if (!from || !to) return root;
      const shared = getAt(root, from);
      // No cycles: the place written to must not lie inside the shared node (through any alias).
      if (reachable(shared, getAt(root, to.slice(0, -1)))) return root;
      return setAt(root, to, shared);
    }
  }
}

type TextOp =
  | { kind: 'insert'; at: number; text: string }
  | { kind: 'truncate'; at: number }
  | { kind: 'duplicateLine'; at: number }
  | { kind: 'swapChar'; at: number; char: string };

const YAML_TOKENS = ['&a ', '*a', '*undefined_anchor', '<<: *a\n', '!!binary ', '!!str ', '!!int ', '!!float ', '!!set ', '!!omap ', '!!timestamp ', '!custom ', '? ', '- ', ': ', '{', '}', '[', ']', '"', "'", '|\n', '>-\n', '\t', '%YAML 1.1\n---\n', '---\n', '...\n', '#', '\u00a0', '\ufeff', '\r\n'];

const textOp: fc.Arbitrary<TextOp> = fc.oneof(
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: fc.oneof(fc.constantFrom(...YAML_TOKENS), fc.string({ maxLength: 6 }), fc.string({ unit: 'binary', maxLength: 6 })) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('duplicateLine' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('swapChar' as const), at: fc.nat(), char: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) }),
);

function applyTextOp(text: string, op: TextOp): string {
  const at = text.length === 0 ? 0 : op.at % text.length;
  switch (op.kind) {
    case 'insert':
      return text.slice(0, at) + op.text + text.slice(at);
    case 'truncate':
      return text.slice(0, at);
    case 'duplicateLine': {
      // A repeated line is most often a duplicate key (or a second list item) at the same level.
      const lines = text.split('\n');
      const i = op.at % lines.length;
      lines.splice(i, 0, lines[i] as string);
      return lines.join('\n');
    }
    case 'swapChar':
      return text.slice(0, at) + op.char + text.slice(at + 1);
  }
}

interface FuzzCase {
  seed: Seed;
  text: string;
  env: Record<string, string>;
  how: 'tree' | 'text' | 'random';
}

/** Environment mutation: a referenced variable unset, emptied or blanked. */
const envOp = fc.option(fc.record({ name: fc.constantFrom('DBS_PROD_ACCESS_KEY_ID', 'DBS_PROD_ACCESS_KEY_SECRET', 'STS_TOKEN', 'DBS_AK_SECRET'), to: fc.constantFrom(undefined, '', '  \n') }), { freq: 4 });

function withEnv(env: Record<string, string>, op: { name: string; to: string | undefined } | null): Record<string, string> {
  if (op === null) return env;
  const out = { ...env };
  if (op.to === undefined) delete out[op.name];
  else out[op.name] = op.to;
  return out;
}

function fuzzCaseFrom(seeds: Seed[]): fc.Arbitrary<FuzzCase> {
  const seedArb = fc.constantFrom(...seeds);
  return fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({ seed: seedArb, ops: fc.array(treeOp, { minLength: 1, maxLength: 4 }), env: envOp }).map(({ seed, ops, env }) => {
      let tree: unknown = parseYaml(seed.text, { merge: true });
      for (const op of ops) tree = applyTreeOp(tree, op);
      const text = stringifyYaml(tree, { aliasDuplicateObjects: true, lineWidth: 0 });
      return { seed, text, env: withEnv(seed.env, env), how: 'tree' as const };
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({ seed: seedArb, ops: fc.array(textOp, { minLength: 1, maxLength: 4 }), env: envOp }).map(({ seed, ops, env }) => ({
      seed,
      text: ops.reduce(applyTextOp, seed.text),
      env: withEnv(seed.env, env),
      how: 'text' as const,
    })),
  },
  {
    weight: 1,
    arbitrary: fc
      .oneof(fc.string({ maxLength: 200 }), fc.string({ unit: 'binary', maxLength: 200 }), fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes).toString('utf8')))
      .map((text) => ({ seed: seeds[0] as Seed, text, env: ENV, how: 'random' as const })),
  },
  );
}
const fuzzCase = fuzzCaseFrom(SEEDS);
/** The CLI resolves relative secret files against the config file's folder: only seeds whose files live in workDir. */
const cliFuzzCase = fuzzCaseFrom(SEEDS.filter((seed) => seed.baseDir === workDir));

// ---------------------------------------------------------------------------------------------
// The property

/**
 * Exceptions other than ConfigError that are known and tolerated (counted and printed).
 * Empty: the ones this fuzzing found (yaml's toJS errors for undefined aliases, non-map merge
 * sources, alias counts) are now ConfigErrors; see the regression tests below.
 */
const KNOWN_ESCAPES: RegExp[] = [];

interface Outcome {
  accepted: boolean;
  /** parseConfig threw one of KNOWN_ESCAPES. */
  knownEscape: boolean;
  elapsedMs: number;
  /** Issues whose `path` is '' (the document itself is not a mapping). */
  emptyPathIssues: number;
}

/** Lines of ConfigError.format(): `<path>: <message>` or `<path>: <message> (line N)`. A path may start with a space (a quoted key). */
const ISSUE_LINE = /^(?<path>.+?): (?<message>\S.*)$/s;

function checkCase(c: FuzzCase): Outcome {
  const started = performance.now();
  let accepted = false;
  let emptyPathIssues = 0;
  try {
    const config = parseConfig(c.text, { env: c.env, baseDir: c.seed.baseDir });
    accepted = true;
    const bad = nonFiniteNumbers(config);
    if (bad.length > 0) throw new Error(`accepted config holds non-finite numbers: ${bad.join(', ')}`);
    if (config.targets.length === 0) throw new Error('accepted config has no targets');
  } catch (err) {
    if (accepted) throw err;
    if (!(err instanceof ConfigError) && err instanceof Error && KNOWN_ESCAPES.some((re) => re.test(err.message))) {
      return { accepted, knownEscape: true, elapsedMs: performance.now() - started, emptyPathIssues };
    }
    if (!(err instanceof ConfigError)) {
      throw new Error(`parseConfig threw ${(err as Error)?.name ?? typeof err} instead of ConfigError: ${(err as Error)?.message ?? String(err)}`);
    }
    expect(err.issues.length).toBeGreaterThan(0);
    for (const issue of err.issues) {
      // A problem with the whole document (not a mapping) has the empty path; format() shows it as "(top level)".
      expect(typeof issue.path).toBe('string');
      expect(issue.message.trim()).not.toBe('');
    }
    const formatted = err.format();
    const lines = formatted.split('\n');
    // One line per issue, each starting with the place it names.
    expect(lines.length).toBe(err.issues.length);
    err.issues.forEach((issue, i) => {
      expect(lines[i]?.startsWith(`${issue.path === '' ? '(top level)' : issue.path}: `)).toBe(true);
      expect(lines[i]).toMatch(ISSUE_LINE);
    });
    emptyPathIssues = err.issues.filter((issue) => issue.path === '').length;
    expect(formatted).not.toMatch(STACK_LINE);
    expect(err.message).not.toMatch(STACK_LINE);
    for (const secret of SECRET_VALUES) {
      if (formatted.includes(secret)) throw new Error(`ConfigError.format() contains the secret ${secret}:\n${formatted}`);
    }
  }
  const elapsedMs = performance.now() - started;
  if (elapsedMs > CASE_BUDGET_MS) throw new Error(`parseConfig took ${elapsedMs.toFixed(0)}ms (budget ${CASE_BUDGET_MS}ms)`);
  return { accepted, knownEscape: false, elapsedMs, emptyPathIssues };
}

/** Lines the yaml library warns about (collection keys stringified) would flood the output. */
function quietWarnings<T>(run: () => T): T {
  const original = process.emitWarning;
  process.emitWarning = (() => undefined) as typeof process.emitWarning;
  try {
    return run();
  } finally {
    process.emitWarning = original;
  }
}

describe('config fuzzing', () => {
  it('every seed is a valid configuration', () => {
    for (const seed of SEEDS) expect(() => parseConfig(seed.text, { env: seed.env, baseDir: seed.baseDir }), seed.name).not.toThrow();
  });

  it(`parseConfig returns a finite config or a clean ConfigError for ${IN_PROCESS_RUNS} mutated files`, () => {
    const figures = { cases: 0, accepted: 0, rejected: 0, knownBugEscapes: 0, byHow: { tree: 0, text: 0, random: 0 }, emptyPathIssues: 0, slowestMs: 0 };
    quietWarnings(() =>
      fc.assert(
        fc.property(fuzzCase, (c) => {
          const outcome = checkCase(c);
          figures.cases += 1;
          figures.byHow[c.how] += 1;
          if (outcome.knownEscape) figures.knownBugEscapes += 1;
          else if (outcome.accepted) figures.accepted += 1;
          else figures.rejected += 1;
          figures.emptyPathIssues += outcome.emptyPathIssues;
          figures.slowestMs = Math.max(figures.slowestMs, outcome.elapsedMs);
        }),
        { numRuns: IN_PROCESS_RUNS, endOnFailure: true },
      ),
    );
    console.log(`config fuzz (in process): ${JSON.stringify({ ...figures, slowestMs: Math.round(figures.slowestMs) })}`);
    // The mutations must exercise both outcomes, or the property says little.
    expect(figures.accepted).toBeGreaterThan(IN_PROCESS_RUNS * 0.02);
    expect(figures.rejected).toBeGreaterThan(IN_PROCESS_RUNS * 0.5);
  }, 60_000);

  it(`the CLI's --check-config exits 0 or 2, naming a path, for ${CLI_RUNS} mutated files`, async () => {
    const cases = quietWarnings(() => fc.sample(cliFuzzCase, { numRuns: CLI_RUNS, seed: 20_261_120 }));
    const codes: Record<string, number> = {};
    const queue = cases.map((c, i) => ({ c, i }));
    const worker = async () => {
      for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
        const { c, i } = next;
        // Beside the secret files, which the seeds name relatively.
        const file = join(workDir, `cli-case-${i}.yaml`);
        const text = c.text;
        writeFileSync(file, text);
        const result = await runCli(['--config', file, '--check-config'], c.env, 30_000);
        codes[String(result.code)] = (codes[String(result.code)] ?? 0) + 1;
        const context = `case ${i} (${c.how} from ${c.seed.name}), exit ${result.code}:\n${result.stderr}\n--- file ---\n${text.slice(0, 2000)}`;
        if (result.code === 1 && KNOWN_ESCAPES.some((re) => re.test(result.stderr.replace(/^dbs-exporter: /, '').trim()))) {
          codes.knownBug1 = (codes.knownBug1 ?? 0) + 1;
          continue;
        }
        expect([0, 2], context).toContain(result.code);
        expect(result.stderr, context).not.toMatch(STACK_LINE);
        for (const secret of SECRET_VALUES) expect(result.stdout + result.stderr, context).not.toContain(secret);
        if (result.code === 2) {
          const lines = result.stderr.trimEnd().split('\n');
          expect(lines.length, context).toBeGreaterThan(0);
          for (const line of lines) expect(line, context).toMatch(ISSUE_LINE);
        } else {
          expect(result.stdout, context).toContain('configuration is valid');
        }
      }
    };
    await Promise.all(Array.from({ length: 2 }, worker));
    console.log(`config fuzz (CLI --check-config): ${CLI_RUNS} files, exit codes ${JSON.stringify(codes)}`);
  }, 60_000);

  // Found by this fuzzing. An alias to an anchor that is not defined (a typo, or the anchor
  // after the alias) makes yaml's Document.toJS() throw a ReferenceError that parseConfig does
  // not catch (yaml reports it only then, not in doc.errors): CLI exit 1 with "dbs-exporter:
  // Unresolved alias (the anchor must be set before the alias): nope", no path or line, instead
  // of exit 2. Fixed: parseConfig turns it into a ConfigError.
  it('an alias to an undefined anchor is a ConfigError (found by this fuzzing)', () => {
    expect(() => parseConfig('targets:\n  - name: a\n    region: cn-hangzhou\n    credentials: *nope\n', { env: ENV })).toThrow(ConfigError);
  });

  // Found by this fuzzing. yaml's Document.toJS() throws a plain Error for a merge key whose
  // source is not a mapping (`<<: 1`, `<<: *scalarAnchor`, `<<: *undefinedAnchor`), and
  // parseConfig does not catch it: CLI exit 1 with "dbs-exporter: Merge sources must be maps
  // or map aliases", no path or line, instead of exit 2. Fixed: parseConfig turns it into a ConfigError.
  it('a merge key with a non-mapping source is a ConfigError (found by this fuzzing)', () => {
    expect(() => parseConfig('targets:\n  - name: a\n    <<: 1\n', { env: ENV })).toThrow(ConfigError);
  });

  // Found by this fuzzing. `yaml` refuses to expand more than 100 aliases (its guard against
  // "billion laughs") by throwing a ReferenceError from doc.toJS(), which parseConfig does not
  // catch: 101 targets sharing one anchored credentials block are rejected with an uncaught
  // ReferenceError (CLI: exit 1, "dbs-exporter: Excessive alias count indicates a resource
  // exhaustion attack", no path) instead of a ConfigError (exit 2). Fixed: parseConfig turns it into a ConfigError.
  it('a file with more than 100 aliases is accepted or a ConfigError, never a ReferenceError (found by this fuzzing)', () => {
    const lines = ['targets:', '  - { name: t0, region: cn-hangzhou, credentials: &creds { type: access_key, access_key_id_env: DBS_PROD_ACCESS_KEY_ID, access_key_secret_env: DBS_PROD_ACCESS_KEY_SECRET } }'];
    for (let i = 1; i <= 101; i++) lines.push(`  - { name: t${i}, region: cn-hangzhou, credentials: *creds }`);
    let thrown: unknown;
    try {
      parseConfig(lines.join('\n'), { env: ENV });
    } catch (err) {
      thrown = err;
    }
    // Either outcome is acceptable (accept the file, or a ConfigError naming the problem); an uncaught ReferenceError is not.
    expect(thrown === undefined || thrown instanceof ConfigError).toBe(true);
  });
});
