/**
 * A small model of what dbs-exporter serves, step by step, rendered as promtool input series; and the
 * expected alerts, with their annotations rendered from the shipped rules. Times are minutes from
 * 1970-01-01T00:00:00Z (promtool's time 0); DBS timestamps in the series are seconds.
 *
 * A scenario: `step` (minutes between scrapes), `minutes` (its length), `instances` (an exporter pod:
 * `instance`, `pod`, `processes` [{ from, to, lookbackFrom? }] that serve in turn, `removedAt` when its
 * scrape target goes away), `targets` ({ account, region, down: [[from, to]] } when the plan list
 * fails), `plans` ({ id, account, region, status, listed(m), excluded(m), interval, created, logEnabled (or logEnabled(m)), pollDown,
 * jobs }), `requests` (API counters), `checks` (alert tests and PromQL tests).
 *
 * The exporter as modelled: a process's first poll of a plan reads LOOKBACK back (or from
 * `lookbackFrom`); a failed plan list keeps the last plans; failed job listings keep the last good
 * timestamps, and the running job only for STALENESS; a plan no longer listed loses its series; a
 * process that never polled a plan exports only what the plan list says. Prometheus writes a stale
 * marker when a series it scraped is gone (a failed scrape, a vanished series).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

export const LOOKBACK = 72 * 60; // minutes
export const STALENESS = 15; // minutes (collection.max_staleness)
export const STATUSES = ['wait', 'init', 'running', 'stop', 'pause', 'locked', 'check_pass'];
export const H = 60;
export const D = 1440;

const RULES = parse(readFileSync(new URL('../../../config/prometheus/dbs-exporter.rules.yml', import.meta.url), 'utf8'));
const ALERT_RULES = Object.fromEntries(RULES.groups.flatMap((g) => g.rules).filter((r) => r.alert).map((r) => [r.alert, r]));
export const ALERT_NAMES = Object.keys(ALERT_RULES);

const inRanges = (ranges, m) => (ranges ?? []).some(([a, b]) => m >= a && m <= b);
const sec = (minutes) => Math.round(minutes * 60);

// ---------------------------------------------------------------- exporter model
function targetOk(s, account, region, m) {
  const t = s.targets.find((x) => x.account === account && x.region === region);
  return !inRanges(t?.down, m);
}
const listed = (plan, m) => (plan.listed ? plan.listed(m) : true);
const statusAt = (plan, m) => (typeof plan.status === 'function' ? plan.status(m) : plan.status ?? 'running');
function pollOk(s, plan, m) {
  return targetOk(s, plan.account, plan.region, m) && listed(plan, m) && !inRanges(plan.pollDown, m);
}
function restorableStart(plan, m) {
  if (plan.restorable) return plan.restorable(m);
  const sets = plan.jobs.filter((j) => j.type === 'full' && j.ok && j.end <= m && (j.expiry === undefined || j.expiry > m));
  return sets.length ? Math.min(...sets.map((j) => j.start)) : undefined;
}

/** Values a process serves at minute m: Map of series key -> value. */
function processValues(s, inst, p, m, out) {
  const base = { job: 'dbs-exporter', instance: inst.instance, ...(inst.pod ? { pod: inst.pod } : {}) };
  const put = (name, labels, v) => {
    if (v === undefined || v === null || Number.isNaN(v)) return;
    out.set(seriesKey(name, { ...base, ...labels }), v);
  };
  for (const t of s.targets) {
    const tl = { account: t.account, region: t.region };
    put('dbs_exporter_target_up', tl, targetOk(s, t.account, t.region, m) ? 1 : 0);
  }
  for (const r of s.requests ?? []) {
    let total = 0;
    for (let x = p.from + s.step; x <= m; x += s.step) total += r.perStep(x, s);
    put('dbs_exporter_api_requests_total', { account: r.account, action: r.action, code: r.code }, total);
  }
  gatewayValues(s, p, m, put);
  for (const plan of s.plans) {
    const pl = { account: plan.account, region: plan.region, backup_plan_id: plan.id };
    // last successful discovery by this process
    let d;
    for (let x = m; x >= p.from; x -= s.step) if (targetOk(s, plan.account, plan.region, x)) { d = x; break; }
    if (d === undefined || !listed(plan, d)) continue;
    // Listed, but left out by the exporter's plan selection (e.g. a status filter): only the marker.
    if (plan.excluded?.(d)) {
      put('dbs_exporter_plan_excluded', pl, 1);
      continue;
    }
    put('dbs_exporter_plan_poll_success', pl, pollOk(s, plan, m) ? 1 : 0);
    const status = statusAt(plan, d);
    for (const st of STATUSES) put('dbs_backup_plan_status', { ...pl, status: st }, st === status ? 1 : 0);
    if (plan.interval !== undefined) put('dbs_backup_plan_full_backup_interval_seconds', pl, plan.interval);
    put('dbs_backup_plan_create_timestamp_seconds', pl, sec(plan.created));
    const logEnabled = typeof plan.logEnabled === 'function' ? plan.logEnabled(d) : plan.logEnabled;
    if (logEnabled !== undefined) put('dbs_backup_plan_log_backup_enabled', pl, logEnabled ? 1 : 0);
    const rs = restorableStart(plan, d);
    if (rs !== undefined) put('dbs_backup_plan_restorable_start_timestamp_seconds', pl, sec(rs));
    // issue 23: from the plan list and the exporter's configuration, every cycle
    const intended = typeof plan.logOffIntended === 'function' ? plan.logOffIntended(d) : plan.logOffIntended;
    if (intended) put('dbs_backup_plan_log_backup_off_intended', pl, 1);
    if (plan.drillMaxAge !== undefined) put('dbs_restore_drill_max_age_seconds', pl, plan.drillMaxAge);
    if (plan.drillRto !== undefined) put('dbs_restore_drill_rto_seconds', pl, plan.drillRto);
    planListOperations(plan, d, (name, labels, v) => put(name, { ...pl, ...labels }, v));
    // job listings: last good poll, first good poll
    let g, first;
    for (let x = p.from; x <= m; x += s.step) if (pollOk(s, plan, x)) { if (first === undefined) first = x; g = x; }
    if (g === undefined) continue;
    const windowStart = p.lookbackFrom ?? first - LOOKBACK;
    restoreValues(s, p, plan, m, windowStart, (name, labels, v) => put(name, { ...pl, ...labels }, v));
    billingValues(s, p, plan, m, (name, labels, v) => put(name, { ...pl, ...labels }, v));
    for (const type of ['full', 'incremental']) {
      const tl = { ...pl, backup_type: type };
      put('dbs_backup_history_start_timestamp_seconds', tl, sec(Math.max(windowStart, plan.created)));
      const seen = plan.jobs.filter((j) => j.type === type && j.start >= windowStart);
      const done = seen.filter((j) => j.end <= g);
      const okJobs = done.filter((j) => j.ok);
      const last = okJobs.reduce((a, j) => (!a || j.end > a.end ? j : a), undefined);
      if (last) {
        put('dbs_backup_last_success_timestamp_seconds', tl, sec(last.end));
        if (type === 'full') {
          put('dbs_backup_last_duration_seconds', tl, sec(last.end - last.start));
          if (last.expiry !== undefined) put('dbs_backup_last_success_expiry_timestamp_seconds', tl, sec(last.expiry));
        }
      }
      const failures = done.filter((j) => !j.ok);
      if (failures.length) put('dbs_backup_last_failure_timestamp_seconds', tl, sec(Math.max(...failures.map((j) => j.end))));
      // DescribeJobErrorCode: the reason of the newest failed full, asked once it is seen
      const newestFailure = failures.reduce((a, j) => (!a || j.end > a.end ? j : a), undefined);
      if (type === 'full' && newestFailure?.reason) put('dbs_backup_last_failure_reason_info', { ...tl, error_code: newestFailure.reason.code, error_message: newestFailure.reason.message }, 1);
      if (m - g <= STALENESS) {
        const running = seen.filter((j) => j.start <= g && j.end > g);
        if (running.length) {
          const j = running[0];
          put('dbs_backup_running_since_timestamp_seconds', tl, sec(j.start));
          put('dbs_backup_running_size_bytes', tl, Math.round(j.size(g)));
        }
      }
    }
  }
}

