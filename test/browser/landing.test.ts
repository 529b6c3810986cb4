/**
 * The landing page in a real headless Chromium (puppeteer-core, Debian's /usr/bin/chromium:
 * scripts/ensure-chromium.sh), against the real exporter polling the simulator over HTTP: what a
 * person sees (plans, their state in words and colour, problems first), the filter form and page
 * links with JavaScript off, an HTML-injection plan name shown as text with nothing run or
 * injected, and a screenshot in test-artifacts/landing.png. Then the full scenario (positions 13-17:
 * operational stops): each plan's subscription, traffic and gateway, DBS's failure reason, and the
 * backup gateways section, as a person sees them (test-artifacts/landing-operations.png).
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningExporter, runExporter } from '../../src/exporter.js';
import { SCENARIO_PLAN_COUNT, type Simulator, startSimulator } from '../../src/simulator/index.js';
import { simulatorConfig } from '../support/simulator-config.js';

/** The few browser globals the page functions below use (the tests compile without the DOM lib). */
declare const document: { querySelectorAll(selectors: string): { length: number } };
declare const window: { __pwned?: number };
declare function getComputedStyle(element: unknown): { color: string };

const ARTIFACTS = join(import.meta.dirname, '..', '..', 'test-artifacts');
/** Would set window.__pwned and open a dialog if it ever ran. */
const XSS_NAME = '<img src=x onerror="window.__pwned=1;alert(1)"><script>window.__pwned=2;alert(2)</script>';

let sim: Simulator;
let exporter: RunningExporter;
let browser: Browser;
let profile: string;
let origin: string;

beforeAll(async () => {
  // The demo fleet (healthy, paused, failing, stuck plans) and one paused plan with a hostile name.
  sim = await startSimulator({ scenario: { plans: 8 } });
  sim.fleet.addPlan({ id: 'dbs1xsstest', name: XSS_NAME, status: 'pause' });
  const config = simulatorConfig({ prod: sim }, ['collection: { interval: 1h }', 'defaults:', '  rate_limit: { requests_per_second: 1000 }']);
  exporter = await startExporter(config);
  origin = `http://127.0.0.1:${exporter.address.port}`;
  profile = mkdtempSync(join(tmpdir(), 'dbs-chromium-'));
  browser = await puppeteer.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    userDataDir: profile,
    args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  await untilReady(exporter);
}, 60_000);

function startExporter(config: Parameters<typeof runExporter>[0]): Promise<RunningExporter> {
  return runExporter(config, { logger: pino({ level: 'silent' }), build: { version: '0.0.0-browser' }, processMetrics: false, listenAddress: '127.0.0.1:0', telemetryPath: '/metrics' });
}

/** Until its first cycle is published (20 s at most). */
async function untilReady(running: RunningExporter): Promise<void> {
  for (let i = 0; i < 400 && !running.exporter.ready(); i++) await new Promise((r) => setTimeout(r, 50));
  expect(running.exporter.ready()).toBe(true);
}

