/**
 * The web configuration file (`--web.config.file`), in the Prometheus exporter-toolkit format
 * node_exporter users already write: TLS for the listener, response headers, basic auth users.
 * One zod schema is the source of its types and validation; loading resolves relative paths
 * against the file's folder, reads the certificate, key and CA files and checks that OpenSSL
 * takes them, so every problem is a start-up (or reload) error naming its path, never a
 * failed handshake later. No message quotes a hash or key material.
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve as resolvePath } from 'node:path';
import { type SecureContextOptions, createSecureContext } from 'node:tls';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { ConfigError, type ConfigIssue, formatPath, issuesFromZod } from '../config/errors.js';
import { Secret } from '../config/index.js';
import { describeFsError } from '../config/secrets.js';
import { bcryptHashProblem } from './basic-auth.js';

// ---------------------------------------------------------------------------------------------
// Names the toolkit accepts, and what Node.js (OpenSSL) calls them

/** Go's crypto/tls names (tls.CipherSuites(), the secure ones the toolkit accepts) → OpenSSL names. */
export const GO_CIPHER_SUITES = {
  TLS_RSA_WITH_AES_128_CBC_SHA: 'AES128-SHA',
  TLS_RSA_WITH_AES_256_CBC_SHA: 'AES256-SHA',
  TLS_RSA_WITH_AES_128_GCM_SHA256: 'AES128-GCM-SHA256',
  TLS_RSA_WITH_AES_256_GCM_SHA384: 'AES256-GCM-SHA384',
  TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA: 'ECDHE-ECDSA-AES128-SHA',
  TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA: 'ECDHE-ECDSA-AES256-SHA',
  TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA: 'ECDHE-RSA-AES128-SHA',
  TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA: 'ECDHE-RSA-AES256-SHA',
  TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256: 'ECDHE-ECDSA-AES128-GCM-SHA256',
  TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384: 'ECDHE-ECDSA-AES256-GCM-SHA384',
  TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256: 'ECDHE-RSA-AES128-GCM-SHA256',
  TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384: 'ECDHE-RSA-AES256-GCM-SHA384',
  TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256: 'ECDHE-RSA-CHACHA20-POLY1305',
  TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256: 'ECDHE-ECDSA-CHACHA20-POLY1305',
  // TLS 1.3 suites: accepted like Go accepts them, and like Go not configurable (see tlsContextOptions).
  TLS_AES_128_GCM_SHA256: 'TLS_AES_128_GCM_SHA256',
  TLS_AES_256_GCM_SHA384: 'TLS_AES_256_GCM_SHA384',
  TLS_CHACHA20_POLY1305_SHA256: 'TLS_CHACHA20_POLY1305_SHA256',
} as const;
type GoCipherSuite = keyof typeof GO_CIPHER_SUITES;

/** Go's tls.CurveID names the toolkit accepts → OpenSSL group names. */
export const GO_CURVES = { CurveP256: 'P-256', CurveP384: 'P-384', CurveP521: 'P-521', X25519: 'X25519' } as const;

export const TLS_VERSIONS = { TLS10: 'TLSv1', TLS11: 'TLSv1.1', TLS12: 'TLSv1.2', TLS13: 'TLSv1.3' } as const;
type TlsVersionName = keyof typeof TLS_VERSIONS;

export const CLIENT_AUTH_TYPES = [
  'NoClientCert',
  'RequestClientCert',
  'RequireAnyClientCert',
  'VerifyClientCertIfGiven',
  'RequireAndVerifyClientCert',
] as const;
export type ClientAuthType = (typeof CLIENT_AUTH_TYPES)[number];

/**
 * The only headers the toolkit lets a web config set (on purpose, for consistency across the
 * Prometheus ecosystem), with the values allowed where the header is an enumeration.
 */
export const CONFIGURABLE_HEADERS = {
  'Strict-Transport-Security': undefined,
  'X-Content-Type-Options': ['nosniff'],
  'X-Frame-Options': ['deny', 'sameorigin'],
  'X-XSS-Protection': undefined,
  'Content-Security-Policy': undefined,
} as const;

/** Keys of the toolkit's format that dbs-exporter does not implement: a clear refusal instead of "unknown key". */
const UNSUPPORTED_KEYS: Record<string, string> = {
  'tls_server_config.cert': 'inline certificates are not supported; use cert_file',
  'tls_server_config.key': 'inline keys are not supported; use key_file',
  'tls_server_config.client_ca': 'inline CA certificates are not supported; use client_ca_file',
  'tls_server_config.client_allowed_sans': 'not supported by dbs-exporter',
  rate_limit: 'not supported by dbs-exporter',
};