/**
 * The restore series (issue 23) as of the process's last good poll of each source: DescribeRestoreRangeInfo
 * every RANGE_EVERY minutes (window: the plan's retention), DescribeRestoreTaskList every TASK_EVERY minutes
 * (tasks that started within the process's lookback). A source runs at the process's first poll, then once its
 * interval has passed since its last run; a failed poll runs none and is retried at the next cycle. `plan.ranges(m)`: DBS's restorable ranges at minute m, [{ type: 'point' |
 * 'range', start, end }]; `plan.restores`: [{ start, end, ok, drill, point }]. What DBS said is kept while polls fail.
 */
export const RANGE_EVERY = 15;
export const TASK_EVERY = 5;
function restoreValues(s, p, plan, m, taskWindowStart, put) {
  // a source runs when due (never run, or `every` since its last run); a failed poll runs nothing and is retried next cycle
  const lastPoll = (every) => {
    let g;
    for (let x = p.from; x <= m; x += s.step) if ((g === undefined || x - g >= every) && pollOk(s, plan, x)) g = x;
    return g;
  };
  const gr = plan.ranges ? lastPoll(RANGE_EVERY) : undefined;
  if (gr !== undefined) {
    const ranges = plan.ranges(gr);
    put('dbs_restore_window_start_timestamp_seconds', {}, sec(gr - (plan.retention ?? 7 * D)));
    for (const type of ['point', 'range']) put('dbs_restore_ranges', { range_type: type }, ranges.filter((r) => r.type === type).length);
    const continuous = ranges.filter((r) => r.type === 'range').sort((a, b) => a.start - b.start);
    if (continuous.length) put('dbs_restore_recovery_point_timestamp_seconds', {}, sec(Math.max(...continuous.map((r) => r.end))));
    if (ranges.length) put('dbs_restore_latest_point_timestamp_seconds', {}, sec(Math.max(...ranges.map((r) => r.end))));
    const gaps = continuous.slice(1).map((r, i) => ({ seconds: sec(r.start - continuous[i].end), end: sec(r.start) })).filter((g) => g.seconds > 0);
    put('dbs_restore_gaps', {}, gaps.length);
    put('dbs_restore_gap_seconds', {}, gaps.reduce((a, g) => a + g.seconds, 0));
    if (gaps.length) {
      const largest = gaps.reduce((a, g) => (g.seconds > a.seconds ? g : a));
      const newest = gaps.reduce((a, g) => (g.end > a.end ? g : a));
      put('dbs_restore_largest_gap_seconds', {}, largest.seconds);
      put('dbs_restore_largest_gap_end_timestamp_seconds', {}, largest.end);
      put('dbs_restore_newest_gap_seconds', {}, newest.seconds);
      put('dbs_restore_newest_gap_end_timestamp_seconds', {}, newest.end);
    }
  }
  const gt = plan.restores ? lastPoll(TASK_EVERY) : undefined;
  if (gt !== undefined) {
    const done = plan.restores.filter((r) => r.start >= taskWindowStart && r.end <= gt);
    const newest = (tasks) => tasks.reduce((a, r) => (!a || r.end > a.end ? r : a), undefined);
    for (const [prefix, tasks] of [['dbs_restore', done], ['dbs_restore_drill', done.filter((r) => r.drill)]]) {
      const ok = newest(tasks.filter((r) => r.ok));
      const failed = newest(tasks.filter((r) => !r.ok));
      if (ok) {
        put(`${prefix}_last_success_timestamp_seconds`, {}, sec(ok.end));
        put(`${prefix}_last_success_duration_seconds`, {}, sec(ok.end - ok.start));
        if (prefix === 'dbs_restore_drill' && ok.point !== undefined) put('dbs_restore_drill_last_restore_point_timestamp_seconds', {}, sec(ok.point));
      }
      if (failed) put(`${prefix}_last_failure_timestamp_seconds`, {}, sec(failed.end));
    }
  }
}

