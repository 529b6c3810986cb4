/**
 * Structural checks of the Grafana dashboard (config/grafana/dbs-exporter.json): it imports
 * through the UI and the sidecar, every query goes to the selected Prometheus data source,
 * the layout has no overlapping panels, every query only uses metric families this exporter
 * really exposes (read from its exposition against the simulator), filters by the template
 * variables, and parses as PromQL with promtool.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/index.js';
import { createExporter } from '../../src/exporter.js';
import { DEMO_CREDENTIAL, ManualClock, SCENARIO_PLAN_COUNT, startSimulator, type Simulator } from '../../src/simulator/index.js';
import { parseExposition } from '../support/exposition.js';
import { promtool } from '../support/promtool.js';
import { type Dashboard, type DashboardPanel, dashboardQueries, substituteVariables } from './dashboard-queries.js';
import { analyse, type Selector } from './promql.js';

const DASHBOARD_PATH = new URL('../../config/grafana/dbs-exporter.json', import.meta.url);
const DATASOURCE = { type: 'prometheus', uid: '${datasource}' };
/** Families without an account label: the whole exporter's cycle, not one account's. */
const EXPORTER_WIDE = ['dbs_exporter_poll_duration_seconds', 'dbs_exporter_last_cycle_timestamp_seconds'];
const isExporterWide = (metric: string) => EXPORTER_WIDE.some((family) => metric === family || metric.startsWith(`${family}_`));

function loadDashboard(): Dashboard {
  return JSON.parse(readFileSync(DASHBOARD_PATH, 'utf8')) as Dashboard;
}

interface Variable {
  type: string;
  name: string;
  query: unknown;
  definition?: string;
  datasource?: unknown;
  multi?: boolean;
  includeAll?: boolean;
  allValue?: string;
}

const variables = (d: Dashboard): Variable[] => ((d.templating as { list?: Variable[] } | undefined)?.list ?? []);
const variableQuery = (v: Variable): string => (typeof v.query === 'string' ? v.query : ((v.query as { query?: string } | undefined)?.query ?? ''));
/** Top-level panels plus the children of collapsed rows. */
const allPanels = (d: Dashboard): DashboardPanel[] => (d.panels ?? []).flatMap((p) => [p, ...(p.type === 'row' ? (p.panels ?? []) : [])]);
const contentPanels = (d: Dashboard): DashboardPanel[] => allPanels(d).filter((p) => p.type !== 'row');

// ───────────── what the exporter exposes: metric names and the labels of each ─────────────

/** Sample name → label names seen on it. Families without samples are known from # TYPE. */
let exposed: Map<string, Set<string>>;
let simulator: Simulator | undefined;

beforeAll(async () => {
  const T0 = Date.UTC(2026, 10, 20, 12, 0, 0);
  const clock = new ManualClock(T0);
  // Every case of the scenario, operational stops included (prepaid, gateways, failure reasons), so each family has samples with its labels.
  simulator = await startSimulator({ clock, scenario: { plans: SCENARIO_PLAN_COUNT } });
  // One throttled answer, so the retry and error series exist too.
  simulator.faults.set({ kind: 'throttle', times: 1 });
  const env = { SIM_KEY_ID: DEMO_CREDENTIAL.accessKeyId, SIM_SECRET: DEMO_CREDENTIAL.accessKeySecret };
  const yaml = [
    'defaults:',
    '  retries: { max_attempts: 3, initial_backoff: 1ms, max_backoff: 2ms }',
    '  rate_limit: { requests_per_second: 500 }',
    'collection:',
    '  interval: 60s',
    '  lookback: 24h',
    'targets:',
    '  - name: prod',
    '    region: cn-hangzhou',
    `    endpoint: ${simulator.endpoint}`,
    '    protocol: http',
    '    credentials: { type: access_key, access_key_id_env: SIM_KEY_ID, access_key_secret_env: SIM_SECRET }',
  ].join('\n');
  const exporter = createExporter(parseConfig(yaml, { env }), {
    logger: pino({ level: 'silent' }),
    build: { version: 'test' },
    now: () => clock.now(),
    processMetrics: false,
  });
  await exporter.runCycle();
  clock.advance(60_000);
  await exporter.runCycle();
  const text = await exporter.metrics.registry.metrics();

  exposed = new Map();
  const add = (name: string, labels: string[] = []) => {
    const set = exposed.get(name) ?? new Set<string>();
    for (const label of labels) set.add(label);
    exposed.set(name, set);
  };
  for (const [, name, type] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) add(`${name!}${suffix}`);
    else if (type === 'summary') for (const suffix of ['', '_sum', '_count']) add(`${name!}${suffix}`);
    else add(name!);
  }
  for (const sample of parseExposition(text)) add(sample.name, Object.keys(sample.labels));
}, 60_000);

