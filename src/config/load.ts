/**
 * YAML text -> validated, fully resolved configuration. Every problem found is collected
 * and thrown together as one ConfigError, each at its path in the file.
 */
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { LineCounter, parseDocument, type Document } from 'yaml';
import { ConfigError, issuesFromZod, type ConfigIssue } from './errors.js';
import { compilePlanFilter, type PlanSelection } from './plans.js';
import { type Expectation, compileExpectation } from './expectations.js';
import {
  API_DEFAULTS,
  DEFAULT_INTERVAL,
  apiSettingsSchema,
  configFileSchema,
  credentialsSchema,
  isRecord,
  type ApiSettingsFile,
  type ParsedConfigFile,
  type ParsedTarget,
} from './schema.js';
import { describeFsError, resolveCredentials, type CredentialSpec, type SecretContext } from './secrets.js';
import { parseDuration } from './duration.js';

type Complete<T> = { [K in keyof T]-?: NonNullable<T[K]> extends object ? Complete<NonNullable<T[K]>> : NonNullable<T[K]> };

/** Effective DBS API settings of a target (durations in ms): built-in defaults < `defaults:` < the target's own keys. */
export type ApiSettings = Complete<ApiSettingsFile>;

export type ResolvedTarget = Omit<ParsedTarget, 'credentials' | 'plans' | keyof ApiSettingsFile> & {
  credentials: CredentialSpec;
  plans: PlanSelection;
  api: ApiSettings;
};

export type CollectionSchedule = { type: 'interval'; interval: number } | { type: 'cron'; cron: string };

/** Collection settings, durations in ms. */
export type ResolvedCollection = Omit<ParsedConfigFile['collection'], 'interval' | 'cron'> & { schedule: CollectionSchedule };

export interface ResolvedConfig {
  targets: ResolvedTarget[];
  collection: ResolvedCollection;
  expectations: Expectation[];
  web: ParsedConfigFile['web'];
}

export interface ParseOptions {
  /** Where `_env` secrets are read from; defaults to process.env. */
  env?: NodeJS.ProcessEnv;
  /** Folder relative `_file` paths are resolved against; defaults to the working directory. */
  baseDir?: string;
  /** Named in the ConfigError's message. */
  file?: string;
}

/** Reads, validates and resolves a configuration file. Throws ConfigError. */
export async function loadConfigFile(path: string, env: NodeJS.ProcessEnv = process.env): Promise<ResolvedConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new ConfigError([{ path: '(file)', message: describeFsError(path, err) }], path);
  }
  return parseConfig(text, { env, baseDir: dirname(path), file: path });
}

/** Validates and resolves configuration text. Throws ConfigError. */
export function parseConfig(text: string, opts: ParseOptions = {}): ResolvedConfig {
  const context: SecretContext = { env: opts.env ?? process.env, baseDir: opts.baseDir ?? process.cwd() };
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, merge: true, prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(doc.errors.map(syntaxIssue), opts.file);
  }
  let raw: unknown;
  try {
    // Aliases to undefined anchors, non-map merge sources and alias bombs only fail here.
    raw = doc.toJS({ maxAliasCount: 10_000 }) ?? {};
  } catch (err) {
    throw new ConfigError([{ path: '(document)', message: `invalid YAML: ${String((err as Error).message).split('\n')[0]}` }], opts.file);
  }

  const parsed = configFileSchema.safeParse(raw);
  const issues: ConfigIssue[] = parsed.success ? [] : issuesFromZod(parsed.error);

  // Secrets are checked for every target whose credentials block is well-formed, even when
  // something else is wrong, so that one run reports every problem.
  const credentials = resolveAllCredentials(raw, context, issues);

  if (!parsed.success || issues.length > 0) {
    throw new ConfigError(withLines(issues, doc, lineCounter), opts.file);
  }
  return resolve(parsed.data, credentials);
}

