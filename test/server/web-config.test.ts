/**
 * Loading the web config file: what each mistake is reported as (path and reason, never a
 * hash or key), how the toolkit's TLS names map to OpenSSL's, and the basic-auth checks.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ConfigError } from '../../src/config/index.js';
import { BasicAuth, bcryptHashProblem, parseBasicAuthorization } from '../../src/server/basic-auth.js';
import { describeWebConfig, loadWebConfig, parseWebConfigText, secureContextOptions, tlsContextOptions, watchedFiles } from '../../src/server/web-config.js';
import { type Pki, TESTDATA, createPki } from './web-pki.js';

let pki: Pki;
beforeAll(() => {
  pki = createPki();
});
afterAll(() => pki.close());

/** The issues a load throws, as `path: message` lines. */
async function problems(path: string): Promise<string[]> {
  try {
    await loadWebConfig(path);
  } catch (err) {
    if (err instanceof ConfigError) return err.issues.map((i) => `${i.path}: ${i.message}`);
    throw err;
  }
  throw new Error(`${path} loaded without problems`);
}

function webConfig(name: string, text: string): string {
  const path = join(pki.dir, name);
  writeFileSync(path, text);
  return path;
}

describe('loading', () => {
  it('resolves relative paths against the file\'s folder and reads the certificates', async () => {
    const config = await loadWebConfig(pki.fixture('web_config_tls_require_and_verify_client_cert.yml'));
    expect(config.tls?.files).toEqual({ cert: join(pki.dir, 'server.crt'), key: join(pki.dir, 'server.key'), ca: join(pki.dir, 'ca.crt') });
    expect(config.tls?.clientAuth).toBe('RequireAndVerifyClientCert');
    expect(config.tls?.context).toMatchObject({ cert: pki.read('server.crt'), ca: pki.read('ca.crt'), minVersion: 'TLSv1.2', maxVersion: 'TLSv1.3', honorCipherOrder: true });
    expect(secureContextOptions(config.tls!).key).toBe(pki.read('server.key'));
    expect(watchedFiles(config)).toEqual([config.file, join(pki.dir, 'server.crt'), join(pki.dir, 'server.key'), join(pki.dir, 'ca.crt')]);
    expect(describeWebConfig(config)).toBe('TLS on (client certificates: RequireAndVerifyClientCert), no basic auth, 0 extra response header(s)');
  });

  it('never shows the key or a hash when printed, logged or serialised', async () => {
    const config = await loadWebConfig(pki.fixture('web_config_tls_basic_auth.yml'));
    const shown = JSON.stringify(config) + String(config.users.get('scraper')) + JSON.stringify([...config.users]);
    expect(shown).not.toContain('PRIVATE KEY');
    expect(shown).not.toContain('$2y$');
    expect(describeWebConfig(config)).toBe('TLS on (client certificates: NoClientCert), basic auth for 1 user(s), 0 extra response header(s)');
  });

  it('an empty file means plain HTTP, no auth', async () => {
    const config = await loadWebConfig(webConfig('empty.yml', '# nothing\n'));
    expect(config.tls).toBeUndefined();
    expect(config.users.size).toBe(0);
  });
});