afterAll(async () => {
  await browser?.close();
  await exporter?.stop();
  await sim?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

interface Row {
  id: string;
  name: string;
  health: string;
  badge: string;
  colour: string;
  problems: string[];
}

const rows = (page: Page): Promise<Row[]> =>
  page.$$eval('table.plans tbody tr', (trs) =>
    trs.map((tr) => {
      const badge = tr.querySelector('.badge')!;
      return {
        id: tr.getAttribute('data-plan-id') ?? '',
        name: tr.querySelector('.plan-name')!.textContent ?? '',
        health: tr.getAttribute('data-health') ?? '',
        badge: badge.textContent ?? '',
        colour: getComputedStyle(badge).color,
        problems: [...tr.querySelectorAll('ul.problems li')].map((li) => li.textContent ?? ''),
      };
    }),
  );

const RANK: Record<string, number> = { critical: 0, warning: 1, ok: 2 };

async function openPage(options: { javascript: boolean }): Promise<Page> {
  const page = await browser.newPage();
  await page.setJavaScriptEnabled(options.javascript);
  await page.setViewport({ width: 1600, height: 1000 });
  return page;
}

/** A page with scripts on and the CSP bypassed, so only escaping stands between DBS's text and the DOM; every dialog is recorded. */
async function hostilePage(): Promise<{ page: Page; dialogs: string[] }> {
  const page = await openPage({ javascript: true });
  await page.setBypassCSP(true);
  const dialogs: string[] = [];
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  return { page, dialogs };
}

describe('the landing page in Chromium', () => {
  it('shows every plan with its state in words and colour, problems first, styled by its own sheet only', async () => {
    const page = await openPage({ javascript: true });
    const requests: string[] = [];
    const violations: string[] = [];
    page.on('request', (req) => requests.push(req.url()));
    page.on('console', (msg) => (msg.text().includes('Content Security Policy') ? violations.push(msg.text()) : undefined));
    const res = await page.goto(`${origin}/`, { waitUntil: 'load' });
    expect(res?.status()).toBe(200);
    const shown = await rows(page);

    expect(shown.map((r) => r.name).sort()).toEqual(
      [
        'mysql-orders-prod',
        'pg-analytics',
        'sqlserver-erp',
        'mongo-sessions',
        'mysql-legacy-paused',
        'mysql-billing-failing',
        'polardb-catalog-stuck',
        'mysql-reports-duplication',
        XSS_NAME,
      ].sort(),
    );
    const health = Object.fromEntries(shown.map((r) => [r.name, r.badge]));
    expect(health).toEqual({
      'mysql-billing-failing': 'CRITICAL',
      'mysql-legacy-paused': 'WARNING',
      'polardb-catalog-stuck': 'CRITICAL',
      [XSS_NAME]: 'WARNING',
      'mysql-orders-prod': 'OK',
      'pg-analytics': 'OK',
      'sqlserver-erp': 'OK',
      'mongo-sessions': 'OK',
      'mysql-reports-duplication': 'WARNING',
    });
    // Problems first: the state never gets better going down the table.
    const ranks = shown.map((r) => RANK[r.health]!);
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
    expect(['mysql-billing-failing', 'polardb-catalog-stuck']).toContain(shown[0]!.name);
    // Each state has its word and its colour (the inline sheet applied: the CSP hash matches).
    const colours = Object.fromEntries(shown.map((r) => [r.badge, r.colour]));
    expect(colours).toEqual({ CRITICAL: 'rgb(165, 14, 31)', WARNING: 'rgb(122, 74, 0)', OK: 'rgb(23, 97, 42)' });
    expect(shown.find((r) => r.name === 'mysql-billing-failing')!.problems.join('\n')).toMatch(/no successful full backup/);
    expect(shown.find((r) => r.name === 'polardb-catalog-stuck')!.problems.join('\n')).toMatch(/no successful log backup for/);
    // The stuck log backup also stopped the recovery point; a plan without log backup says so (no expectation declares it intended here).
    expect(shown.find((r) => r.name === 'polardb-catalog-stuck')!.problems.join('\n')).toMatch(/newest point-in-time restore is \d+h( \d+m)? old \(limit 3h\)/);
    expect(shown.find((r) => r.name === 'mysql-reports-duplication')!.problems).toEqual(['log backup is off: only full backups can be restored']);
    // Where each plan can be restored to: a healthy plan to minutes ago; the log-off plan to its full backups only.
    const restorable = async (name: string) => page.$eval(`tr[data-plan-id="${shown.find((r) => r.name === name)!.id}"] td.restorable`, (td) => td.textContent);
    expect(await restorable('mysql-orders-prod')).toMatch(/^any time to \d+(s|m) ago$/);
    expect(await restorable('mysql-reports-duplication')).toMatch(/^full backups only, newest \d+h( \d+m)? ago$/);
    expect(await page.$eval('#targets tbody tr .badge', (b) => b.textContent)).toBe('UP');
    expect(await page.$eval('.last-cycle', (p) => p.textContent)).toMatch(/^Last collection cycle: #1, finished /);
    expect(await page.$eval('.next-cycle', (p) => p.textContent)).toMatch(/^Next cycle: .* \(in (59|60)m\)\.$/);
    expect(await page.$$eval('header nav a', (as) => as.map((a) => a.getAttribute('href')))).toEqual(['/metrics', '/-/healthy', '/-/ready', '/api/v1/status']);
    expect(violations).toEqual([]);
    // Nothing from anywhere else.
    for (const url of requests) expect(url.startsWith(`${origin}/`), url).toBe(true);

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'landing.png'), fullPage: true });
    await page.close();
  });

  it('shows a hostile plan name as text: no script runs, no dialog opens, no element is injected (even with the CSP bypassed)', async () => {
    // Escaping alone must hold: the policy would otherwise block the inline script anyway.
    const { page, dialogs } = await hostilePage();
    const paths: string[] = [];
    page.on('request', (req) => paths.push(new URL(req.url()).pathname));
    await page.goto(`${origin}/?q=xsstest`, { waitUntil: 'load' });
    const shown = await rows(page);
    expect(shown.map((r) => [r.id, r.name, r.badge])).toEqual([['dbs1xsstest', XSS_NAME, 'WARNING']]);
    expect(await page.evaluate(() => document.querySelectorAll('script, img, iframe, object, embed, [onerror]').length)).toBe(0);
    expect(await page.evaluate(() => window.__pwned)).toBeUndefined();
    expect(dialogs).toEqual([]);
    // The <img src=x> was never an image: nothing fetched /x.
    expect(paths.filter((p) => p !== '/favicon.ico')).toEqual(['/']);
    await page.close();
  });

  it('filters with the form, JavaScript off', async () => {
    const page = await openPage({ javascript: false });
    await page.goto(`${origin}/`);
    await page.type('input[name="q"]', 'BILLING');
    await page.select('select[name="state"]', 'problems');
    await Promise.all([page.waitForNavigation(), page.click('form.filter button[type="submit"]')]);
    const url = new URL(page.url());
    expect(url.searchParams.get('q')).toBe('BILLING');
    expect(url.searchParams.get('state')).toBe('problems');
    expect((await rows(page)).map((r) => [r.name, r.badge])).toEqual([['mysql-billing-failing', 'CRITICAL']]);
    expect(await page.$eval('p.shown', (p) => p.textContent)).toMatch(/^Showing 1–1 of 1 matching plans\./);
    // The form comes back with what was asked.
    expect(await page.$eval('input[name="q"]', (input) => input.getAttribute('value'))).toBe('BILLING');
    expect(await page.$eval('select[name="state"] option[selected]', (option) => option.getAttribute('value'))).toBe('problems');

    // The summary's OK link: only OK plans.
    await Promise.all([page.waitForNavigation(), page.click('p.summary a[href="/?state=ok"]')]);
    expect(new Set((await rows(page)).map((r) => r.badge))).toEqual(new Set(['OK']));
    await page.close();
  });

  it('pages with the links, JavaScript off: every plan once, in order', async () => {
    const page = await openPage({ javascript: false });
    await page.goto(`${origin}/?per_page=4`);
    const pageOf = () => page.$eval('nav.pages .page-of', (s) => s.textContent);
    expect(await pageOf()).toBe('Page 1 of 3');
    const seen = [...(await rows(page))];
    for (const expected of ['Page 2 of 3', 'Page 3 of 3']) {
      await Promise.all([page.waitForNavigation(), page.click('nav.pages a[rel="next"]')]);
      expect(await pageOf()).toBe(expected);
      seen.push(...(await rows(page)));
    }
    expect(new URL(page.url()).searchParams.get('page')).toBe('3');
    expect(await page.$('nav.pages a[rel="next"]')).toBeNull();
    expect(seen).toHaveLength(9);
    expect(new Set(seen.map((r) => r.id)).size).toBe(9);
    const ranks = seen.map((r) => RANK[r.health]!);
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
    await Promise.all([page.waitForNavigation(), page.click('nav.pages a:not([rel])')]);
    expect(await pageOf()).toBe('Page 1 of 3');
    await page.close();
  });

  it('a bad parameter: 400, the reason on the page, and the form to fix it', async () => {
    const page = await openPage({ javascript: false });
    const res = await page.goto(`${origin}/?per_page=0`);
    expect(res?.status()).toBe(400);
    expect(await page.$eval('p.error', (p) => p.textContent)).toBe('Bad request: per_page must be a whole number from 1 to 500, not "0". Show all plans');
    expect(await page.$('form.filter')).not.toBeNull();
    await Promise.all([page.waitForNavigation(), page.click('p.error a')]);
    expect((await rows(page)).length).toBe(9);
    await page.close();
  });
});