// ---------------------------------------------------------------------------------------------
// The file's schema

const filePath = z.string().min(1);
/** Header values become part of every response: no control characters (they would split the response). */
const headerValue = z.string().regex(/^[\t\x20-\x7e\x80-\xff]*$/, 'must not contain control characters');
const enumHeader = (values: readonly [string, ...string[]]) => z.enum(values);

const tlsServerConfigSchema = z
  .strictObject({
    cert_file: filePath,
    key_file: filePath,
    client_auth_type: z.enum(CLIENT_AUTH_TYPES).default('NoClientCert'),
    client_ca_file: filePath.optional(),
    min_version: z.enum(Object.keys(TLS_VERSIONS) as [TlsVersionName, ...TlsVersionName[]]).default('TLS12'),
    max_version: z.enum(Object.keys(TLS_VERSIONS) as [TlsVersionName, ...TlsVersionName[]]).default('TLS13'),
    cipher_suites: z.array(z.enum(Object.keys(GO_CIPHER_SUITES) as [GoCipherSuite, ...GoCipherSuite[]])).optional(),
    prefer_server_cipher_suites: z.boolean().default(true),
    curve_preferences: z.array(z.enum(Object.keys(GO_CURVES) as [keyof typeof GO_CURVES, ...(keyof typeof GO_CURVES)[]])).optional(),
  })
  .superRefine((tls, ctx) => {
    const order = Object.keys(TLS_VERSIONS);
    if (order.indexOf(tls.min_version) > order.indexOf(tls.max_version)) {
      ctx.addIssue({ code: 'custom', path: ['min_version'], message: `must not be newer than max_version (${tls.max_version})` });
    }
    if (tls.client_ca_file !== undefined && tls.client_auth_type === 'NoClientCert') {
      ctx.addIssue({ code: 'custom', path: ['client_auth_type'], message: 'client_ca_file is set but client_auth_type is NoClientCert; choose a client_auth_type such as RequireAndVerifyClientCert' });
    }
    // Stricter than the toolkit: verifying against the public roots would admit any publicly issued certificate.
    if (tls.client_ca_file === undefined && (tls.client_auth_type === 'RequireAndVerifyClientCert' || tls.client_auth_type === 'VerifyClientCertIfGiven')) {
      ctx.addIssue({ code: 'custom', path: ['client_ca_file'], message: `required when client_auth_type is ${tls.client_auth_type}` });
    }
  });

const httpServerConfigSchema = z.strictObject({
  /** Accepted for compatibility; Node's https server here speaks HTTP/1.1 only. */
  http2: z.boolean().optional(),
  headers: z
    .strictObject({
      'Strict-Transport-Security': headerValue.optional(),
      'X-Content-Type-Options': enumHeader(CONFIGURABLE_HEADERS['X-Content-Type-Options']).optional(),
      'X-Frame-Options': enumHeader(CONFIGURABLE_HEADERS['X-Frame-Options']).optional(),
      'X-XSS-Protection': headerValue.optional(),
      'Content-Security-Policy': headerValue.optional(),
    })
    .nullish(),
});

const basicAuthUsersSchema = z.record(z.string(), z.string({ error: 'expected a bcrypt hash (a string)' })).superRefine((users, ctx) => {
  for (const [user, hash] of Object.entries(users)) {
    if (user === '' || user.includes(':')) {
      ctx.addIssue({ code: 'custom', path: [user], message: 'user names must be non-empty and must not contain ":"' });
      continue;
    }
    const problem = bcryptHashProblem(hash);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', path: [user], message: problem });
  }
});

export const webConfigFileSchema = z.strictObject({
  tls_server_config: tlsServerConfigSchema.nullish(),
  http_server_config: httpServerConfigSchema.nullish(),
  basic_auth_users: basicAuthUsersSchema.nullish(),
});
export type WebConfigFile = z.input<typeof webConfigFileSchema>;
export type ParsedWebConfigFile = z.output<typeof webConfigFileSchema>;
type ParsedTlsServerConfig = z.output<typeof tlsServerConfigSchema>;

// ---------------------------------------------------------------------------------------------
// Resolved configuration

export interface TlsSettings {
  clientAuth: ClientAuthType;
  /** What tls.createSecureContext / server.setSecureContext take; the key stays wrapped until then. */
  context: Omit<SecureContextOptions, 'key'>;
  key: Secret;
  /** Absolute paths of the certificate, key and CA files (watched for changes). */
  files: { cert: string; key: string; ca?: string };
  /** Serial number of the server certificate, for log lines about rotation. */
  serialNumber: string;
}

