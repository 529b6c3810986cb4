/**
 * Graceful shutdown as a user sees it (the CLI in a child process): SIGTERM closes the port at
 * once, answers the scrape in flight in full, abandons a collection cycle stuck on a slow DBS
 * after SHUTDOWN_GRACE_MS instead of waiting for it, and exits 0. (A second signal exiting at
 * once with 1 is in against-simulator.test.ts.) The two cases run concurrently: each waits on
 * its own child process, one of them for the whole grace period.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, it } from 'vitest';
import { SHUTDOWN_GRACE_MS } from '../../src/server/shutdown.js';
import { DEMO_CREDENTIAL, type Simulator, startSimulator } from '../../src/simulator/index.js';
import { find, parseExposition } from '../support/exposition.js';
import { CliProcess, STACK_LINE, jsonLines, killAll, listeningPort, waitForStatus } from './cli-process.js';

const PASSWORD = 'slow-Scraper-pass-14';
const COST_14_HASH = '$2b$14$NJxkNyaFKOqwHXrlDxw9ievFUdvoW0F9qj1jx7MljAwNGYH4uHArq';

const dir = mkdtempSync(join(tmpdir(), 'dbs-shutdown-'));
let sim: Simulator | undefined;
// Not afterEach: the concurrent tests would kill each other's processes.
afterAll(async () => {
  await killAll();
  await sim?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Whether a new TCP connection to the port is accepted. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe.concurrent('SIGTERM', () => {
  // The scrape is held in flight by basic auth: a bcrypt cost-14 hash takes the exporter
  // about 1.8 s to check, and bcryptjs yields between rounds, so the signal lands mid-request.
  it('during a scrape: the scrape completes with 200 and the full exposition, the port closes at once, then exit 0', async ({ expect }) => {
    const webConfig = join(dir, 'web_config_slow_auth.yml');
    writeFileSync(webConfig, `basic_auth_users:\n  prometheus: ${COST_14_HASH}\n`);
    const p = new CliProcess(['--demo', '--demo.plans', '3', '--web.listen-address', '127.0.0.1:0', '--web.config.file', webConfig, '--log.format', 'json']);
    const port = await p.waitFor(listeningPort, 15_000, 'the listening line');
    await waitForStatus(`http://127.0.0.1:${port}/-/ready`, 200, 10_000);

    // A kept-alive connection, idle after one request: it must not hold the exit up for keepAliveTimeout (65 s).
    const idle = connect(port, '127.0.0.1').on('error', () => undefined);
    let idleAnswer = '';
    idle.on('data', (chunk: Buffer) => (idleAnswer += chunk.toString('latin1')));
    const idleClosed = new Promise<number>((resolve) => idle.on('close', () => resolve(Date.now())));
    idle.write('GET /-/healthy HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');

    // Like Prometheus: the scrape's connection is kept alive, so it goes idle after the answer.
    const keepAlive = new Agent({ keepAlive: true });
    let scrapeDone = 0;
    const scrape = new Promise<{ status: number; text: string; headers: Record<string, unknown> }>((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port, path: '/metrics', agent: keepAlive, auth: `prometheus:${PASSWORD}` },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            scrapeDone = Date.now();
            resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), headers: res.headers });
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end();
    });
    // The health answer, however busy the machine (a fixed 300 ms was too short under a loaded CI).
    for (let waited = 0; !idleAnswer.includes('\r\n\r\n') && waited < 10_000; waited += 50) await new Promise((r) => setTimeout(r, 50));
    expect(idleAnswer).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*Connection: keep-alive\r\n/);

    const sigterm = Date.now();
    p.signal('SIGTERM');
    await p.waitFor((q) => (q.stderr.includes('"msg":"shutting down"') ? true : undefined), 5_000, 'the shutting down line');
    // The listener is gone while the scrape is still being answered. (Polled: the log line is
    // written just before the listener closes, and a connection the kernel queued in between is reset.)
    await expect.poll(() => accepts(port), { timeout: 1_000, interval: 50 }).toBe(false);
    expect(scrapeDone).toBe(0);

    const res = await scrape;
    expect(res.status).toBe(200);
    expect(Number(res.headers['content-length'])).toBe(Buffer.byteLength(res.text));
    const m = parseExposition(res.text);
    expect(find(m, 'dbs_backup_plan_info', { account: 'demo' })).toHaveLength(3);
    expect(scrapeDone).toBeGreaterThan(sigterm);

    expect(res.headers.connection).toBe('keep-alive');
    const exit = await p.exit(SHUTDOWN_GRACE_MS + 5_000);
    const exited = Date.now();
    keepAlive.destroy();
    expect(exit.code).toBe(0);
    // Done as soon as the scrape was: no waiting out the grace period or a keep-alive timeout.
    expect(exited - scrapeDone).toBeLessThan(2_000);
    expect(exited - sigterm).toBeLessThan(SHUTDOWN_GRACE_MS);
    expect((await idleClosed) - sigterm).toBeLessThan(1_000);

    const lines = jsonLines(exit.stderr);
    expect(lines.map((l) => l.msg)).toContain('stopped');
    expect(lines.filter((l) => typeof l.msg === 'string' && /abandoned|still in flight/.test(l.msg))).toEqual([]);
    expect(exit.stderr).not.toMatch(STACK_LINE);
    expect(exit.stdout + exit.stderr).not.toContain(PASSWORD);
    expect(await accepts(port)).toBe(false);
  });

  it(`during a cycle stuck on a slow DBS (60 s latency): exit 0 after ${SHUTDOWN_GRACE_MS / 1000} s, the cycle logged as abandoned, the port closed`, async ({ expect }) => {
    sim = await startSimulator({ scenario: { plans: 3 } });
    sim.faults.set({ kind: 'latency', ms: 60_000 });
    const config = join(dir, 'slow-dbs.yml');
    writeFileSync(
      config,
      [
        'collection: { interval: 15s }',
        'defaults:',
        '  request_timeout: 120s',
        'targets:',
        '  - name: slow',
        '    region: cn-hangzhou',
        `    endpoint: ${sim.endpoint}`,
        '    protocol: http',
        '    credentials: { type: access_key, access_key_id_env: SIM_KEY_ID, access_key_secret_env: SIM_SECRET }',
      ].join('\n'),
    );
    const p = new CliProcess(['--config', config, '--web.listen-address', '127.0.0.1:0', '--log.format', 'json'], {
      SIM_KEY_ID: DEMO_CREDENTIAL.accessKeyId,
      SIM_SECRET: DEMO_CREDENTIAL.accessKeySecret,
    });
    const port = await p.waitFor(listeningPort, 15_000, 'the listening line');
    // The first cycle is stuck in the simulator, so the exporter is not ready.
    await waitForStatus(`http://127.0.0.1:${port}/-/ready`, 503, 5_000);

    const sigterm = Date.now();
    p.signal('SIGTERM');
    await p.waitFor((q) => (q.stderr.includes('"msg":"shutting down"') ? true : undefined), 5_000, 'the shutting down line');
    // The port closes at once, not when the cycle is given up.
    await expect.poll(() => accepts(port), { timeout: 1_000, interval: 50 }).toBe(false);
    expect(p.child.exitCode).toBeNull();

    const exit = await p.exit(SHUTDOWN_GRACE_MS + 5_000);
    const took = Date.now() - sigterm;
    expect(exit.code).toBe(0);
    expect(took).toBeGreaterThanOrEqual(SHUTDOWN_GRACE_MS - 500);
    expect(took).toBeLessThan(SHUTDOWN_GRACE_MS + 3_000);
    const lines = jsonLines(exit.stderr);
    expect(lines.find((l) => l.msg === 'collection cycle still running at shutdown; abandoned')).toMatchObject({ level: 40, waited_seconds: SHUTDOWN_GRACE_MS / 1000 });
    expect(lines.at(-1)).toMatchObject({ msg: 'stopped', level: 30 });
    expect(lines.filter((l) => typeof l.msg === 'string' && l.msg.startsWith('collection cycle finished'))).toEqual([]);
    expect(exit.stderr).not.toMatch(STACK_LINE);
    expect(await accepts(port)).toBe(false);
  });
});
