/**
 * The web config against the exporter's real server (runExporter over the simulator), one
 * testdata/web_config_*.yml per security case, with real HTTP and HTTPS requests: the status
 * codes, headers and certificates a scraper sees.
 */
import { writeFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type RunningExporter, runExporter } from '../../src/exporter.js';
import { loadWebConfig } from '../../src/server/web-config.js';
import { type Simulator, startSimulator } from '../../src/simulator/index.js';
import { FIRST_SERVER_SERIAL, type Pki, createPki, eventually, get, statusOf } from './web-pki.js';
import { type LogLine, capturedLogger } from '../support/logs.js';
import { simulatorConfig } from '../support/simulator-config.js';

let pki: Pki;
let sim: Simulator;
const running: RunningExporter[] = [];

beforeAll(async () => {
  pki = createPki();
  sim = await startSimulator({ scenario: { plans: 2 } });
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.stop()));
});
afterAll(async () => {
  await sim.close();
  pki.close();
});

async function start(fixture: string): Promise<{ port: number; exporter: RunningExporter; logs: LogLine[]; path: string }> {
  const path = pki.fixture(fixture);
  const { logger, logs } = capturedLogger();
  const config = simulatorConfig({ prod: sim }, ['defaults:', '  retries: { max_attempts: 1 }', '  rate_limit: { requests_per_second: 1000 }']);
  const exporter = await runExporter(config, {
    logger,
    build: { version: '1.2.3' },
    processMetrics: false,
    listenAddress: '127.0.0.1:0',
    telemetryPath: '/metrics',
    webConfig: await loadWebConfig(path),
    webConfigPollMs: 100,
  });
  running.push(exporter);
  return { port: exporter.address.port, exporter, logs, path };
}

const basic = (auth: string) => ({ auth });

describe('no TLS, basic auth (web_config_basic_auth.yml)', () => {
  it('lets in the right password (bcrypt cost 12 and 4), refuses others with 401 and WWW-Authenticate; health stays open', async () => {
    const { port } = await start('web_config_basic_auth.yml');
    const ok = await get(port, basic('alice:alice-Pa55word-12'));
    expect(ok.status).toBe(200);
    expect(ok.text).toContain('dbs_exporter_build_info');
    expect(await statusOf(port, { ...basic('alice:alice-Pa55word-12'), path: '/' })).toBe(200);
    expect(await statusOf(port, basic('bob:bob-pass-4'))).toBe(200);

    for (const [what, auth] of [
      ['wrong password', 'alice:wrong-password'],
      ['unknown user', 'mallory:alice-Pa55word-12'],
      ["another user's password", 'bob:alice-Pa55word-12'],
      ['no credentials', undefined],
    ] as const) {
      const denied = await get(port, auth === undefined ? {} : basic(auth));
      expect(denied.status, what).toBe(401);
      expect(denied.headers['www-authenticate'], what).toBe('Basic realm="dbs-exporter"');
      expect(denied.text, what).toBe('Unauthorized\n');
    }
    expect(await statusOf(port, { path: '/' })).toBe(401);
    expect(await statusOf(port, { path: '/nowhere' })).toBe(401);

    expect(await statusOf(port, { path: '/-/healthy' })).toBe(200);
    expect(await statusOf(port, { path: '/-/ready' })).not.toBe(401);
    // HTTPS is not offered without tls_server_config.
    expect(await statusOf(port, { https: true, ca: pki.read('ca.crt') })).toBe('error');
  });
});