afterAll(async () => {
  await simulator?.close();
});

// ─────────────────────────────── the checks ───────────────────────────────

describe('Grafana dashboard config/grafana/dbs-exporter.json', () => {
  it('is valid JSON with the identity, schema and refresh the brief asks for, importable by the sidecar', () => {
    const text = readFileSync(DASHBOARD_PATH, 'utf8');
    expect(() => JSON.parse(text)).not.toThrow();
    const d = loadDashboard();
    expect(d.uid).toBe('dbs-exporter');
    expect(d.title).toBe('DBS Backups');
    expect(d.tags).toEqual(['dbs', 'backup', 'alibaba-cloud']);
    expect(d.refresh).toBe('1m');
    expect((d.time as { from: string }).from).toBe('now-24h');
    expect(d.schemaVersion).toBeGreaterThanOrEqual(39);
    // The sidecar imports the file as is: no ${DS_...} inputs left to resolve.
    expect(d.__inputs).toBeUndefined();
    expect(d.__requires).toBeUndefined();
    expect(text).not.toMatch(/\$\{DS_/);
    expect(d.id ?? null).toBeNull();
  });

  it('has a Prometheus datasource variable and every panel and target uses it', () => {
    const d = loadDashboard();
    const ds = variables(d).filter((v) => v.type === 'datasource');
    expect(ds).toHaveLength(1);
    expect(ds[0]!.name).toBe('datasource');
    expect(ds[0]!.query).toBe('prometheus');
    for (const panel of contentPanels(d)) {
      expect(panel.datasource, `panel "${panel.title}"`).toEqual(DATASOURCE);
      expect(panel.targets?.length ?? 0, `panel "${panel.title}" has no queries`).toBeGreaterThan(0);
      for (const target of panel.targets ?? []) {
        expect(target.datasource, `panel "${panel.title}" target ${target.refId}`).toEqual(DATASOURCE);
        expect(target.expr?.trim(), `panel "${panel.title}" target ${target.refId}`).toBeTruthy();
      }
      const refIds = (panel.targets ?? []).map((t) => t.refId);
      expect(new Set(refIds).size, `panel "${panel.title}" repeats a refId`).toBe(refIds.length);
    }
  });

  it('chains the account → region → backup_plan_id variables, multi-select with All as .*', () => {
    const byName = new Map(variables(loadDashboard()).map((v) => [v.name, v]));
    const expected: Record<string, RegExp> = {
      account: /^label_values\(dbs_exporter_target_up, account\)$/,
      region: /^label_values\(dbs_exporter_target_up\{account=~"\$account"\}, region\)$/,
      backup_plan_id: /^label_values\(dbs_backup_plan_info\{account=~"\$account",region=~"\$region"\}, backup_plan_id\)$/,
    };
    for (const [name, query] of Object.entries(expected)) {
      const v = byName.get(name);
      expect(v, `variable ${name}`).toBeDefined();
      expect(v!.type).toBe('query');
      expect(v!.datasource).toEqual(DATASOURCE);
      expect(variableQuery(v!)).toMatch(query);
      if (v!.definition !== undefined) expect(v!.definition).toBe(variableQuery(v!));
      expect(v!.multi).toBe(true);
      expect(v!.includeAll).toBe(true);
      expect(v!.allValue).toBe('.*');
    }
  });

  it('gives every panel a unique id, a title and a description of what it shows and where it comes from', () => {
    const d = loadDashboard();
    const ids = allPanels(d).map((p) => p.id);
    for (const id of ids) expect(Number.isInteger(id), `panel id ${id}`).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    for (const panel of contentPanels(d)) {
      expect(panel.title?.trim(), `panel ${panel.id} has no title`).toBeTruthy();
      expect(typeof panel.description === 'string' && panel.description.length >= 40, `panel "${panel.title}" needs a description`).toBe(true);
      // The description names a family the panel queries, so a reader knows where the value comes from.
      const families = new Set(dashboardQueries({ panels: [panel] }).flatMap((q) => analyse(q.expr).selectors.map((s) => s.metric!.replace(/_(bucket|sum|count)$/, ''))));
      expect([...families].some((f) => (panel.description as string).includes(f)), `description of "${panel.title}" names none of ${[...families].join(', ')}`).toBe(true);
    }
  });

  it('lays panels out on the 24-column grid without overlaps, each inside its row band', () => {
    const top = loadDashboard().panels ?? [];
    for (const p of top) {
      const g = p.gridPos;
      expect(g, `panel "${p.title}" has no gridPos`).toBeDefined();
      expect(g!.x >= 0 && g!.y >= 0 && g!.w > 0 && g!.h > 0 && g!.x + g!.w <= 24, `panel "${p.title}" gridPos ${JSON.stringify(g)}`).toBe(true);
    }
    // Children of collapsed rows are laid out when the row opens; they are not on the grid now.
    const rows = top.filter((p) => p.type === 'row').sort((a, b) => a.gridPos!.y - b.gridPos!.y);
    for (const r of rows) expect(r.gridPos).toMatchObject({ x: 0, w: 24, h: 1 });
    const bandOf = (p: DashboardPanel) => rows.filter((r) => r.gridPos!.y <= p.gridPos!.y).at(-1);
    const bands = new Map<DashboardPanel | undefined, DashboardPanel[]>();
    for (const p of top.filter((q) => q.type !== 'row')) bands.set(bandOf(p), [...(bands.get(bandOf(p)) ?? []), p]);
    const overlap = (a: DashboardPanel, b: DashboardPanel) => {
      const [g, h] = [a.gridPos!, b.gridPos!];
      return g.x < h.x + h.w && h.x < g.x + g.w && g.y < h.y + h.h && h.y < g.y + g.h;
    };
    for (const [row, members] of bands) {
      const next = row ? rows[rows.indexOf(row) + 1] : rows[0];
      for (const p of members) {
        if (row) expect(p.gridPos!.y, `"${p.title}" starts on its row header`).toBeGreaterThan(row.gridPos!.y);
        if (next) expect(p.gridPos!.y + p.gridPos!.h, `"${p.title}" runs into row "${next.title}"`).toBeLessThanOrEqual(next.gridPos!.y);
      }
      for (let i = 0; i < members.length; i++)
        for (let j = i + 1; j < members.length; j++) expect(overlap(members[i]!, members[j]!), `"${members[i]!.title}" overlaps "${members[j]!.title}"`).toBe(false);
    }
    expect(rows.map((r) => r.title)).toEqual([
      'Fleet overview',
      'Restore: to when, with which gaps, and the last drill',
      'Operational stops: subscription, backup traffic, gateways, failure reasons',
      'Per-plan drill-down ($backup_plan_id)',
      'Exporter health',
    ]);
  });

  it('only queries metric names the exporter exposes (and only PromQL functions)', () => {
    const d = loadDashboard();
    const queries = dashboardQueries(d);
    expect(queries.length).toBeGreaterThanOrEqual(25);
    const variableSelectors = variables(d)
      .filter((v) => v.type === 'query')
      .map((v) => ({ panel: `variable ${v.name}`, expr: /^label_values\((.*),\s*\w+\)$/.exec(variableQuery(v))?.[1] ?? variableQuery(v) }));
    for (const { panel, expr } of [...queries, ...variableSelectors]) {
      const { selectors, problems } = analyse(expr);
      expect(problems, `${panel}: ${expr}`).toEqual([]);
      expect(selectors.length, `${panel}: ${expr} selects no metric`).toBeGreaterThan(0);
      for (const s of selectors) {
        expect(s.metric, `${panel}: selector without a metric name`).toBeDefined();
        expect(exposed.has(s.metric!), `${panel}: ${s.metric} is not exposed by dbs-exporter`).toBe(true);
      }
    }
  });

  it('filters every per-account series by $account (and region, and plan in the drill-down), and only by labels the series carry', () => {
    const filters = (s: Selector, label: string, variable: string) => s.matchers.some((m) => m.label === label && m.op === '=~' && m.value === `$${variable}`);
    for (const { panel, row, expr } of dashboardQueries(loadDashboard())) {
      for (const s of analyse(expr).selectors) {
        const metric = s.metric!;
        const labels = exposed.get(metric) ?? new Set<string>();
        const where = `${panel}: ${metric} in ${expr}`;
        for (const m of s.matchers) if (labels.size > 0) expect(labels.has(m.label), `${where} filters on ${m.label}, which it does not carry`).toBe(true);
        if (isExporterWide(metric)) {
          expect(labels.has('account'), `${metric} was expected to be exporter-wide`).toBe(false);
          continue;
        }
        expect(filters(s, 'account', 'account'), `${where} is not filtered by account=~"$account"`).toBe(true);
        if (labels.has('region')) expect(filters(s, 'region', 'region'), `${where} is not filtered by region=~"$region"`).toBe(true);
        if (row.startsWith('Per-plan') && labels.has('backup_plan_id'))
          expect(filters(s, 'backup_plan_id', 'backup_plan_id'), `${where} is not filtered by backup_plan_id=~"$backup_plan_id"`).toBe(true);
      }
    }
  });

  it('uses units that match the values and the agreed lag thresholds', () => {
    const expectedUnit = (exprs: string[]): string | undefined => {
      const all = exprs.join(' ');
      if (/histogram_quantile|_lag_seconds|_duration_seconds\{|time\(\)|_restorable_/.test(all)) return 's';
      // Used ÷ free backup traffic: a share (the byte columns beside it override their unit).
      if (/dbs_backup_traffic_used_bytes[\s\S]*\/ on\([^)]*\) \(max by \([^)]*\) \(dbs_backup_traffic_free_bytes/.test(all)) return 'percentunit';
      if (/_bytes\{/.test(all)) return 'bytes';
      if (/rate\(dbs_exporter_api_(requests|retries)_total/.test(all)) return 'reqps';
      if (/dbs_exporter_plan_poll_success/.test(all)) return 'percentunit';
      return undefined;
    };
    let checked = 0;
    for (const panel of contentPanels(loadDashboard())) {
      const defaults = (panel.fieldConfig as { defaults?: { unit?: string; thresholds?: { steps: Array<{ color: string; value: number | null }> } } }).defaults;
      const unit = expectedUnit((panel.targets ?? []).map((t) => t.expr ?? ''));
      if (unit) {
        checked += 1;
        expect(defaults?.unit, `unit of "${panel.title}"`).toBe(unit);
      }
      const exprs = (panel.targets ?? []).map((t) => t.expr ?? '');
      const incrementalLag = exprs.some((e) => /dbs_backup_lag_seconds\{(?![^}]*backup_type="full")/.test(e));
      if (incrementalLag) expect(defaults?.thresholds?.steps, `lag thresholds of "${panel.title}"`).toEqual([
        { color: 'green', value: null },
        { color: 'orange', value: 3600 },
        { color: 'red', value: 21600 },
      ]);
    }
    expect(checked).toBeGreaterThanOrEqual(15);
  });

  it('every query, with variables substituted, is valid PromQL (promtool check rules)', () => {
    const d = loadDashboard();
    const exprs = [
      ...dashboardQueries(d).map((q) => ({ what: `${q.panel} (${q.refId})`, expr: q.expr })),
      ...variables(d)
        .filter((v) => v.type === 'query')
        .map((v) => ({ what: `variable ${v.name}`, expr: /^label_values\((.*),\s*\w+\)$/.exec(variableQuery(v))?.[1] ?? '' })),
    ];
    const checked = checkRules(exprs.map((e) => substituteVariables(e.expr)));
    expect(checked.output, exprs.map((e, i) => `dashboard:query_${i}: ${e.what}`).join('\n')).toContain(`SUCCESS: ${exprs.length} rules found`);
    expect(checked.status).toBe(0);
  });

  it('the promtool check does reject invalid PromQL (control)', () => {
    const checked = checkRules(['sum by (status) (dbs_backup_plan_status{account=~".*"} == 1', 'rate(dbs_backup_jobs_failed_total[$__rate_interval])']);
    expect(checked.status).not.toBe(0);
  });
});

describe('dashboard-queries helpers', () => {
  it('dashboardQueries reads panels in order, including children of collapsed rows', () => {
    const d: Dashboard = {
      panels: [
        { type: 'stat', title: 'a', targets: [{ refId: 'A', expr: 'up' }, { refId: 'B', expr: ' ' }] },
        { type: 'row', title: 'r', collapsed: true, panels: [{ type: 'timeseries', title: 'b', targets: [{ refId: 'A', expr: 'x' }] }] },
      ],
    };
    expect(dashboardQueries(d)).toEqual([
      { panel: 'a', expr: 'up', refId: 'A', row: '' },
      { panel: 'b', expr: 'x', refId: 'A', row: 'r' },
    ]);
  });

  it('substituteVariables turns every Grafana variable form into plain PromQL', () => {
    expect(substituteVariables('rate(m{account=~"$account",region=~"${region}",backup_plan_id=~"${backup_plan_id:regex}"}[$__rate_interval])')).toBe(
      'rate(m{account=~".*",region=~".*",backup_plan_id=~".*"}[1m])',
    );
    expect(substituteVariables('increase(m{a=~"[[account]]"}[$__range]) + avg_over_time(m[${__interval}])')).toBe('increase(m{a=~".*"}[5m]) + avg_over_time(m[1m])');
    expect(substituteVariables('time() - dbs_exporter_last_cycle_timestamp_seconds')).toBe('time() - dbs_exporter_last_cycle_timestamp_seconds');
    expect(() => substituteVariables('m{x=~"$nope"}')).toThrow(/unknown Grafana variable \$nope/);
    expect(() => substituteVariables('m[$__range_s]')).toThrow(/unknown Grafana variable/);
  });
});

/** Parse expressions for real: one recording rule per expression, checked by promtool. */
function checkRules(exprs: string[]): { status: number; output: string } {
  const dir = mkdtempSync(join(tmpdir(), 'dbs-dashboard-'));
  try {
    const file = join(dir, 'rules.yml');
    // JSON is YAML: no quoting issues with PromQL strings.
    writeFileSync(file, JSON.stringify({ groups: [{ name: 'dashboard', rules: exprs.map((expr, i) => ({ record: `dashboard:query_${i}`, expr })) }] }, null, 2));
    const result = promtool(['check', 'rules', file]);
    return { status: result.status, output: result.stdout + result.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
