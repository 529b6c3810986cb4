/**
 * Reading credentials' secrets from environment variables and files, once, at load time.
 * Resolved secrets are wrapped in `Secret`, which prints as `[redacted]` whichever way the
 * config is logged (util.inspect, console.log, JSON.stringify, pino, string templates).
 */
import { accessSync, constants, readFileSync } from 'node:fs';
import { isAbsolute, resolve as resolvePath } from 'node:path';
import { inspect } from 'node:util';
import type { ConfigIssue } from './errors.js';
import { formatPath } from './errors.js';
import type { FileCredentials } from './schema.js';

const REDACTED = '[redacted]';

export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  /** The secret itself: call this only where it is handed to the SDK. */
  reveal(): string {
    return this.#value;
  }

  toJSON(): string {
    return REDACTED;
  }

  toString(): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return REDACTED;
  }
}

/** The three values that may come from the environment or a file. Only access_key_id may be inline. */
const SOURCED_FIELDS = ['access_key_id', 'access_key_secret', 'security_token'] as const;
type SourcedField = (typeof SOURCED_FIELDS)[number];
type SourceKey = 'access_key_id' | `${SourcedField}_env` | `${SourcedField}_file`;

type Variant<T extends FileCredentials['type']> = Omit<Extract<FileCredentials, { type: T }>, SourceKey>;
interface AccessKeyPair {
  access_key_id: string;
  access_key_secret: Secret;
}

/** Resolved credentials, by @alicloud/credentials type. Durations in ms; oidc_token_file is an absolute path. */
export type CredentialSpec =
  | (Variant<'access_key'> & AccessKeyPair)
  | (Variant<'sts'> & AccessKeyPair & { security_token: Secret })
  | (Variant<'ram_role_arn'> & AccessKeyPair & { security_token?: Secret })
  | (Omit<Variant<'oidc_role_arn'>, 'role_arn' | 'oidc_provider_arn' | 'oidc_token_file'> & {
      role_arn: string;
      oidc_provider_arn: string;
      oidc_token_file: string;
    })
  | Variant<'ecs_ram_role'>
  | Variant<'credentials_uri'>
  | Variant<'default'>;

/** Environment variables ACK RRSA injects into pods; used when the oidc_role_arn keys are absent. */
const RRSA_ENV = {
  role_arn: 'ALIBABA_CLOUD_ROLE_ARN',
  oidc_provider_arn: 'ALIBABA_CLOUD_OIDC_PROVIDER_ARN',
  oidc_token_file: 'ALIBABA_CLOUD_OIDC_TOKEN_FILE',
} as const;

export interface SecretContext {
  env: NodeJS.ProcessEnv;
  /** Folder relative `_file` paths are resolved against (the config file's). */
  baseDir: string;
}

export type Resolution<T> = { ok: true; value: T } | { ok: false; issues: ConfigIssue[] };

/**
 * Reads the secrets a credentials block refers to. `path` is where the block sits in the
 * file (`['targets', 0, 'credentials']`); every issue is reported below it.
 */
export function resolveCredentials(file: FileCredentials, path: readonly PropertyKey[], context: SecretContext): Resolution<CredentialSpec> {
  const issues: ConfigIssue[] = [];
  const fields = file as Partial<Record<SourceKey, string>>;
  const read = (field: SourcedField, required: boolean) => readSourced(fields, field, required, path, context, issues);

  const spec = stripSources(file);
  switch (file.type) {
    case 'access_key':
    case 'sts':
    case 'ram_role_arn': {
      const id = read('access_key_id', true);
      const secret = read('access_key_secret', true);
      const token = read('security_token', file.type === 'sts');
      if (issues.length > 0 || id === undefined || secret === undefined) break;
      Object.assign(spec, { access_key_id: id, access_key_secret: new Secret(secret) });
      if (token !== undefined) Object.assign(spec, { security_token: new Secret(token) });
      break;
    }
    case 'oidc_role_arn': {
      for (const key of ['role_arn', 'oidc_provider_arn', 'oidc_token_file'] as const) {
        const value = file[key] ?? context.env[RRSA_ENV[key]];
        if (value === undefined || value === '') {
          issues.push({ path: formatPath([...path, key]), message: `required (or set the environment variable ${RRSA_ENV[key]}, as ACK RRSA does)` });
          continue;
        }
        if (key !== 'oidc_token_file') {
          Object.assign(spec, { [key]: value });
          continue;
        }
        // The token rotates, so the SDK reads it on every refresh; here we only check it is there.
        const tokenFile = absolute(value, context.baseDir);
        const problem = unreadable(tokenFile);
        if (problem !== undefined) issues.push({ path: formatPath([...path, key]), message: problem });
        else Object.assign(spec, { oidc_token_file: tokenFile });
      }
      break;
    }
    default:
      break;
  }
  return issues.length > 0 ? { ok: false, issues } : { ok: true, value: spec as CredentialSpec };
}