/**
 * Operational stops (docs/design/operational-stops.md), from the plan list and the configuration, as of the
 * process's last discovery d. `plan.expiry` (minutes, prepaid plans), `plan.gateway` (backup gateway id),
 * `plan.encrypted`, `plan.retention` ({ full, incremental } seconds, or a function of m); expectations:
 * `plan.minRetention` ({ full?, incremental? } seconds), `plan.encryptionRequired`, `plan.trafficRatio`.
 */
const valueAt = (v, m) => (typeof v === 'function' ? v(m) : v);
function planListOperations(plan, d, put) {
  const expiry = valueAt(plan.expiry, d);
  if (expiry !== undefined) put('dbs_backup_plan_expiry_timestamp_seconds', {}, sec(expiry));
  const gateway = valueAt(plan.gateway, d);
  if (gateway !== undefined || expiry !== undefined || plan.encrypted !== undefined) {
    put('dbs_backup_plan_settings_info', { charge_type: expiry !== undefined ? 'PREPAY' : 'POSTPAY', storage_encrypt_method: valueAt(plan.encrypted, d) ? 'kms' : '', backup_gateway_id: gateway ?? '' }, 1);
  }
  if (plan.encrypted !== undefined) put('dbs_backup_plan_storage_encrypted', {}, valueAt(plan.encrypted, d) ? 1 : 0);
  const retention = valueAt(plan.retention, d);
  for (const [type, v] of Object.entries(retention ?? {})) put('dbs_backup_retention_seconds', { backup_type: type }, v);
  for (const [type, v] of Object.entries(plan.minRetention ?? {})) put('dbs_backup_retention_minimum_seconds', { backup_type: type }, v);
  if (plan.encryptionRequired) put('dbs_backup_plan_storage_encryption_required', {}, 1);
  if (plan.trafficRatio !== undefined) put('dbs_backup_traffic_alert_ratio', {}, plan.trafficRatio);
}

