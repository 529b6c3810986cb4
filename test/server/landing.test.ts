/**
 * The landing page and /api/v1/status over real HTTP: an exporter polling the simulator on a
 * manual clock (a known fleet, so every value is exact), the app served on 127.0.0.1. Also the
 * same guard as /metrics: basic auth from a web config through runExporter.
 */
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createExporter, runExporter } from '../../src/exporter.js';
import { createApp } from '../../src/server/app.js';
import { LANDING_CSP } from '../../src/server/landing/html.js';
import type { StatusJson } from '../../src/server/landing/json.js';
import { loadWebConfig } from '../../src/server/web-config.js';
import { DAY, HOUR, MINUTE, ManualClock, type Simulator, startSimulator } from '../../src/simulator/index.js';
import { listenOnLoopback } from '../support/ports.js';
import { simulatorConfig } from '../support/simulator-config.js';

const T0 = Date.UTC(2026, 10, 20, 12, 0, 0);
const silent = pino({ level: 'silent' });
const XSS_NAME = '<img src=x onerror=alert(1)><script>alert("pwned")</script>';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(cleanup.splice(0).map((close) => close()));
});

/**
 * Four plans with explicit backups and no generated schedule: orders-prod healthy, legacy-paused
 * paused, an untrusted name whose last full failed, stuck-log with a log backup that stopped growing.
 */
function plantFleet(sim: Simulator): void {
  const fleet = sim.fleet;
  const base = { createdAt: T0 - 10 * DAY, schedule: { full: false, incremental: false } };
  fleet.addPlan({ ...base, id: 'dbs1orders', name: 'orders-prod' });
  fleet.addFullBackup('dbs1orders', { StartTime: T0 - 3 * HOUR, EndTime: T0 - 2 * HOUR });
  // Log backups chained since the full ended: point-in-time restore up to the newest.
  fleet.addIncrementBackup('dbs1orders', { StartTime: T0 - 2 * HOUR, EndTime: T0 - 15 * MINUTE });
  fleet.addIncrementBackup('dbs1orders', { StartTime: T0 - 15 * MINUTE, EndTime: T0 - 10 * MINUTE });

  fleet.addPlan({ ...base, id: 'dbs1paused', name: 'legacy-paused', status: 'pause', incremental: null });
  fleet.addFullBackup('dbs1paused', { StartTime: T0 - 2 * DAY - 30 * MINUTE, EndTime: T0 - 2 * DAY });

  fleet.addPlan({ ...base, id: 'dbs1xss', name: XSS_NAME, databaseType: 'PostgreSQL', incremental: null });
  fleet.addFullBackup('dbs1xss', { StartTime: T0 - 6 * HOUR, EndTime: T0 - 5 * HOUR });
  fleet.addFullBackup('dbs1xss', { StartTime: T0 - 40 * MINUTE, EndTime: T0 - 20 * MINUTE, BackupStatus: 'failed' });

  fleet.addPlan({ ...base, id: 'dbs1stuck', name: 'stuck-log' });
  fleet.addFullBackup('dbs1stuck', { StartTime: T0 - 3 * HOUR, EndTime: T0 - 2 * HOUR });
  fleet.addIncrementBackup('dbs1stuck', { StartTime: T0 - 2 * HOUR, EndTime: T0 - 35 * MINUTE });
  fleet.addIncrementBackup('dbs1stuck', { StartTime: T0 - 35 * MINUTE, EndTime: T0 - 30 * MINUTE });
  fleet.addIncrementBackup('dbs1stuck', { StartTime: T0 - 2 * HOUR, EndTime: undefined, BackupStatus: 'FILLING', BackupSize: 1024 * 1024 });
}

/** The known fleet polled twice: at T0, and 61 minutes later (so the log backup has stalled). */
async function serveKnownFleet() {
  const clock = new ManualClock(T0);
  const sim = await startSimulator({ clock, scenario: { plans: 0 } });
  cleanup.push(() => sim.close());
  plantFleet(sim);
  const config = simulatorConfig({ prod: sim }, ['defaults:', '  retries: { max_attempts: 1 }']);
  const exporter = createExporter(config, { logger: silent, build: { version: '9.8.7' }, now: () => clock.now(), processMetrics: false });
  const app = createApp({
    exposition: exporter.metrics.exposition,
    telemetryPath: '/metrics',
    version: '9.8.7',
    isReady: exporter.ready,
    status: { snapshot: exporter.snapshot, now: () => clock.now(), schedule: () => ({ running: false, nextAtMs: T0 + 62 * MINUTE }) },
    notice: { title: 'Demo <fleet>', lines: ['plans & "alerts"'] },
  });
  const port = await listenOnLoopback(createServer(app), cleanup);
  await exporter.runCycle();
  clock.advance(61 * MINUTE);
  await exporter.runCycle();
  const get = (path: string, init: RequestInit = {}) => fetch(`http://127.0.0.1:${port}${path}`, init);
  return { get, clock, sim };
}