function stripSources(file: FileCredentials): Record<string, unknown> {
  const spec: Record<string, unknown> = { ...file };
  for (const field of SOURCED_FIELDS) {
    delete spec[field];
    delete spec[`${field}_env`];
    delete spec[`${field}_file`];
  }
  return spec;
}

/** Reads one sourced field, checking that exactly one of its sources is set. */
function readSourced(
  fields: Partial<Record<SourceKey, string>>,
  field: SourcedField,
  required: boolean,
  path: readonly PropertyKey[],
  context: SecretContext,
  issues: ConfigIssue[],
): string | undefined {
  const inline = field === 'access_key_id' ? fields.access_key_id : undefined;
  const envKey = `${field}_env` as const;
  const fileKey = `${field}_file` as const;
  const envName = fields[envKey];
  const file = fields[fileKey];
  const setKeys: string[] = [];
  if (inline !== undefined) setKeys.push(field);
  if (envName !== undefined) setKeys.push(envKey);
  if (file !== undefined) setKeys.push(fileKey);
  const choices = field === 'access_key_id' ? `${field}, ${envKey} or ${fileKey}` : `${envKey} or ${fileKey}`;

  if (setKeys.length > 1) {
    issues.push({ path: formatPath([...path, setKeys[1] as string]), message: `conflicts with ${setKeys[0] as string}: set only one of ${choices}` });
    return undefined;
  }
  if (inline !== undefined) return inline;
  if (envName !== undefined) {
    const value = context.env[envName];
    if (value === undefined) issues.push({ path: formatPath([...path, envKey]), message: `environment variable ${envName} is not set` });
    else if (value.trim() === '') issues.push({ path: formatPath([...path, envKey]), message: `environment variable ${envName} is empty` });
    else return value.trim();
    return undefined;
  }
  if (file !== undefined) {
    const absolutePath = absolute(file, context.baseDir);
    let value: string;
    try {
      value = readFileSync(absolutePath, 'utf8').trim();
    } catch (err) {
      issues.push({ path: formatPath([...path, fileKey]), message: describeFsError(absolutePath, err) });
      return undefined;
    }
    if (value === '') issues.push({ path: formatPath([...path, fileKey]), message: `file ${absolutePath} is empty` });
    else return value;
    return undefined;
  }
  if (required) issues.push({ path: formatPath(path), message: `set one of ${choices}` });
  return undefined;
}

function absolute(file: string, baseDir: string): string {
  return isAbsolute(file) ? file : resolvePath(baseDir, file);
}

function unreadable(file: string): string | undefined {
  try {
    accessSync(file, constants.R_OK);
    return undefined;
  } catch (err) {
    return describeFsError(file, err);
  }
}

/** `cannot read file /run/secrets/x: no such file (ENOENT)`; never the file's content. */
export function describeFsError(file: string, err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  const reason: Record<string, string> = {
    ENOENT: 'no such file',
    EACCES: 'permission denied',
    EISDIR: 'is a directory',
  };
  const why = code === undefined ? 'unreadable' : `${reason[code] ?? 'unreadable'} (${code})`;
  return `cannot read file ${file}: ${why}`;
}
