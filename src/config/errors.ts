/**
 * Configuration problems, each tied to the place in the file where it was found.
 * Messages never quote a value the user wrote (zod is not asked to report inputs),
 * so a secret pasted into the wrong key cannot leak into logs through an error.
 */
import type { z } from 'zod';

export interface ConfigIssue {
  /** Where in the file: `targets[1].region`, `collection`, or `line 3:5` for YAML syntax errors. */
  path: string;
  message: string;
  /** 1-based line of the offending node, when the YAML source is known. */
  line?: number;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
  readonly issues: readonly ConfigIssue[];
  /** The file the issues are about, when loaded from disk. */
  readonly file: string | undefined;

  constructor(issues: readonly ConfigIssue[], file?: string) {
    const where = file === undefined ? 'configuration' : `configuration file ${file}`;
    const count = issues.length === 1 ? '1 problem' : `${issues.length} problems`;
    super(`invalid ${where} (${count}):\n${formatIssues(issues)}`);
    this.issues = issues;
    this.file = file;
  }

  /** One line per issue: `targets[1].region: expected one of cn-hangzhou, … (line 7)`. */
  format(): string {
    return formatIssues(this.issues);
  }
}

/** `targets[1].region: expected one of cn-hangzhou, … (line 7)`. */
export function formatIssue(issue: ConfigIssue): string {
  const at = issue.path === '' ? '(top level)' : issue.path;
  const line = issue.line === undefined ? '' : ` (line ${issue.line})`;
  return `${at}: ${issue.message}${line}`;
}

function formatIssues(issues: readonly ConfigIssue[]): string {
  return issues.map(formatIssue).join('\n');
}

/** `['targets', 1, 'region']` -> `targets[1].region`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out === '' ? String(segment) : `.${String(segment)}`;
  }
  return out;
}

/** Keys that would hold a secret inline; they are rejected with a hint instead of "unknown key". */
const INLINE_SECRET_KEYS = new Set(['access_key_secret', 'security_token']);

/** Turns zod issues into user-facing ones: plain wording, one issue per unknown key, no input values. */
export function issuesFromZod(error: z.core.$ZodError): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const message = INLINE_SECRET_KEYS.has(key)
          ? `inline secrets are not allowed; use ${key}_env or ${key}_file`
          : 'unknown key';
        out.push({ path: formatPath([...issue.path, key]), message });
      }
      continue;
    }
    out.push({ path: formatPath(issue.path), message: describeIssue(issue) });
  }
  return out;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      // A custom message (set with `{ error }` on the schema) wins over the generic wording.
      if (!issue.message.startsWith('Invalid input')) return issue.message;
      {
        // zod words it "expected string, received number"; only the received type is kept, never the value.
        const received = /received (\w+)$/.exec(issue.message)?.[1];
        return received === 'undefined'
          ? `required: expected ${typeName(issue.expected)}`
          : `expected ${typeName(issue.expected)}${received === undefined ? '' : `, got ${typeName(received)}`}`;
      }
    case 'invalid_value':
      return `expected one of ${issue.values.map(String).join(', ')}`;
    case 'invalid_union':
      if ('options' in issue && Array.isArray(issue.options)) {
        return `expected one of ${issue.options.map(String).join(', ')}`;
      }
      return issue.message;
    case 'too_small':
      return minMessage(issue);
    case 'too_big':
      return maxMessage(issue);
    default:
      return issue.message;
  }
}

function typeName(expected: string): string {
  if (expected === 'int') return 'an integer';
  if (expected === 'object') return 'a mapping';
  if (expected === 'array') return 'a list';
  return `a ${expected}`;
}

function minMessage(issue: z.core.$ZodIssueTooSmall): string {
  if (!issue.message.startsWith('Too small')) return issue.message;
  if (issue.origin === 'array') return `must have at least ${String(issue.minimum)} item(s)`;
  if (issue.origin === 'string') return issue.minimum === 1 ? 'must not be empty' : `must be at least ${String(issue.minimum)} characters`;
  return `must be ${issue.inclusive === false ? 'greater than' : 'at least'} ${String(issue.minimum)}`;
}

function maxMessage(issue: z.core.$ZodIssueTooBig): string {
  if (!issue.message.startsWith('Too big')) return issue.message;
  if (issue.origin === 'array') return `must have at most ${String(issue.maximum)} item(s)`;
  if (issue.origin === 'string') return `must be at most ${String(issue.maximum)} characters`;
  return `must be ${issue.inclusive === false ? 'less than' : 'at most'} ${String(issue.maximum)}`;
}