function syntaxIssue(error: { message: string; linePos?: [{ line: number; col: number }, ...unknown[]] }): ConfigIssue {
  // Only the first line: the rest is a code frame that could quote a secret.
  const message = (error.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
  const position = error.linePos?.[0];
  return { path: position === undefined ? '(yaml)' : `line ${position.line}:${position.col}`, message };
}

function resolveAllCredentials(raw: unknown, context: SecretContext, issues: ConfigIssue[]): Map<number, CredentialSpec> {
  const resolved = new Map<number, CredentialSpec>();
  const targets = isRecord(raw) && Array.isArray(raw.targets) ? (raw.targets as unknown[]) : [];
  targets.forEach((target, index) => {
    const block = credentialsSchema.safeParse(isRecord(target) ? target.credentials : undefined);
    if (!block.success) return; // already reported by the whole-file parse
    const result = resolveCredentials(block.data, ['targets', index, 'credentials'], context);
    if (result.ok) resolved.set(index, result.value);
    else issues.push(...result.issues);
  });
  return resolved;
}

const BUILTIN_API = apiSettingsSchema.parse(API_DEFAULTS) as Omit<ApiSettings, 'rate_limit'> & {
  rate_limit: { requests_per_second: number };
};

function effectiveApiSettings(defaults: ApiSettingsFile | undefined, target: ApiSettingsFile): ApiSettings {
  const requestsPerSecond = target.rate_limit?.requests_per_second ?? defaults?.rate_limit?.requests_per_second ?? BUILTIN_API.rate_limit.requests_per_second;
  return {
    request_timeout: target.request_timeout ?? defaults?.request_timeout ?? BUILTIN_API.request_timeout,
    retries: { ...BUILTIN_API.retries, ...defined(defaults?.retries), ...defined(target.retries) },
    max_concurrency: target.max_concurrency ?? defaults?.max_concurrency ?? BUILTIN_API.max_concurrency,
    rate_limit: {
      requests_per_second: requestsPerSecond,
      burst: target.rate_limit?.burst ?? defaults?.rate_limit?.burst ?? Math.max(1, Math.ceil(requestsPerSecond)),
    },
  };
}

/** Drops undefined values so a spread does not overwrite a default with undefined. */
function defined<T extends object>(value: T | undefined): Partial<T> {
  return Object.fromEntries(Object.entries(value ?? {}).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function resolvePlans(plans: ParsedTarget['plans']): PlanSelection {
  if (plans.ids !== undefined) return { mode: 'ids', ids: [...new Set(plans.ids)] };
  const selection: PlanSelection = { mode: 'discover' };
  if (plans.include !== undefined) selection.include = compilePlanFilter(plans.include);
  if (plans.exclude !== undefined) selection.exclude = compilePlanFilter(plans.exclude);
  return selection;
}

function resolve(file: ParsedConfigFile, credentials: Map<number, CredentialSpec>): ResolvedConfig {
  const targets = file.targets.map((target, index): ResolvedTarget => {
    const { credentials: _file, plans, request_timeout, retries, max_concurrency, rate_limit, ...identity } = target;
    const spec = credentials.get(index);
    if (spec === undefined) throw new Error(`internal: credentials of targets[${index}] were not resolved`);
    return {
      ...identity,
      credentials: spec,
      plans: resolvePlans(plans),
      api: effectiveApiSettings(file.defaults, { request_timeout, retries, max_concurrency, rate_limit }),
    };
  });
  const { interval, cron, ...history } = file.collection;
  const schedule: CollectionSchedule =
    cron !== undefined ? { type: 'cron', cron } : { type: 'interval', interval: interval ?? parseDuration(DEFAULT_INTERVAL) };
  return { targets, collection: { ...history, schedule }, expectations: file.expectations.map(compileExpectation), web: file.web };
}

/** Adds the line of the offending node (or of its nearest existing parent) to each issue, and sorts by line. */
function withLines(issues: ConfigIssue[], doc: Document, lineCounter: LineCounter): ConfigIssue[] {
  return issues
    .map((issue) => {
      const line = lineOf(issue.path, doc, lineCounter);
      return line === undefined ? issue : { ...issue, line };
    })
    .sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
}

function lineOf(path: string, doc: Document, lineCounter: LineCounter): number | undefined {
  const segments = pathSegments(path);
  for (let length = segments.length; length > 0; length--) {
    const node: unknown = doc.getIn(segments.slice(0, length), true);
    const range = isRecord(node) && Array.isArray(node.range) ? (node.range as number[]) : undefined;
    if (range?.[0] !== undefined) return lineCounter.linePos(range[0]).line;
  }
  return undefined;
}

/** `targets[1].region` -> `['targets', 1, 'region']`. The inverse of formatPath. */
function pathSegments(path: string): (string | number)[] {
  const segments: (string | number)[] = [];
  for (const match of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) {
    segments.push(match[2] !== undefined ? Number(match[2]) : (match[1] as string));
  }
  return segments;
}
