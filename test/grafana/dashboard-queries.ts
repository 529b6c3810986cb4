/**
 * Reading the PromQL out of the Grafana dashboard (config/grafana/dbs-exporter.json), and
 * turning Grafana's template variables into plain PromQL so the queries can be parsed by
 * promtool or evaluated by a real Prometheus.
 */

/** The parts of a Grafana dashboard these helpers read; everything else is ignored. */
export interface DashboardTarget {
  refId?: string;
  expr?: string;
  hide?: boolean;
  datasource?: { type?: string; uid?: string };
}

export interface DashboardPanel {
  id?: number;
  type?: string;
  title?: string;
  collapsed?: boolean;
  gridPos?: { h: number; w: number; x: number; y: number };
  targets?: DashboardTarget[];
  /** Children of a collapsed row. */
  panels?: DashboardPanel[];
  [key: string]: unknown;
}

export interface Dashboard {
  panels?: DashboardPanel[];
  [key: string]: unknown;
}

export interface DashboardQuery {
  /** Title of the panel the query belongs to. */
  panel: string;
  expr: string;
  refId: string;
  /** Title of the row the panel sits under ('' before the first row). */
  row: string;
}

/**
 * Every PromQL expression of the dashboard, in panel order, including panels nested in
 * collapsed rows. Targets without an expression are skipped; hidden ones are included
 * (a hidden query still has to be valid).
 */
export function dashboardQueries(dashboard: Dashboard): DashboardQuery[] {
  const queries: DashboardQuery[] = [];
  const visit = (panel: DashboardPanel, row: string) => {
    for (const target of panel.targets ?? []) {
      if (typeof target.expr === 'string' && target.expr.trim() !== '') {
        queries.push({ panel: panel.title ?? `panel ${panel.id ?? '?'}`, expr: target.expr, refId: target.refId ?? '', row });
      }
    }
  };
  let row = '';
  for (const panel of dashboard.panels ?? []) {
    if (panel.type === 'row') {
      row = panel.title ?? '';
      for (const child of panel.panels ?? []) visit(child, row);
      continue;
    }
    visit(panel, row);
  }
  return queries;
}

/** The dashboard's own template variables: all three are multi-selects whose "All" is `.*`. */
export const PLAN_VARIABLES = ['account', 'region', 'backup_plan_id'] as const;

/** Grafana's built-in interval variables and the fixed values used in their place. */
const BUILTINS: Record<string, string> = {
  __rate_interval: '1m',
  __interval: '1m',
  __range: '5m',
};

/** Grafana's variable forms: `${name}`, `${name:format}`, `[[name]]`, `[[name:format]]`, `$name`. */
const VARIABLE = /\$\{([A-Za-z0-9_]+)(?::[^}]*)?\}|\[\[([A-Za-z0-9_]+)(?::[^\]]*)?\]\]|\$([A-Za-z0-9_]+)/g;

const replaceVariables = (expr: string, value: (name: string, raw: string) => string): string =>
  expr.replace(VARIABLE, (raw: string, braced?: string, bracketed?: string, bare?: string) => value((braced ?? bracketed ?? bare)!, raw));

/**
 * Replace Grafana variables with values that make the expression plain PromQL:
 * `$account`, `$region`, `$backup_plan_id` (also as `${name}`, `${name:format}` and `[[name]]`)
 * become `.*` (what "All" sends, so they only ever appear inside `=~"..."`); `$__rate_interval`
 * becomes `1m`, `$__range` `5m` and `$__interval` `1m`. Any other variable is an error rather
 * than being left in place to fail later as a confusing parse error.
 */
export function substituteVariables(expr: string): string {
  return replaceVariables(expr, (name, raw) => {
    if (Object.hasOwn(BUILTINS, name)) return BUILTINS[name]!;
    if ((PLAN_VARIABLES as readonly string[]).includes(name)) return '.*';
    throw new Error(`unknown Grafana variable ${raw} in: ${expr}`);
  });
}

/**
 * Replace only Grafana's interval variables, so the expression parses while the plan
 * variables stay in the label values the dashboard filters by.
 */
export function substituteIntervals(expr: string): string {
  return replaceVariables(expr, (name, raw) => (Object.hasOwn(BUILTINS, name) ? BUILTINS[name]! : raw));
}