describe('problems, each at its path', () => {
  it('unknown keys', async () => {
    expect(await problems(join(TESTDATA, 'web_config_unknown_key.yml'))).toEqual(['tls_server_config.cert_fle: unknown key']);
  });

  it('bcrypt hashes with a cost outside 4..31, or no hash at all, name the user and not the hash', async () => {
    const found = await problems(join(TESTDATA, 'web_config_bcrypt_cost_invalid.yml'));
    expect(found).toEqual([
      'basic_auth_users.low-cost-user: bcrypt cost 3 is outside 4..31',
      'basic_auth_users.high-cost-user: bcrypt cost 32 is outside 4..31',
      'basic_auth_users.plain-text-user: not a bcrypt hash (expected $2a$, $2b$ or $2y$, a two-digit cost, then 53 characters of salt and hash)',
    ]);
    expect(found.join('\n')).not.toContain('btefXNz1');
    expect(found.join('\n')).not.toContain('not-a-hash-but-a-password');
  });

  it('a certificate file that cannot be read names the file', async () => {
    expect(await problems(pki.fixture('web_config_cert_file_missing.yml'))).toEqual([
      `tls_server_config.cert_file: cannot read file ${join(pki.dir, 'missing.crt')}: no such file (ENOENT)`,
    ]);
  });

  it('a key that is not the certificate\'s, a key file that is no key, a CA file without certificates', async () => {
    const mismatch = webConfig('mismatch.yml', 'tls_server_config:\n  cert_file: server.crt\n  key_file: client.key\n');
    expect(await problems(mismatch)).toEqual([`tls_server_config.key_file: ${join(pki.dir, 'client.key')} is not the private key of ${join(pki.dir, 'server.crt')}`]);
    const notKey = webConfig('not-key.yml', 'tls_server_config:\n  cert_file: server.crt\n  key_file: ca.crt\n  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: server.key\n');
    const found = await problems(notKey);
    expect(found).toHaveLength(2);
    expect(found[0]).toMatch(/^tls_server_config\.key_file: .*ca\.crt is not an unencrypted PEM private key \(/);
    expect(found[1]).toMatch(/^tls_server_config\.client_ca_file: .*server\.key does not hold PEM certificates \(no certificate found\)$/);
    expect(found.join('\n')).not.toContain('BEGIN');
  });

  it('TLS settings: names, versions, client auth', () => {
    const check = (tls: string) => {
      try {
        parseWebConfigText(`tls_server_config:\n  cert_file: a\n  key_file: b\n${tls}`);
        return [];
      } catch (err) {
        return (err as ConfigError).issues.map((i) => `${i.path}: ${i.message}`);
      }
    };
    expect(check('  cipher_suites: [TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, TLS_RSA_WITH_RC4_128_SHA]\n')[0]).toMatch(
      /^tls_server_config\.cipher_suites\[1\]: expected one of TLS_RSA_WITH_AES_128_CBC_SHA, /,
    );
    expect(check('  curve_preferences: [CurveP256, Curve25519]\n')[0]).toBe('tls_server_config.curve_preferences[1]: expected one of CurveP256, CurveP384, CurveP521, X25519');
    expect(check('  min_version: TLS13\n  max_version: TLS12\n')).toEqual(['tls_server_config.min_version: must not be newer than max_version (TLS12)']);
    expect(check('  min_version: SSL3\n')[0]).toBe('tls_server_config.min_version: expected one of TLS10, TLS11, TLS12, TLS13');
    expect(check('  client_auth_type: RequireClientCertPlease\n')[0]).toMatch(/^tls_server_config\.client_auth_type: expected one of NoClientCert, /);
    expect(check('  client_ca_file: ca.crt\n')).toEqual([
      'tls_server_config.client_auth_type: client_ca_file is set but client_auth_type is NoClientCert; choose a client_auth_type such as RequireAndVerifyClientCert',
    ]);
    expect(check('  client_auth_type: RequireAndVerifyClientCert\n')).toEqual(['tls_server_config.client_ca_file: required when client_auth_type is RequireAndVerifyClientCert']);
    expect(check('  key: "-----BEGIN PRIVATE KEY----- abc"\n')).toEqual(['tls_server_config.key: inline keys are not supported; use key_file']);
  });

  it('headers: only the toolkit\'s five, enumerated values checked', () => {
    const check = (headers: string) => {
      try {
        parseWebConfigText(`http_server_config:\n  headers:\n${headers}`);
        return [];
      } catch (err) {
        return (err as ConfigError).issues.map((i) => `${i.path}: ${i.message}`);
      }
    };
    expect(check('    Server: nginx\n')).toEqual([
      'http_server_config.headers.Server: this header can not be configured; allowed: Strict-Transport-Security, X-Content-Type-Options, X-Frame-Options, X-XSS-Protection, Content-Security-Policy',
    ]);
    expect(check('    X-Frame-Options: allow-from\n')).toEqual(['http_server_config.headers.X-Frame-Options: expected one of deny, sameorigin']);
    expect(check('    X-Content-Type-Options: sniff\n')).toEqual(['http_server_config.headers.X-Content-Type-Options: expected one of nosniff']);
    expect(check('    Content-Security-Policy: "a\\r\\nSet-Cookie: x"\n')).toEqual(['http_server_config.headers.Content-Security-Policy: must not contain control characters']);
    expect(check('    X-XSS-Protection: ""\n')).toEqual([]);
  });
});

describe('TLS options for node:tls', () => {
  const base = { cert_file: 'a', key_file: 'b', client_auth_type: 'NoClientCert', min_version: 'TLS12', max_version: 'TLS13', prefer_server_cipher_suites: false } as const;

  it('maps Go cipher suite and curve names to OpenSSL names, keeping TLS 1.3 suites as Go does', () => {
    const options = tlsContextOptions(
      { ...base, cipher_suites: ['TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256', 'TLS_AES_128_GCM_SHA256'], curve_preferences: ['X25519', 'CurveP384'] },
      'CERT',
      undefined,
    );
    expect(options).toEqual({
      cert: 'CERT',
      minVersion: 'TLSv1.2',
      maxVersion: 'TLSv1.3',
      ciphers: 'TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-CHACHA20-POLY1305',
      honorCipherOrder: false,
      ecdhCurve: 'X25519:P-384',
    });
  });

  it('leaves OpenSSL\'s defaults alone when no cipher suite or curve is set', () => {
    expect(tlsContextOptions({ ...base, min_version: 'TLS13' }, 'CERT', 'CA')).toEqual({ cert: 'CERT', ca: 'CA', minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3', honorCipherOrder: false });
  });
});

describe('basic auth', () => {
  const hash = '$2b$04$3UbaRrShRJLfcyl/Z8bpLO94rzGj5/jGH8FHT0/vO9ez9U3KvzveS'; // bob-pass-4
  const header = (credentials: string) => `Basic ${Buffer.from(credentials).toString('base64')}`;

  it('checks bcrypt once per (user, password, hash) that succeeded; failures and unknown users pay bcrypt every time', async () => {
    const { Secret } = await import('../../src/config/index.js');
    const auth = new BasicAuth(new Map([['bob', new Secret(hash)]]));
    const compare = vi.spyOn(bcrypt, 'compare');
    try {
      expect(await auth.check(header('bob:bob-pass-4'))).toBe(true);
      expect(await auth.check(header('bob:bob-pass-4'))).toBe(true);
      expect(await auth.check(header('bob:bob-pass-4'))).toBe(true);
      expect(compare).toHaveBeenCalledTimes(1);
      expect(await auth.check(header('bob:wrong'))).toBe(false);
      expect(await auth.check(header('bob:wrong'))).toBe(false);
      expect(compare).toHaveBeenCalledTimes(3);
      // An unknown user is compared against a decoy hash of the same cost, not refused at once.
      expect(await auth.check(header('eve:bob-pass-4'))).toBe(false);
      expect(compare).toHaveBeenCalledTimes(4);
      expect(compare.mock.calls[3]?.[1]).toMatch(/^\$2b\$04\$[./A-Za-z0-9]{53}$/);
      expect(compare.mock.calls[3]?.[1]).not.toBe(hash);
    } finally {
      compare.mockRestore();
    }
  });

  it('parses the Authorization header; passwords may contain colons', () => {
    expect(parseBasicAuthorization(header('bob:pa:ss'))).toEqual({ user: 'bob', password: 'pa:ss' });
    expect(parseBasicAuthorization(`basic ${Buffer.from('bob:').toString('base64')}`)).toEqual({ user: 'bob', password: '' });
    expect(parseBasicAuthorization('Bearer abc')).toBeUndefined();
    expect(parseBasicAuthorization(header('no-colon'))).toBeUndefined();
    expect(parseBasicAuthorization(undefined)).toBeUndefined();
  });

  it('accepts $2a$, $2b$, $2y$ at costs 4..31 only', () => {
    const body = hash.slice(7);
    for (const ok of ['$2a$04$', '$2b$10$', '$2y$12$', '$2y$31$']) expect(bcryptHashProblem(ok + body), ok).toBeUndefined();
    for (const bad of ['$2y$03$', '$2y$32$', '$2x$10$', '$1$10$']) expect(bcryptHashProblem(bad + body), bad).toBeDefined();
    expect(bcryptHashProblem(hash.slice(0, -1))).toBeDefined();
  });
});