export interface WebConfig {
  /** The web config file, as given. */
  file: string;
  tls: TlsSettings | undefined;
  /** User → bcrypt hash. */
  users: ReadonlyMap<string, Secret>;
  /** Response headers, blank values dropped. */
  headers: Readonly<Record<string, string>>;
  /** `http_server_config.http2` when set: accepted and ignored (HTTP/1.1 only). */
  http2: boolean | undefined;
}

/** Every file a change of which should reload the web config: the file itself, then the TLS files. */
export function watchedFiles(config: WebConfig): string[] {
  const tls = config.tls?.files;
  return [config.file, ...(tls ? [tls.cert, tls.key, ...(tls.ca ? [tls.ca] : [])] : [])];
}

/** The secure context options for node:tls, with the key revealed: only for createServer / setSecureContext. */
export function secureContextOptions(tls: TlsSettings): SecureContextOptions {
  return { ...tls.context, key: tls.key.reveal() };
}

/** One line for logs and --check-config: what the file turns on, never a value from it. */
export function describeWebConfig(config: WebConfig): string {
  const tls = config.tls ? `TLS on (client certificates: ${config.tls.clientAuth})` : 'TLS off';
  const auth = config.users.size > 0 ? `basic auth for ${config.users.size} user(s)` : 'no basic auth';
  const headers = Object.keys(config.headers).length;
  return `${tls}, ${auth}, ${headers} extra response header(s)`;
}

/** Reads, validates and resolves a web config file, including its certificate files. Throws ConfigError. */
export async function loadWebConfig(file: string): Promise<WebConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ConfigError([{ path: '(file)', message: describeFsError(file, err) }], file);
  }
  const parsed = parseWebConfigText(text, file);
  const baseDir = dirname(file);
  const tls = parsed.tls_server_config ? await resolveTls(parsed.tls_server_config, baseDir, file) : undefined;
  const headers = Object.fromEntries(Object.entries(parsed.http_server_config?.headers ?? {}).filter((e): e is [string, string] => typeof e[1] === 'string' && e[1] !== ''));
  return {
    file,
    tls,
    users: new Map(Object.entries(parsed.basic_auth_users ?? {}).map(([user, hash]) => [user, new Secret(hash)])),
    headers,
    http2: parsed.http_server_config?.http2 ?? undefined,
  };
}

/** YAML text → the schema's output. Throws ConfigError. */
export function parseWebConfigText(text: string, file?: string): ParsedWebConfigFile {
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length > 0) {
    // Only the first line of each: the rest is a code frame that could quote a hash.
    throw new ConfigError(doc.errors.map((e) => ({ path: '(yaml)', message: e.message.split('\n')[0] ?? 'invalid YAML' })), file);
  }
  const result = webConfigFileSchema.safeParse(doc.toJS() ?? {});
  if (!result.success) throw new ConfigError(issuesFromZod(result.error).map(explainUnsupported), file);
  return result.data;
}