/**
 * DescribeBackupPlanBilling every BILLING_EVERY minutes (at the process's first poll, then when due; a failed poll
 * runs none and is retried next cycle; what DBS said is kept). `plan.billing(m)`: { free (bytes, absent when
 * unlimited or not sent), unlimited, used: { full, incremental } }.
 */
export const BILLING_EVERY = 60;
function billingValues(s, p, plan, m, put) {
  if (!plan.billing) return;
  let g;
  for (let x = p.from; x <= m; x += s.step) if ((g === undefined || x - g >= BILLING_EVERY) && pollOk(s, plan, x)) g = x;
  if (g === undefined) return;
  const b = plan.billing(g);
  put('dbs_backup_billing_supported', {}, 1);
  if (b.free !== undefined && !b.unlimited) put('dbs_backup_traffic_free_bytes', {}, b.free);
  put('dbs_backup_traffic_free_unlimited', {}, b.unlimited ? 1 : 0);
  for (const [type, v] of Object.entries(b.used)) put('dbs_backup_traffic_used_bytes', { backup_type: type }, v);
}

/**
 * DescribeBackupGatewayList per target every cycle (`s.gateways`: { account, region, id, name, hostname,
 * status(m), heartbeat(m) (minutes) }); a target's `gatewayDown` ranges (or its plan list down) fail the listing:
 * the last good listing's series stay, and dbs_exporter_gateway_list_success is 0.
 */
const GATEWAY_STATUSES = ['ONLINE', 'OFFLINE', 'STOPPED', 'UPGRADING'];
function gatewayValues(s, p, m, put) {
  if (!s.gateways) return;
  for (const t of s.targets) {
    const ok = (x) => targetOk(s, t.account, t.region, x) && !inRanges(t.gatewayDown, x);
    put('dbs_exporter_gateway_list_success', { account: t.account, region: t.region }, ok(m) ? 1 : 0);
    let d;
    for (let x = m; x >= p.from; x -= s.step) if (ok(x)) { d = x; break; }
    if (d === undefined) continue;
    put('dbs_exporter_gateway_list_last_success_timestamp_seconds', { account: t.account, region: t.region }, sec(d));
    for (const gw of s.gateways.filter((x) => x.account === t.account && x.region === t.region)) {
      const gl = { account: gw.account, region: gw.region, backup_gateway_id: gw.id };
      put('dbs_backup_gateway_info', { ...gl, display_name: gw.name, identifier: `dbsgw-${gw.id}`, hostname: gw.hostname }, 1);
      const status = valueAt(gw.status, d);
      for (const st of GATEWAY_STATUSES) put('dbs_backup_gateway_status', { ...gl, status: st }, st === status ? 1 : 0);
      put('dbs_backup_gateway_last_heartbeat_timestamp_seconds', gl, sec(valueAt(gw.heartbeat, d)));
      put('dbs_backup_gateway_plans', gl, s.plans.filter((pl) => pl.account === gw.account && pl.region === gw.region && valueAt(pl.gateway, d) === gw.id && listed(pl, d)).length);
    }
  }
}