const AS_OF = '2026-11-20T13:01:00.000Z';

/** Read by DescribeRestoreRangeInfo: only a full backup alone (no continuous log coverage after it); no restore tasks. */
const fullsOnly = (at: string, ageSeconds: number) => ({
  restorable: { recoveryPoint: null, latestPoint: { at, ageSeconds }, gaps: 0, gapSeconds: 0, newestGap: null },
  restores: { lastSuccessAt: null, lastFailureAt: null, lastDrill: null },
});
/** Log backups chained since the full: point-in-time restore up to `at`. */
const pitrTo = (at: string, ageSeconds: number) => ({
  restorable: { recoveryPoint: { at, ageSeconds }, latestPoint: { at, ageSeconds }, gaps: 0, gapSeconds: 0, newestGap: null },
  restores: { lastSuccessAt: null, lastFailureAt: null, lastDrill: null },
});

/** A pay-as-you-go cloud database: no gateway, no free traffic (everything it backs up is paid for this month). */
const postpaid = (usedBytes: number, logRetentionDays: number | null, lastFailureReason: StatusJson['plans'][number]['lastFailureReason'] = null) => ({
  subscription: { chargeType: 'POSTPAY', expiresAt: null, expiresInSeconds: null, expired: null },
  backupTraffic: { applicable: true, usedBytes, freeBytes: null, freeUnlimited: false, usedRatio: null, paidBytes: usedBytes, quotaEndsAt: '2026-12-01T00:00:00.000Z' },
  backupGateway: null,
  lastFailureReason,
  storage: { encryptMethod: null, retentionDays: 7, logRetentionDays },
});