describe('TLS (web_config_tls.yml)', () => {
  it('serves HTTPS with the configured certificate; plain HTTP to the same port fails', async () => {
    const { port } = await start('web_config_tls.yml');
    const ok = await get(port, { https: true, ca: pki.read('ca.crt') });
    expect(ok.status).toBe(200);
    expect(ok.serialNumber).toBe(FIRST_SERVER_SERIAL);
    expect(await statusOf(port, { https: true, ca: pki.read('ca.crt'), path: '/-/healthy' })).toBe(200);
    expect(await statusOf(port)).toBe('error');
    // A client that does not trust the CA refuses the server.
    expect(await statusOf(port, { https: true })).toBe('error');
  });

  it('picks up a rotated certificate and key within seconds, on the same listener', async () => {
    const { port, exporter, logs } = await start('web_config_tls.yml');
    const ca = pki.read('ca.crt');
    expect((await get(port, { https: true, ca })).serialNumber).toBe(FIRST_SERVER_SERIAL);
    const server = exporter.server;

    pki.rotateServerCertificate('ABCD02');
    const seen = await eventually(
      async () => {
        const answer = await get(port, { https: true, ca }); // never fails during the rotation
        expect(answer.status).toBe(200);
        return answer.serialNumber === 'ABCD02' ? answer : undefined;
      },
      5000,
      'the new certificate',
    );
    expect(seen.status).toBe(200);
    expect(exporter.server).toBe(server);
    expect(server.listening).toBe(true);
    expect(exporter.address.port).toBe(port);
    const reloaded = logs.find((l) => l.msg.startsWith('web config reloaded'));
    expect(reloaded?.certificate_serial).toBe('ABCD02');
    expect(logs.filter((l) => l.level >= 50)).toEqual([]);
  });

  it('starts asking for client certificates when client_auth_type changes, without a restart', async () => {
    const { port, path } = await start('web_config_tls.yml');
    const ca = pki.read('ca.crt');
    const client = { cert: pki.read('client.crt'), key: pki.read('client.key') };
    expect(await statusOf(port, { https: true, ca })).toBe(200);
    writeFileSync(path, 'tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: ca.crt\n');
    await eventually(async () => ((await statusOf(port, { https: true, ca })) === 'error' ? true : undefined), 5000, 'certificate-less clients to be refused');
    expect(await statusOf(port, { https: true, ca, ...client })).toBe(200);
  });

  it('TLS 1.2 with a Go-named cipher suite and curve (web_config_tls12_cipher_suites.yml)', async () => {
    const { port } = await start('web_config_tls12_cipher_suites.yml');
    const ok = await get(port, { https: true, ca: pki.read('ca.crt') });
    expect(ok.status).toBe(200);
    expect(ok.cipher).toBe('ECDHE-ECDSA-AES128-GCM-SHA256');
  });
});

describe('TLS and basic auth (web_config_tls_basic_auth.yml)', () => {
  it('requires both', async () => {
    const { port } = await start('web_config_tls_basic_auth.yml');
    const ca = pki.read('ca.crt');
    expect(await statusOf(port, { https: true, ca, ...basic('scraper:scraper-Secret-10') })).toBe(200);
    expect(await statusOf(port, { https: true, ca, ...basic('scraper:nope') })).toBe(401);
    expect(await statusOf(port, { https: true, ca })).toBe(401);
    expect(await statusOf(port, { https: true, ca, path: '/-/healthy' })).toBe(200);
    expect(await statusOf(port, basic('scraper:scraper-Secret-10'))).toBe('error');
  });
});