/** A gateway name with markup: shown as text, nothing run. */
const XSS_GATEWAY = '<img src=x onerror="window.__pwned=3"><script>window.__pwned=4</script> & co';

describe('operational stops in Chromium: the full scenario (positions 13-17)', () => {
  let opsSim: Simulator;
  let opsExporter: RunningExporter;
  let opsOrigin: string;

  beforeAll(async () => {
    opsSim = await startSimulator({ scenario: { plans: SCENARIO_PLAN_COUNT } });
    opsSim.fleet.addGateway({ displayName: XSS_GATEWAY });
    const config = simulatorConfig({ prod: opsSim }, [
      'collection: { interval: 1h }',
      'defaults:',
      '  rate_limit: { requests_per_second: 1000 }',
      'expectations:',
      "  - plans: { name_regex: '^pg-warehouse-' }",
      '    backup_traffic_alert_ratio: 0.9',
    ]);
    opsExporter = await startExporter(config);
    opsOrigin = `http://127.0.0.1:${opsExporter.address.port}`;
    await untilReady(opsExporter);
  }, 60_000);

  afterAll(async () => {
    await opsExporter?.stop();
    await opsSim?.close();
  });

  it("shows each plan's subscription, traffic and gateway, DBS's reason beside the failed full, and the backup gateways", async () => {
    const { page, dialogs } = await hostilePage();
    expect((await page.goto(`${opsOrigin}/`, { waitUntil: 'load' }))?.status()).toBe(200);
    const shown = await rows(page);
    const byName = (name: string) => shown.find((r) => r.name === name)!;
    // innerText: only what is rendered (a hidden element would not count).
    const seen = (name: string, cell: string) => page.$eval(`tr[data-plan-id="${byName(name).id}"] td.${cell}`, (td) => (td as unknown as { innerText: string }).innerText.replace(/\s+/g, ' ').trim());
    expect(await page.$eval('table.plans thead', (t) => (t as unknown as { innerText: string }).innerText)).toContain('Subscription, traffic, gateway');

    expect(await seen('mysql-loyalty-prepaid-expiring', 'operations')).toMatch(/^prepaid, expires in (4d 23h|5d) \d+% of free traffic used$/);
    expect(byName('mysql-loyalty-prepaid-expiring').problems).toContainEqual(expect.stringMatching(/^prepaid subscription expires in (4d 23h|5d) \(warning 14d ahead\): renew it or its backups stop$/));
    expect(byName('mysql-loyalty-prepaid-expiring').badge).toBe('WARNING');

    expect(await seen('mysql-hr-prepaid-expired', 'operations')).toMatch(/^prepaid, expired 2d ago \d+% of free traffic used$/);
    expect(byName('mysql-hr-prepaid-expired').problems).toContain('prepaid subscription expired 2d ago: DBS takes no backups until it is renewed');
    expect(byName('mysql-hr-prepaid-expired').badge).toBe('CRITICAL');

    expect(await seen('mysql-idc-gateway-offline', 'operations')).toMatch(/^pay-as-you-go \d+(\.\d)? GiB traffic used, all paid gateway \d+ OFFLINE, silent 3h$/);
    expect(byName('mysql-idc-gateway-offline').problems).toContainEqual(
      expect.stringMatching(/^backup gateway \d+ \(idc-hangzhou-01-backup-gateway\) is OFFLINE, last heartbeat 3h ago: no backup of this plan runs until it is back$/),
    );
    expect(byName('mysql-idc-gateway-offline').badge).toBe('CRITICAL');

    expect(byName('mysql-wms-full-failed').problems).toContainEqual(
      expect.stringMatching(/^last full backup job failed \d+h( \d+m)? ago, no success since; DBS says DBS\.FullBackup\.SourceConnectFailed: Failed to connect to the source database: check the network and the account's password$/),
    );
    expect(await seen('mysql-wms-full-failed', 'operations')).toMatch(/ gateway \d+ ONLINE$/);

    expect(await seen('pg-warehouse-prepaid-traffic', 'operations')).toMatch(/^prepaid, expires in (199d 23h|200d) 95% of free traffic used$/);
    expect(byName('pg-warehouse-prepaid-traffic').problems).toEqual(['95% of the free backup traffic of this billing period used (alert at 90%): traffic beyond it is charged']);
    expect(await seen('mongo-sessions', 'operations')).toBe('pay-as-you-go traffic: not applicable');

    // The backup gateways: the OFFLINE one first, in the alert colour; the hostile name as text.
    const gateways = await page.$$eval('#gateways tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => (td as unknown as { innerText: string }).innerText.trim())));
    expect(await page.$eval('#gateways h2', (h) => h.textContent)).toBe('Backup gateways');
    expect(gateways).toHaveLength(3);
    expect(gateways[0]).toEqual(['OFFLINE', expect.stringMatching(/^\d+$/), 'idc-hangzhou-01-backup-gateway', 'idc-hangzhou-01-db.corp.example', 'prod', 'cn-hangzhou', '3h ago', '1', '1']);
    expect(gateways.map((g) => g[2])).toEqual(['idc-hangzhou-01-backup-gateway', XSS_GATEWAY, 'idc-hangzhou-02-backup-gateway']);
    expect(gateways.find((g) => g[2] === 'idc-hangzhou-02-backup-gateway')!.slice(-2)).toEqual(['1', '1']);
    expect(await page.$eval('#gateways tbody tr .badge', (b) => getComputedStyle(b).color)).toBe('rgb(165, 14, 31)');
    expect(await page.evaluate(() => document.querySelectorAll('script, img, iframe, object, embed, [onerror]').length)).toBe(0);
    expect(await page.evaluate(() => window.__pwned)).toBeUndefined();
    expect(dialogs).toEqual([]);

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'landing-operations.png'), fullPage: true });
    await page.close();
  });
});