describe('/api/v1/status', () => {
  it('a known fleet: every field, problems first', async () => {
    const { get } = await serveKnownFleet();
    const res = await get('/api/v1/status');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = (await res.json()) as StatusJson;
    const poll = { ok: true, at: AS_OF, lastSuccessAt: AS_OF };
    expect(body).toEqual({
      version: '9.8.7',
      now: AS_OF,
      asOf: AS_OF,
      lastCycle: { number: 2, completedAt: AS_OF, agoSeconds: 0 },
      nextCycle: { running: false, at: '2026-11-20T13:02:00.000Z', inSeconds: 60 },
      notice: { title: 'Demo <fleet>', lines: ['plans & "alerts"'] },
      targets: [{ account: 'prod', region: 'cn-hangzhou', up: true, lastListingSuccessAt: AS_OF, plans: 4, excluded: 0, problems: 3, gateways: { listOk: true, lastSuccessAt: AS_OF, items: [] } }],
      summary: { total: 4, critical: 0, warning: 3, ok: 1 },
      filter: { q: '', state: 'all', account: '', region: '' },
      page: { number: 1, perPage: 100, pages: 1, matching: 4 },
      plans: [
        {
          account: 'prod',
          region: 'cn-hangzhou',
          planId: 'dbs1xss',
          name: XSS_NAME,
          status: 'running',
          databaseType: 'PostgreSQL',
          health: 'warning',
          problems: [
            {
              code: 'job_failed',
              severity: 'warning',
              alert: 'DBSBackupJobFailed',
              text: 'last full backup job failed 81m ago, no success since; DBS says DBS.FullBackup.GatewayUnreachable: The backup gateway is unreachable: check that the gateway is online',
            },
            { code: 'log_backup_disabled', severity: 'warning', alert: 'DBSLogBackupDisabled', text: 'log backup is off: only full backups can be restored' },
          ],
          lastFullBackup: { endedAt: '2026-11-20T07:00:00.000Z', ageSeconds: 6 * 3600 + 60 },
          lastLogBackup: null,
          logBackupEnabled: false,
          logBackupLag: null,
          runningJobs: [],
          lastPoll: poll,
          newestFullBackupExpiry: { at: '2026-11-27T07:00:00.000Z', inSeconds: 7 * 86_400 - 6 * 3600 - 60 },
          ...fullsOnly('2026-11-20T07:00:00.000Z', 6 * 3600 + 60),
          ...postpaid(2 * 1024 ** 3, null, {
            backupType: 'full',
            jobId: 'dbs1xss-set-6',
            failedAt: '2026-11-20T11:40:00.000Z',
            errorCode: 'DBS.FullBackup.GatewayUnreachable',
            errorMessage: 'The backup gateway is unreachable: check that the gateway is online',
          }),
        },
        {
          account: 'prod',
          region: 'cn-hangzhou',
          planId: 'dbs1paused',
          name: 'legacy-paused',
          status: 'pause',
          databaseType: 'MySQL',
          health: 'warning',
          problems: [{ code: 'plan_not_running', severity: 'warning', alert: 'DBSBackupPlanNotRunning', text: 'plan status is pause: no scheduled backups run' }],
          lastFullBackup: { endedAt: '2026-11-18T12:00:00.000Z', ageSeconds: 2 * 86_400 + 3600 + 60 },
          lastLogBackup: null,
          logBackupEnabled: false,
          logBackupLag: null,
          runningJobs: [],
          lastPoll: poll,
          newestFullBackupExpiry: { at: '2026-11-25T12:00:00.000Z', inSeconds: 5 * 86_400 - 3600 - 60 },
          ...fullsOnly('2026-11-18T12:00:00.000Z', 2 * 86_400 + 3600 + 60),
          ...postpaid(1024 ** 3, null),
        },
        {
          account: 'prod',
          region: 'cn-hangzhou',
          planId: 'dbs1stuck',
          name: 'stuck-log',
          status: 'running',
          databaseType: 'MySQL',
          health: 'warning',
          problems: [{ code: 'job_stalled', severity: 'warning', alert: 'DBSBackupJobStalled', text: 'incremental backup job running for 3h 1m, no progress for 61m' }],
          lastFullBackup: { endedAt: '2026-11-20T10:00:00.000Z', ageSeconds: 3 * 3600 + 60 },
          lastLogBackup: { endedAt: '2026-11-20T11:30:00.000Z', ageSeconds: 91 * 60 },
          logBackupEnabled: true,
          logBackupLag: { seconds: 91 * 60, atLeast: false },
          runningJobs: [
            { backupType: 'incremental', since: '2026-11-20T10:00:00.000Z', runningSeconds: 3 * 3600 + 60, lastProgressAt: '2026-11-20T12:00:00.000Z', sizeBytes: 1024 * 1024, stalled: true },
          ],
          lastPoll: poll,
          newestFullBackupExpiry: { at: '2026-11-27T10:00:00.000Z', inSeconds: 7 * 86_400 - 3 * 3600 - 60 },
          ...pitrTo('2026-11-20T11:30:00.000Z', 91 * 60),
          ...postpaid(1_108_344_832, 7),
        },
        {
          account: 'prod',
          region: 'cn-hangzhou',
          planId: 'dbs1orders',
          name: 'orders-prod',
          status: 'running',
          databaseType: 'MySQL',
          health: 'ok',
          problems: [],
          lastFullBackup: { endedAt: '2026-11-20T10:00:00.000Z', ageSeconds: 3 * 3600 + 60 },
          lastLogBackup: { endedAt: '2026-11-20T11:50:00.000Z', ageSeconds: 71 * 60 },
          logBackupEnabled: true,
          logBackupLag: { seconds: 71 * 60, atLeast: false },
          runningJobs: [],
          lastPoll: poll,
          newestFullBackupExpiry: { at: '2026-11-27T10:00:00.000Z', inSeconds: 7 * 86_400 - 3 * 3600 - 60 },
          ...pitrTo('2026-11-20T11:50:00.000Z', 71 * 60),
          ...postpaid(1_107_296_256, 7),
        },
      ],
    });
  });

  it('takes the same filters as the page, and ages the cycle with the clock (never polling DBS)', async () => {
    const { get, clock, sim } = await serveKnownFleet();
    const ids = async (search: string) => ((await (await get(`/api/v1/status${search}`)).json()) as StatusJson).plans.map((p) => p.planId);
    expect(await ids('?state=problems')).toEqual(['dbs1xss', 'dbs1paused', 'dbs1stuck']);
    expect(await ids('?state=ok')).toEqual(['dbs1orders']);
    expect(await ids('?q=LOG')).toEqual(['dbs1stuck']);
    expect(await ids('?q=dbs1o')).toEqual(['dbs1orders']);
    expect(await ids('?state=problems&per_page=2&page=2')).toEqual(['dbs1stuck']);
    const paged = (await (await get('/api/v1/status?per_page=3&page=2')).json()) as StatusJson;
    expect(paged.page).toEqual({ number: 2, perPage: 3, pages: 2, matching: 4 });

    const requests = sim.requests.count();
    clock.advance(90_000);
    const later = (await (await get('/api/v1/status')).json()) as StatusJson;
    expect(later.lastCycle).toEqual({ number: 2, completedAt: AS_OF, agoSeconds: 90 });
    // Ages stay those of the cycle: the view is the snapshot's, and asking for it asks DBS nothing.
    expect(later.plans[3]!.lastFullBackup).toEqual({ endedAt: '2026-11-20T10:00:00.000Z', ageSeconds: 3 * 3600 + 60 });
    expect(sim.requests.count()).toBe(requests);
  });

  it('refuses a bad query with 400 and the reason', async () => {
    const { get } = await serveKnownFleet();
    for (const [search, error] of [
      ['?per_page=100000', 'per_page must be a whole number from 1 to 500, not "100000"'],
      ['?state=bad', 'state must be one of all, problems, critical, warning, ok, not "bad"'],
      ['?account=nobody', 'no target with account "nobody"; known: prod'],
      ['?limit=5', 'unknown query parameter "limit"; known: q, state, account, region, page, per_page'],
    ] as const) {
      const res = await get(`/api/v1/status${search}`);
      expect(res.status, search).toBe(400);
      expect(await res.json(), search).toEqual({ error });
    }
  });

  it('before the first cycle: no plans, nulls, and the configured targets on the page', async () => {
    const clock = new ManualClock(T0);
    const sim = await startSimulator({ clock, scenario: { plans: 1 } });
    cleanup.push(() => sim.close());
    const exporter = createExporter(simulatorConfig({ prod: sim }), { logger: silent, build: { version: '1' }, now: () => clock.now(), processMetrics: false });
    const app = createApp({ exposition: exporter.metrics.exposition, telemetryPath: '/metrics', version: '1', isReady: exporter.ready, describe: () => ['prod (cn-hangzhou)'], status: { snapshot: exporter.snapshot, now: () => clock.now() } });
    const port = await listenOnLoopback(createServer(app), cleanup);
    const body = (await (await fetch(`http://127.0.0.1:${port}/api/v1/status`)).json()) as StatusJson;
    expect(body).toMatchObject({ asOf: null, lastCycle: null, nextCycle: null, summary: null, page: null, plans: [], targets: [] });
    const page = await (await fetch(`http://127.0.0.1:${port}/`)).text();
    expect(page).toContain('No collection cycle has finished yet.');
    expect(page).toContain('<li>prod (cn-hangzhou)</li>');
  });
});