export function seriesKey(name, labels) {
  return `${name}{${Object.entries(labels).map(([k, v]) => `${k}="${v}"`).join(',')}}`;
}

/** Every series of the scenario: key -> array of value | null | 'stale'. */
export function buildSeries(s) {
  const steps = Math.floor(s.minutes / s.step) + 1;
  const series = new Map();
  const order = [];
  const at = (key) => {
    if (!series.has(key)) { series.set(key, new Array(steps).fill(null)); order.push(key); }
    return series.get(key);
  };
  for (const inst of s.instances) {
    const base = { job: 'dbs-exporter', instance: inst.instance, ...(inst.pod ? { pod: inst.pod } : {}) };
    const upKey = seriesKey('up', base);
    const firstFrom = Math.min(...inst.processes.map((p) => p.from));
    for (let i = 0; i < steps; i++) {
      const m = i * s.step;
      const p = inst.processes.find((q) => m >= q.from && m <= q.to);
      const down = inRanges(inst.down, m);
      // up: 1 while a process serves, 0 between processes (failed scrapes) or while down, gone once removed
      let up = null;
      if (p && !down) up = 1;
      else if (m >= firstFrom && (inst.removedAt === undefined || m < inst.removedAt)) up = 0;
      if (up !== null) at(upKey)[i] = up;
      if (p && !down) {
        const values = new Map();
        processValues(s, inst, p, m, values);
        for (const [k, v] of values) at(k)[i] = v;
      }
    }
  }
  // stale markers: a series present at the previous step and absent now
  for (const key of order) {
    const v = series.get(key);
    for (let i = v.length - 1; i > 0; i--) if (v[i] === null && typeof v[i - 1] === 'number') v[i] = 'stale';
  }
  // trailing absence is just the end of the series
  for (const key of order) {
    const v = series.get(key);
    while (v.length && v[v.length - 1] === null) v.pop();
  }
  return { series, order };
}

// ---------------------------------------------------------------- promtool notation
const fmt = (n) => String(n);
export function compress(values) {
  const out = [];
  let i = 0;
  while (i < values.length) {
    const v = values[i];
    if (v === 'stale') { out.push('stale'); i++; continue; }
    if (v === null) {
      let j = i;
      while (j < values.length && values[j] === null) j++;
      out.push(j - i === 1 ? '_' : `_x${j - i}`);
      i = j;
      continue;
    }
    let j = i + 1;
    if (typeof values[j] === 'number') {
      const d = values[j] - v;
      while (j < values.length && typeof values[j] === 'number' && values[j] - values[j - 1] === d) j++;
      const n = j - i - 1;
      if (n === 0) out.push(fmt(v));
      else if (d === 0) out.push(`${fmt(v)}x${n}`);
      else out.push(`${fmt(v)}${d > 0 ? '+' : '-'}${fmt(Math.abs(d))}x${n}`);
      i = j;
      continue;
    }
    out.push(fmt(v));
    i = j;
  }
  return out.join(' ');
}