function explainUnsupported(issue: ConfigIssue): ConfigIssue {
  const why = issue.message === 'unknown key' ? UNSUPPORTED_KEYS[issue.path] : undefined;
  if (why !== undefined) return { ...issue, message: why };
  if (issue.message === 'unknown key' && issue.path.startsWith('http_server_config.headers.')) {
    return { ...issue, message: `this header can not be configured; allowed: ${Object.keys(CONFIGURABLE_HEADERS).join(', ')}` };
  }
  return issue;
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

async function resolveTls(tls: ParsedTlsServerConfig, baseDir: string, file: string): Promise<TlsSettings> {
  const files = tlsFilePaths(tls, baseDir);
  const issues: ConfigIssue[] = [];
  const pems = await readTlsFiles(files, issues);
  const certificate = checkTlsPems(files, pems, issues);
  const { cert: certPem, key: keyPem, ca: caPem } = pems;
  if (issues.length > 0 || certPem === undefined || keyPem === undefined || certificate === undefined) throw new ConfigError(issues, file);

  const key = new Secret(keyPem);
  const settings: TlsSettings = {
    clientAuth: tls.client_auth_type,
    context: tlsContextOptions(tls, certPem, caPem),
    key,
    files,
    serialNumber: certificate.serialNumber,
  };
  try {
    createSecureContext(secureContextOptions(settings)); // ciphers, curves and versions as OpenSSL sees them
  } catch (err) {
    throw new ConfigError([{ path: 'tls_server_config', message: `OpenSSL rejects these settings (${opensslReason(err)})` }], file);
  }
  return settings;
}

/** The PEM text of the certificate, key and CA files; undefined where a file could not be read. */
interface TlsPems {
  cert: string | undefined;
  key: string | undefined;
  ca: string | undefined;
}

/** The issue path of a tls_server_config key, e.g. `tls_server_config.cert_file`. */
const tlsKeyPath = (key: string) => formatPath(['tls_server_config', key]);

/** Relative paths are relative to the web config file's folder, as in the exporter-toolkit. Pure. */
function tlsFilePaths(tls: ParsedTlsServerConfig, baseDir: string): TlsSettings['files'] {
  const absolute = (path: string) => (isAbsolute(path) ? path : resolvePath(baseDir, path));
  return { cert: absolute(tls.cert_file), key: absolute(tls.key_file), ...(tls.client_ca_file ? { ca: absolute(tls.client_ca_file) } : {}) };
}

/** Reads all three at once; each unreadable file is an issue, so one run names every problem. */
async function readTlsFiles(files: TlsSettings['files'], issues: ConfigIssue[]): Promise<TlsPems> {
  const read = async (key: string, path: string): Promise<string | undefined> => {
    try {
      return await readFile(path, 'utf8');
    } catch (err) {
      issues.push({ path: tlsKeyPath(key), message: describeFsError(path, err) });
      return undefined;
    }
  };
  const [cert, key, ca] = await Promise.all([
    read('cert_file', files.cert),
    read('key_file', files.key),
    files.ca === undefined ? Promise.resolve(undefined) : read('client_ca_file', files.ca),
  ]);
  return { cert, key, ca };
}

/**
 * The certificate parses, the key is its unencrypted private key, the CA file holds certificates; each
 * failure an issue. OpenSSL's reasons ("no start line", "unsupported") name the problem, never the bytes.
 */
function checkTlsPems(files: TlsSettings['files'], pems: TlsPems, issues: ConfigIssue[]): X509Certificate | undefined {
  let certificate: X509Certificate | undefined;
  if (pems.cert !== undefined) {
    try {
      certificate = new X509Certificate(pems.cert);
    } catch (err) {
      issues.push({ path: tlsKeyPath('cert_file'), message: `${files.cert} is not a PEM certificate (${opensslReason(err)})` });
    }
  }
  if (pems.key !== undefined) {
    try {
      const privateKey = createPrivateKey(pems.key);
      if (certificate && !certificate.checkPrivateKey(privateKey)) {
        issues.push({ path: tlsKeyPath('key_file'), message: `${files.key} is not the private key of ${files.cert}` });
      }
    } catch (err) {
      issues.push({ path: tlsKeyPath('key_file'), message: `${files.key} is not an unencrypted PEM private key (${opensslReason(err)})` });
    }
  }
  if (pems.ca !== undefined) {
    const caCertificates = pems.ca.match(PEM_CERTIFICATE) ?? [];
    try {
      if (caCertificates.length === 0) throw new Error('no certificate found');
      for (const pem of caCertificates) new X509Certificate(pem);
    } catch (err) {
      issues.push({ path: tlsKeyPath('client_ca_file'), message: `${files.ca} does not hold PEM certificates (${opensslReason(err)})` });
    }
  }
  return certificate;
}

/** The TLS 1.3 suites Node.js enables by default; Go does not let them be configured, so neither do we. */
const TLS13_SUITES = 'TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256';

/** The toolkit's TLS settings → node:tls options (without the key). Pure. */
export function tlsContextOptions(tls: ParsedTlsServerConfig, cert: string, ca: string | undefined): Omit<SecureContextOptions, 'key'> {
  const tls12Suites = (tls.cipher_suites ?? []).map((name) => GO_CIPHER_SUITES[name]).filter((name) => !name.startsWith('TLS_'));
  return {
    cert,
    ...(ca !== undefined ? { ca } : {}),
    minVersion: TLS_VERSIONS[tls.min_version],
    maxVersion: TLS_VERSIONS[tls.max_version],
    // Node caps the version at TLS 1.2 when a cipher list names no TLS 1.3 suite: keep them all, as Go does.
    ...(tls12Suites.length > 0 ? { ciphers: [TLS13_SUITES, ...tls12Suites].join(':') } : {}),
    honorCipherOrder: tls.prefer_server_cipher_suites,
    ...(tls.curve_preferences?.length ? { ecdhCurve: tls.curve_preferences.map((c) => GO_CURVES[c]).join(':') } : {}),
  };
}

function opensslReason(err: unknown): string {
  const message = (err as Error).message ?? String(err);
  return message.split('\n')[0]?.replace(/^error:[0-9A-F]+:/, '') ?? 'invalid';
}