describe('the landing page (HTML)', () => {
  it('escapes the untrusted plan name and the notice, with a CSP that allows only its own style sheet', async () => {
    const { get } = await serveKnownFleet();
    const res = await get('/');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('content-security-policy')).toBe(LANDING_CSP);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    const page = await res.text();
    expect(page).toContain('&#60;img src=x onerror=alert(1)&#62;&#60;script&#62;alert(&#34;pwned&#34;)&#60;/script&#62;');
    expect(page).not.toMatch(/<script|<img|onerror=alert\(1\)>/i);
    expect(page).toContain('<h2>Demo &#60;fleet&#62;</h2><ul><li>plans &#38; &#34;alerts&#34;</li></ul>');
    // The one style sheet is what the policy's hash allows.
    const css = /<style>([\s\S]*?)<\/style>/.exec(page)![1]!;
    expect(LANDING_CSP).toBe(`default-src 'none'; style-src 'sha256-${createHash('sha256').update(css).digest('base64')}'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'`);
    expect(page).not.toMatch(/https?:\/\//);
  });

  it('shows state in words, plans problems first, the cycles and the links', async () => {
    const { get } = await serveKnownFleet();
    const page = await (await get('/')).text();
    expect([...page.matchAll(/data-plan-id="([^"]+)"/g)].map((m) => m[1])).toEqual(['dbs1xss', 'dbs1paused', 'dbs1stuck', 'dbs1orders']);
    expect([...page.matchAll(/<span class="badge (\w+)">(\w+)<\/span>/g)].map((m) => `${m[1]}:${m[2]}`)).toEqual(['up:UP', 'warning:WARNING', 'warning:WARNING', 'warning:WARNING', 'ok:OK']);
    expect(page).toContain('<title>DBS Exporter: 0 critical, 3 warning, 1 OK</title>');
    expect(page).toContain('Last collection cycle: #2, finished <time datetime="2026-11-20T13:01:00.000Z">2026-11-20 13:01:00 UTC</time> (0s ago).');
    expect(page).toContain('Next cycle: <time datetime="2026-11-20T13:02:00.000Z">2026-11-20 13:02:00 UTC</time> (in 60s).');
    expect(page).toContain('<span class="bad">STALLED</span> (no progress for 61m)');
    expect(page).toContain('<li title="DBSBackupPlanNotRunning">plan status is pause: no scheduled backups run</li>');
    for (const href of ['/metrics', '/-/healthy', '/-/ready', '/api/v1/status']) expect(page).toContain(`<a href="${href}">`);
    expect(page).toContain('Version 9.8.7.');
    expect(page).toContain('Showing 1–4 of 4 matching plans.');
  });

  it('a bad query: 400, the reason, and the form and links still there', async () => {
    const { get } = await serveKnownFleet();
    const res = await get('/?per_page=9999&q=%3Cb%3E');
    expect(res.status).toBe(400);
    const page = await res.text();
    expect(page).toContain('<p class="error" role="alert">Bad request: per_page must be a whole number from 1 to 500, not &#34;9999&#34;. <a href="/">Show all plans</a></p>');
    expect(page).toContain('<input type="search" name="q" value="&#60;b&#62;"');
    expect(page).toContain('<a href="/api/v1/status">');
    expect(page).not.toContain('data-plan-id');
  });

  it('HEAD answers without a body; other methods are 405 on /api/v1/status too', async () => {
    const { get } = await serveKnownFleet();
    const head = await get('/api/v1/status', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    const post = await get('/api/v1/status', { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });
});

describe('the guard of /metrics covers the page and the API', () => {
  it('with basic auth configured, / and /api/v1/status are 401 without credentials and 200 with them', async () => {
    const sim = await startSimulator({ scenario: { plans: 2 } });
    cleanup.push(() => sim.close());
    const running = await runExporter(simulatorConfig({ prod: sim }, ['collection: { interval: 1h }']), {
      logger: silent,
      build: { version: '1.2.3' },
      processMetrics: false,
      listenAddress: '127.0.0.1:0',
      telemetryPath: '/metrics',
      webConfig: await loadWebConfig(join(import.meta.dirname, 'testdata', 'web_config_basic_auth.yml')),
    });
    cleanup.push(() => running.stop());
    const url = (path: string) => `http://127.0.0.1:${running.address.port}${path}`;
    const bob = { authorization: `Basic ${Buffer.from('bob:bob-pass-4').toString('base64')}` };
    for (const path of ['/', '/api/v1/status', '/api/v1/status?state=problems', '/?q=x']) {
      const denied = await fetch(url(path));
      expect(denied.status, path).toBe(401);
      expect(await denied.text(), path).toBe('Unauthorized\n');
      expect((await fetch(url(path), { headers: { authorization: 'Basic Ym9iOndyb25n' } })).status, path).toBe(401);
      expect((await fetch(url(path), { headers: bob })).status, path).toBe(200);
    }
    // The scheduler says when the next cycle is due: an hour after the first started.
    for (let i = 0; i < 100 && !running.exporter.ready(); i++) await new Promise((r) => setTimeout(r, 50));
    const body = (await (await fetch(url('/api/v1/status'), { headers: bob })).json()) as StatusJson;
    expect(body.lastCycle?.number).toBe(1);
    expect(body.nextCycle?.running).toBe(false);
    const untilNext = Date.parse(body.nextCycle!.at!) - Date.parse(body.lastCycle!.completedAt);
    expect(untilNext).toBeGreaterThan(55 * MINUTE);
    expect(untilNext).toBeLessThanOrEqual(60 * MINUTE);
    expect(body.plans).toHaveLength(2);
  });
});