// ---------------------------------------------------------------- annotations
export function humanizeDuration(v) {
  if (v === 0) return '0s';
  if (Math.abs(v) >= 1) {
    let sign = '';
    if (v < 0) { sign = '-'; v = -v; }
    const d = Math.trunc(v);
    const seconds = d % 60, minutes = Math.trunc(d / 60) % 60, hours = Math.trunc(d / 3600) % 24, days = Math.trunc(d / 86400);
    if (days) return `${sign}${days}d ${hours}h ${minutes}m ${seconds}s`;
    if (hours) return `${sign}${hours}h ${minutes}m ${seconds}s`;
    if (minutes) return `${sign}${minutes}m ${seconds}s`;
    return `${sign}${Number(v.toPrecision(4))}s`;
  }
  throw new Error(`humanizeDuration(${v}) not modelled`);
}
export function humanizeTimestamp(v) {
  const t = new Date(v * 1000);
  const p = (n) => String(n).padStart(2, '0');
  return `${t.getUTCFullYear()}-${p(t.getUTCMonth() + 1)}-${p(t.getUTCDate())} ${p(t.getUTCHours())}:${p(t.getUTCMinutes())}:${p(t.getUTCSeconds())} +0000 UTC`;
}
function humanizePercentage(v) {
  return `${Number((v * 100).toPrecision(4))}%`;
}
/** `{{ with printf "<record>{...}" ... | query }}{{ . | first | value | fn }}{{ end }}`: the value the test gives for <record>. */
const QUERY = /\{\{ with printf "([\w:]+)\{[^"]*\}" [^|]*\| query \}\}\{\{ \. \| first \| value \| (\w+) \}\}\{\{ end \}\}/g;
/**
 * `{{ with printf "...<metric>{...}..." ... | query }}{{ with . | first }}text {{ .Labels.x }}{{ end }}{{ end }}`: the text with
 * the labels the test gives for <metric> (the first series name in the query), or nothing when it gives none.
 */
const LABEL_QUERY = /\{\{ with printf "([^"]*)" [^|]*\| query \}\}\{\{ with \. \| first \}\}(.*?)\{\{ end \}\}\{\{ end \}\}/g;
function render(template, labels, value, queries = {}) {
  template = template.replace(QUERY, (_, record, fn) => {
    if (!(record in queries)) throw new Error(`the expected alert needs queries['${record}']`);
    return `{{ ${queries[record]} | ${fn} }}`;
  });
  template = template.replace(LABEL_QUERY, (_, query, text) => {
    const metric = /([\w:]+)\{/.exec(query)[1];
    const found = queries[metric];
    if (found === undefined) return '';
    return text.replace(/\{\{ \.Labels\.(\w+) \}\}/g, (__, name) => {
      if (!(name in found)) throw new Error(`queries['${metric}'] needs the label ${name}`);
      return found[name];
    });
  });
  return template.replace(/\{\{ ([^}]+?) \}\}/g, (_, expr) => {
    const [src, fn] = expr.split('|').map((x) => x.trim());
    let v;
    if (src.startsWith('$labels.')) v = labels[src.slice(8)] ?? '';
    else if (src === '$value') v = value;
    else v = Number(src);
    if (!fn) return String(v);
    if (fn === 'humanizeDuration') return humanizeDuration(v);
    if (fn === 'humanizeTimestamp') return humanizeTimestamp(v);
    if (fn === 'humanizePercentage') return humanizePercentage(v);
    throw new Error(fn);
  });
}
export function expectedAlert(name, labels, value, queries) {
  const rule = ALERT_RULES[name];
  if (!rule) throw new Error(`no alert ${name}`);
  const all = { ...labels, severity: rule.labels.severity };
  const ann = Object.fromEntries(Object.entries(rule.annotations).map(([k, t]) => [k, render(t, labels, value, queries)]));
  return { labels: all, annotations: ann };
}

// ---------------------------------------------------------------- YAML
const q = (s) => `'${String(s).replace(/'/g, "''")}'`;
export function duration(minutes) {
  if (minutes === 0) return '0m';
  let m = minutes;
  const d = Math.floor(m / D); m -= d * D;
  const h = Math.floor(m / H); m -= h * H;
  return `${d ? `${d}d` : ''}${h ? `${h}h` : ''}${m ? `${m}m` : ''}`;
}
const flow = (obj) => `{ ${Object.entries(obj).map(([k, v]) => `${k}: ${/^[A-Za-z0-9_.\-:]+$/.test(String(v)) && !/^[0-9.:\-]+$/.test(String(v)) ? v : q(v)}`).join(', ')} }`;