describe('client certificates', () => {
  const client = () => ({ cert: pki.read('client.crt'), key: pki.read('client.key') });
  const stranger = () => ({ cert: pki.read('other-client.crt'), key: pki.read('other-client.key') });

  it('RequireAndVerifyClientCert: a certificate from the CA gets in; none, or one from another CA, does not', async () => {
    const { port } = await start('web_config_tls_require_and_verify_client_cert.yml');
    const ca = pki.read('ca.crt');
    expect(await statusOf(port, { https: true, ca, ...client() })).toBe(200);
    expect(await statusOf(port, { https: true, ca })).toBe('error');
    expect(await statusOf(port, { https: true, ca, ...stranger() })).toBe('error');
    expect(await statusOf(port, { https: true, ca, path: '/-/healthy' })).toBe('error');
  });

  it('VerifyClientCertIfGiven: none gets in, a good one gets in, one from another CA does not', async () => {
    const { port } = await start('web_config_tls_verify_client_cert_if_given.yml');
    const ca = pki.read('ca.crt');
    expect(await statusOf(port, { https: true, ca })).toBe(200);
    expect(await statusOf(port, { https: true, ca, ...client() })).toBe(200);
    expect(await statusOf(port, { https: true, ca, ...stranger() })).toBe('error');
  });

  it('RequireAnyClientCert: any certificate gets in, none does not', async () => {
    const { port } = await start('web_config_tls_require_any_client_cert.yml');
    const ca = pki.read('ca.crt');
    expect(await statusOf(port, { https: true, ca, ...stranger() })).toBe(200);
    expect(await statusOf(port, { https: true, ca, ...client() })).toBe(200);
    expect(await statusOf(port, { https: true, ca })).toBe('error');
  });
});

describe('response headers (web_config_headers.yml)', () => {
  it('are on every response: 200, 401, health, 404', async () => {
    const { port, logs } = await start('web_config_headers.yml');
    const expected = {
      'strict-transport-security': 'max-age=31536000; includeSubDomains',
      'x-frame-options': 'deny',
      'x-content-type-options': 'nosniff',
      'x-xss-protection': '1; mode=block',
      'content-security-policy': "default-src 'self'",
    };
    for (const [what, options] of [
      ['metrics', basic('bob:bob-pass-4')],
      ['unauthorized', {}],
      ['healthy', { path: '/-/healthy' }],
      ['not found', { ...basic('bob:bob-pass-4'), path: '/nowhere' }],
    ] as const) {
      const answer = await get(port, options);
      expect(answer.headers, what).toMatchObject(expected);
    }
    expect(logs.some((l) => l.msg.includes('http2 is accepted and ignored'))).toBe(true);
  });
});

describe('reload', () => {
  it('swaps users when the file changes; keeps the running config when the new one is invalid or switches TLS on', async () => {
    const { port, path, logs } = await start('web_config_basic_auth.yml');
    const bob = basic('bob:bob-pass-4');
    expect(await statusOf(port, bob)).toBe(200);

    // bob's hash now belongs to carol: bob is out, carol is in, without a restart.
    writeFileSync(path, 'basic_auth_users:\n  carol: $2b$04$3UbaRrShRJLfcyl/Z8bpLO94rzGj5/jGH8FHT0/vO9ez9U3KvzveS\n');
    await eventually(async () => ((await statusOf(port, basic('carol:bob-pass-4'))) === 200 ? true : undefined), 5000, 'carol to be let in');
    expect(await statusOf(port, bob)).toBe(401);

    const hash = '$2y$03$btefXNz1HNIG6LhlD2I7qOUWvmAv2SCtVCmurMtJa3vpw0VQcrqGa';
    writeFileSync(path, `basic_auth_users:\n  dave: ${hash}\n`);
    const failed = await eventually(async () => logs.find((l) => l.msg.startsWith('web config reload failed')), 5000, 'the reload failure');
    expect(failed.problems).toEqual(['basic_auth_users.dave: bcrypt cost 3 is outside 4..31']);
    expect(failed.web_config_file).toBe(path);
    expect(await statusOf(port, basic('carol:bob-pass-4'))).toBe(200);

    writeFileSync(path, 'tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n');
    const refused = await eventually(async () => logs.find((l) => l.msg.includes('needs a restart')), 5000, 'the TLS switch to be refused');
    expect(refused.msg).toBe('web config now turns TLS on: that needs a restart; keeping the previous web config until then');
    expect(await statusOf(port, basic('carol:bob-pass-4'))).toBe(200);

    expect(JSON.stringify(logs)).not.toContain(hash);
    expect(JSON.stringify(logs)).not.toContain('$2b$04$');
  });
});