export function renderTest(s) {
  const lines = [];
  lines.push(`  - name: ${q(s.name)}`);
  for (const c of s.comment ?? []) lines.push(`    # ${c}`.trimEnd());
  lines.push(`    interval: ${s.step}m`);
  lines.push('    input_series:');
  const { series, order } = buildSeries(s);
  for (const key of order) {
    lines.push(`      - series: ${q(key)}`);
    lines.push(`        values: ${q(compress(series.get(key)))}`);
  }
  lines.push('    alert_rule_test:');
  const checks = [];
  for (const c of s.checks.filter((x) => !x.promql)) {
    if (c.none) for (const name of c.none) checks.push({ at: c.at, alert: name, firing: [] });
    if (c.alert) checks.push(c);
  }
  // by alert (in order of first mention), then by time
  const rank = new Map();
  for (const c of checks) if (!rank.has(c.alert)) rank.set(c.alert, rank.size);
  checks.sort((a, b) => rank.get(a.alert) - rank.get(b.alert) || a.at - b.at);
  for (const c of checks) {
    if (!c.firing.length) { lines.push(`      - { eval_time: ${duration(c.at)}, alertname: ${c.alert}, exp_alerts: [] }`); continue; }
    lines.push(`      - eval_time: ${duration(c.at)}`);
    lines.push(`        alertname: ${c.alert}`);
    lines.push('        exp_alerts:');
    for (const f of c.firing) {
      const { value, queries, ...labels } = f;
      const e = expectedAlert(c.alert, labels, value, queries);
      lines.push(`          - exp_labels: ${flow(e.labels)}`);
      lines.push('            exp_annotations:');
      for (const [k, v] of Object.entries(e.annotations)) lines.push(`              ${k}: ${q(v)}`);
    }
  }
  const promql = [...(s.promql ?? []), ...s.checks.filter((c) => c.promql).map((c) => c.promql)];
  if (promql.length) {
    lines.push('    promql_expr_test:');
    for (const t of promql) {
      lines.push(`      - expr: ${q(t.expr)}`);
      lines.push(`        eval_time: ${duration(t.at)}`);
      if (!t.samples.length) lines.push('        exp_samples: []');
      else {
        lines.push('        exp_samples:');
        for (const smp of t.samples) lines.push(`          - { labels: ${q(smp.labels)}, value: ${smp.value} }`);
      }
    }
  }
  return lines.join('\n');
}

/** Where a generated file goes: next to the scenarios' parent (test/rules/), or RULE_TESTS_OUT (the freshness test). */
export const outFile = (name) => (process.env.RULE_TESTS_OUT ? join(process.env.RULE_TESTS_OUT, name) : new URL(`../${name}`, import.meta.url));

export function renderFile(header, evaluationInterval, tests) {
  return [
    ...header.map((h) => `# ${h}`.trimEnd()),
    '# Generated by test/rules/scenarios/generate.mjs (node test/rules/scenarios/generate.mjs): edit the scenarios there.',
    'rule_files:',
    '  - ../../config/prometheus/dbs-exporter.rules.yml',
    '',
    `evaluation_interval: ${evaluationInterval}`,
    '',
    'tests:',
    tests.map(renderTest).join('\n\n'),
    '',
  ].join('\n');
}

// ---------------------------------------------------------------- scenario helpers
/** Log backups ending every `every` minutes in [from, to]; `fail(end)` marks failed ones. */
export function logJobs(from, to, { every = 5, fail = () => false, skip = () => false } = {}) {
  const jobs = [];
  for (let e = Math.ceil(from / every) * every; e <= to; e += every) {
    if (skip(e)) continue;
    jobs.push({ type: 'incremental', start: e - 0.5, end: e, ok: !fail(e) });
  }
  return jobs;
}
/** A full backup starting at `start` lasting `dur` minutes, growing `rate` bytes a minute (stalling from `stallAt`). */
export function full(start, { dur = 20, ok = true, retention = D, rate = 2_147_483_648, stallAt, resumeAt, base = 1_073_741_824 } = {}) {
  const end = start + dur;
  const size = (m) => {
    let grow = m - start;
    if (stallAt !== undefined && m > stallAt) grow = stallAt - start + (resumeAt !== undefined && m >= resumeAt ? m - resumeAt + 1 : 0);
    return base + rate * grow;
  };
  return { type: 'full', start, end, ok, ...(ok ? { expiry: end + retention } : {}), size };
}
