/**
 * The landing page as HTML: server-rendered, no script, no external asset (one inline style
 * sheet, allowed by its hash in the Content-Security-Policy), every value from DBS escaped by
 * the html`` helper. State is always written out (CRITICAL, WARNING, OK) as well as coloured.
 */
import { createHash } from 'node:crypto';
import { DEFAULT_THRESHOLDS } from '../../rules/rules.js';
import { type Health, type ProblemThresholds, formatDuration } from './problems.js';
import { gatewaysSection, operationsCell } from './operations-html.js';
import { SafeHtml, html } from './safe-html.js';
import { DEFAULT_QUERY, MAX_PER_PAGE, type PlanView, STATE_FILTERS, type StateFilter, type StatusQuery, type StatusView } from './view.js';

export const STATUS_API_PATH = '/api/v1/status';

const CSS = `
:root{color-scheme:light;--crit:#a50e1f;--crit-bg:#fde7ea;--warn:#7a4a00;--warn-bg:#fff1cc;--ok:#17612a;--ok-bg:#e3f3e7;--line:#d0d4d9;--muted:#55606b}
*{box-sizing:border-box}
body{margin:0 auto;max-width:110rem;padding:1rem 1.5rem;font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1d2329;background:#fff}
h1{font-size:1.5rem;margin:.2rem 0}h2{font-size:1.15rem;margin:1.4rem 0 .5rem}
a{color:#0b57a4}code{font:12px ui-monospace,SFMono-Regular,Menlo,monospace}
header nav ul{list-style:none;display:flex;flex-wrap:wrap;gap:1rem;padding:0;margin:.3rem 0}
.muted{color:var(--muted)}
.notice{border:1px solid #9cc3e8;background:#eef5fc;padding:.5rem 1rem;border-radius:4px}
.notice h2{margin:.3rem 0}
.error{border:2px solid var(--crit);background:var(--crit-bg);color:var(--crit);padding:.6rem 1rem;border-radius:4px;font-weight:600}
table{border-collapse:collapse;width:100%}
table.plans{font-size:13px}
th,td{border-bottom:1px solid var(--line);padding:.35rem .5rem;text-align:left;vertical-align:top}
th{background:#f3f5f7;font-weight:600;white-space:nowrap}
table.plans td{white-space:nowrap}
table.plans td.plan{white-space:normal;min-width:12rem;max-width:24rem;overflow-wrap:anywhere}
table.plans td.problems{white-space:normal;min-width:18rem;max-width:30rem}
table.plans td.operations{white-space:normal;min-width:12rem;max-width:18rem}
.badge{display:inline-block;min-width:5.5rem;text-align:center;font-weight:700;font-size:12px;letter-spacing:.03em;padding:.1rem .4rem;border-radius:3px;border:1px solid currentColor}
.badge.critical,.badge.down{color:var(--crit);background:var(--crit-bg)}
.badge.warning{color:var(--warn);background:var(--warn-bg)}
.badge.ok,.badge.up{color:var(--ok);background:var(--ok-bg)}
tr.critical td:first-child{border-left:6px solid var(--crit)}
tr.warning td:first-child{border-left:6px solid var(--warn)}
tr.ok td:first-child{border-left:6px solid var(--ok)}
ul.problems{margin:0;padding-left:1.1rem}
.bad{color:var(--crit);font-weight:600}
.summary a{margin-right:.8rem}
form.filter{display:flex;flex-wrap:wrap;gap:.6rem;align-items:end;margin:.5rem 0}
form.filter label{display:flex;flex-direction:column;font-size:12px;color:var(--muted)}
form.filter input,form.filter select,form.filter button{font:inherit;padding:.2rem .4rem}
nav.pages{display:flex;gap:.8rem;align-items:center;margin:.5rem 0}
footer{margin-top:2rem;color:var(--muted);font-size:12px}
`;

/** The style sheet, inserted verbatim: it is ours, and its hash must match the CSP's. */
const STYLE = new SafeHtml(CSS);

/** The Content-Security-Policy of the page: nothing but its own style sheet; forms post back to it. */
export const LANDING_CSP = `default-src 'none'; style-src 'sha256-${createHash('sha256').update(CSS).digest('base64')}'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'`;

const HEALTH_TEXT: Readonly<Record<Health, string>> = { critical: 'CRITICAL', warning: 'WARNING', ok: 'OK' };
const STATE_LABELS: Readonly<Record<StateFilter, string>> = {
  all: 'All plans, problems first',
  problems: 'Problems only',
  critical: 'Critical only',
  warning: 'Warning only',
  ok: 'OK only',
};
const PER_PAGE_CHOICES = [25, 50, 100, 200, MAX_PER_PAGE];

const iso = (ms: number) => new Date(ms).toISOString();
const readable = (ms: number) => `${iso(ms).slice(0, 19).replace('T', ' ')} UTC`;
const count = (n: number) => n.toLocaleString('en-US');

/** A past instant as "5m ago", its exact time on hover and in datetime. */
function ago(ms: number | undefined, nowMs: number, none = 'none known'): SafeHtml {
  if (ms === undefined) return html`<span class="muted">${none}</span>`;
  return html`<time datetime="${iso(ms)}" title="${readable(ms)}">${formatDuration((nowMs - ms) / 1000)} ago</time>`;
}

function until(ms: number, nowMs: number): SafeHtml {
  const text = ms >= nowMs ? `in ${formatDuration((ms - nowMs) / 1000)}` : `expired ${formatDuration((nowMs - ms) / 1000)} ago`;
  return html`<time datetime="${iso(ms)}" title="${readable(ms)}">${text}</time>`;
}

/** `/` with the query's non-default parameters, and `changes` applied. */
export function pageHref(query: StatusQuery, changes: Partial<StatusQuery> = {}): string {
  const q = { ...query, ...changes };
  const params = new URLSearchParams();
  if (q.q !== '') params.set('q', q.q);
  if (q.state !== DEFAULT_QUERY.state) params.set('state', q.state);
  if (q.account !== '') params.set('account', q.account);
  if (q.region !== '') params.set('region', q.region);
  if (q.perPage !== DEFAULT_QUERY.perPage) params.set('per_page', String(q.perPage));
  if (q.page !== 1) params.set('page', String(q.page));
  const search = params.toString();
  return search === '' ? '/' : `/?${search}`;
}

function planRow(plan: PlanView, asOfMs: number): SafeHtml {
  const logBackup =
    plan.logBackupEnabled === false ? html`<span class="muted">off</span>` : ago(plan.lastLogEndMs, asOfMs);
  const lag = plan.logBackupLag ? `${plan.logBackupLag.atLeast ? '≥ ' : ''}${formatDuration(plan.logBackupLag.seconds)}` : '—';
  const running =
    plan.runningJobs.length === 0
      ? html`<span class="muted">none</span>`
      : plan.runningJobs.map(
          (job) =>
            html`<div>${job.backupType}, ${formatDuration((asOfMs - job.sinceMs) / 1000)}${job.stalled ? html` <span class="bad">STALLED</span> (no progress for ${formatDuration((asOfMs - job.lastProgressMs) / 1000)})` : ''}</div>`,
        );
  const poll = plan.pollOk ? html`<span>OK</span> ${ago(plan.lastPollAttemptMs, asOfMs, '')}` : html`<span class="bad">FAILED</span> ${ago(plan.lastPollAttemptMs, asOfMs, '')}`;
  return html`<tr class="${plan.health}" data-health="${plan.health}" data-plan-id="${plan.planId}">
<td><span class="badge ${plan.health}">${HEALTH_TEXT[plan.health]}</span></td>
<td class="plan"><strong class="plan-name">${plan.name || html`<span class="muted">(no name)</span>`}</strong><br><code class="plan-id">${plan.planId}</code></td>
<td class="problems">${plan.problems.length === 0 ? html`<span class="muted">none</span>` : html`<ul class="problems">${plan.problems.map((p) => html`<li title="${p.alert}">${p.text}</li>`)}</ul>`}</td>
<td class="operations">${operationsCell(plan, asOfMs)}</td>
<td>${plan.account}</td><td>${plan.region}</td>
<td>${plan.status === 'running' ? plan.status : html`<span class="bad">${plan.status || 'unknown'}</span>`}</td>
<td>${plan.databaseType ?? html`<span class="muted">unknown</span>`}</td>
<td>${ago(plan.lastFullEndMs, asOfMs)}</td>
<td>${logBackup}</td>
<td>${lag}</td>
<td>${running}</td>
<td>${poll}</td>
<td>${plan.newestFullExpiryMs === undefined ? html`<span class="muted">—</span>` : until(plan.newestFullExpiryMs, asOfMs)}</td>
<td class="restorable">${restorableCell(plan, asOfMs)}</td>
<td class="restores">${restoresCell(plan, asOfMs)}</td>
</tr>`;
}

/** Where a restore can go back to: the recovery point (or a full backup alone), and the gaps before it. */
function restorableCell(plan: PlanView, asOfMs: number): SafeHtml {
  const r = plan.restorable;
  if (!r) return html`<span class="muted">not read yet</span>`;
  const point =
    r.recoveryPointMs !== undefined
      ? html`any time to ${ago(r.recoveryPointMs, asOfMs)}`
      : r.latestPointMs !== undefined
        ? html`full backups only, newest ${ago(r.latestPointMs, asOfMs)}`
        : html`<span class="bad">nothing restorable</span>`;
  const gap = r.newestGap;
  const gaps =
    r.gaps === 0 || !gap
      ? ''
      : html`<div class="bad">${count(r.gaps)} ${r.gaps === 1 ? 'gap' : 'gaps'} (${formatDuration(r.gapSeconds)}); newest ended ${ago(gap.endMs, asOfMs)}</div>`;
  return html`<div>${point}</div>${gaps}`;
}

function restoresCell(plan: PlanView, asOfMs: number): SafeHtml {
  const t = plan.restores;
  if (!t) return html`<span class="muted">not read yet</span>`;
  const failedLast = t.lastFailureMs !== undefined && (t.lastSuccessMs === undefined || t.lastFailureMs > t.lastSuccessMs);
  const restore =
    t.lastSuccessMs === undefined && t.lastFailureMs === undefined
      ? html`<span class="muted">no restore</span>`
      : failedLast
        ? html`<span class="bad">failed</span> ${ago(t.lastFailureMs, asOfMs)}`
        : html`succeeded ${ago(t.lastSuccessMs, asOfMs)}`;
  const drill =
    t.drillLastSuccessMs === undefined
      ? html`<span class="muted">no drill</span>`
      : html`drill ${ago(t.drillLastSuccessMs, asOfMs)}${t.drillDurationSeconds !== undefined ? html`, took ${formatDuration(t.drillDurationSeconds)}` : ''}${t.drillRestorePointMs !== undefined ? html`, to ${readable(t.drillRestorePointMs)}` : ''}`;
  return html`<div>${restore}</div><div>${drill}</div>`;
}

function pager(view: StatusView): SafeHtml | false {
  const page = view.page;
  if (!page || page.pages <= 1) return false;
  const link = (to: number, text: string, rel?: string) =>
    to < 1 || to > page.pages || to === page.page ? html`<span class="muted">${text}</span>` : html`<a href="${pageHref(view.query, { page: to })}"${rel ? html` rel="${rel}"` : ''}>${text}</a>`;
  return html`<nav class="pages" aria-label="Pages">${link(1, '« First')}${link(page.page - 1, '‹ Previous', 'prev')}<span class="page-of">Page ${count(page.page)} of ${count(page.pages)}</span>${link(page.page + 1, 'Next ›', 'next')}${link(page.pages, 'Last »')}</nav>`;
}

function filterForm(view: StatusView): SafeHtml {
  const { query } = view;
  const raw = view.error?.raw;
  const targets = view.fleet?.targets ?? [];
  const accounts = [...new Set(targets.map((t) => t.account))];
  const regions = [...new Set(targets.map((t) => t.region))];
  const option = (value: string, label: string, selected: boolean) => html`<option value="${value}"${selected ? html` selected` : ''}>${label}</option>`;
  const perPages = PER_PAGE_CHOICES.includes(query.perPage) ? PER_PAGE_CHOICES : [...PER_PAGE_CHOICES, query.perPage].sort((a, b) => a - b);
  return html`<form class="filter" method="get" action="/">
<label>Plan name or id contains<input type="search" name="q" value="${raw?.q ?? query.q}" maxlength="200"></label>
<label>State<select name="state">${STATE_FILTERS.map((s) => option(s, STATE_LABELS[s], s === query.state))}</select></label>
<label>Account<select name="account">${option('', 'any', query.account === '')}${accounts.map((a) => option(a, a, a === query.account))}</select></label>
<label>Region<select name="region">${option('', 'any', query.region === '')}${regions.map((r) => option(r, r, r === query.region))}</select></label>
<label>Per page<select name="per_page">${perPages.map((n) => option(String(n), String(n), n === query.perPage))}</select></label>
<button type="submit">Apply</button> <a href="/">Reset</a>
</form>`;
}

function collection(view: StatusView): SafeHtml {
  const snapshot = view.fleet?.snapshot;
  const last = snapshot
    ? html`Last collection cycle: #${count(snapshot.cycle)}, finished <time datetime="${iso(snapshot.completedAtMs)}">${readable(snapshot.completedAtMs)}</time> (${formatDuration((view.nowMs - snapshot.completedAtMs) / 1000)} ago).`
    : html`<span class="bad">No collection cycle has finished yet.</span>`;
  const schedule = view.schedule;
  let next: SafeHtml;
  if (!schedule) next = html`No cycle is scheduled.`;
  else if (schedule.running) next = html`A cycle is running now${schedule.nextAtMs !== undefined ? html`; the next starts no earlier than <time datetime="${iso(schedule.nextAtMs)}">${readable(schedule.nextAtMs)}</time>` : ''}.`;
  else if (schedule.nextAtMs !== undefined) next = html`Next cycle: <time datetime="${iso(schedule.nextAtMs)}">${readable(schedule.nextAtMs)}</time> (in ${formatDuration((schedule.nextAtMs - view.nowMs) / 1000)}).`;
  else next = html`No cycle is scheduled.`;
  return html`<section id="collection"><h2>Collection</h2><p><span class="last-cycle">${last}</span> <span class="next-cycle">${next}</span></p></section>`;
}

function targetsSection(view: StatusView): SafeHtml {
  const fleet = view.fleet;
  if (!fleet) {
    return html`<section id="targets"><h2>Targets</h2>${view.configured.length > 0 && html`<ul>${view.configured.map((line) => html`<li>${line}</li>`)}</ul>`}</section>`;
  }
  const rows = fleet.targets.map(
    (t) => html`<tr data-account="${t.account}">
<td><span class="badge ${t.up ? 'up' : 'down'}">${t.up ? 'UP' : 'DOWN'}</span></td>
<td><a href="${pageHref({ ...DEFAULT_QUERY, account: t.account, region: t.region })}">${t.account}</a></td><td>${t.region}</td>
<td>${ago(t.lastListingSuccessMs, view.nowMs, 'never')}</td>
<td>${count(t.plans)}</td><td>${count(t.excluded)}</td><td>${t.problems > 0 ? html`<a href="${pageHref({ ...DEFAULT_QUERY, account: t.account, region: t.region, state: 'problems' })}">${count(t.problems)}</a>` : '0'}</td>
</tr>`,
  );
  return html`<section id="targets"><h2>Targets</h2><table class="targets"><thead><tr><th>Plan list</th><th>Account</th><th>Region</th><th>Last successful plan listing</th><th>Plans polled</th><th>Excluded by selection</th><th>Plans with problems</th></tr></thead><tbody>${rows}</tbody></table></section>`;
}

function plansSection(view: StatusView): SafeHtml | false {
  const { fleet, page } = view;
  if (!fleet) return false;
  const c = fleet.counts;
  const summary = html`<p class="summary"><strong>${count(c.total)} plans:</strong>
<a href="${pageHref(DEFAULT_QUERY, { state: 'critical' })}"><span class="badge critical">${count(c.critical)} CRITICAL</span></a>
<a href="${pageHref(DEFAULT_QUERY, { state: 'warning' })}"><span class="badge warning">${count(c.warning)} WARNING</span></a>
<a href="${pageHref(DEFAULT_QUERY, { state: 'ok' })}"><span class="badge ok">${count(c.ok)} OK</span></a></p>`;
  if (!page) return html`<section id="plans"><h2>Backup plans</h2>${summary}${filterForm(view)}</section>`;
  const shown =
    page.matching === 0
      ? html`No plan matches.`
      : page.plans.length === 0
        ? html`No plans on page ${count(page.page)}: the last page is <a href="${pageHref(view.query, { page: page.pages })}">${count(page.pages)}</a>.`
        : html`Showing ${count(page.first)}–${count(page.first + page.plans.length - 1)} of ${count(page.matching)} matching plans.`;
  return html`<section id="plans"><h2>Backup plans</h2>${summary}${filterForm(view)}
<p class="shown">${shown} <span class="muted">Ages and problems as of the last cycle (${readable(fleet.asOfMs)}).</span></p>
${pager(view)}
<table class="plans"><thead><tr><th>State</th><th>Plan</th><th>Problems</th><th>Subscription, traffic, gateway</th><th>Account</th><th>Region</th><th>Plan status</th><th>Database</th><th>Last full backup</th><th>Last log backup</th><th>Log backup lag</th><th>Running job</th><th>Last poll</th><th>Newest full set expires</th><th>Restorable to</th><th>Last restore and drill</th></tr></thead>
<tbody>${page.plans.map((plan) => planRow(plan, fleet.asOfMs))}</tbody></table>
${pager(view)}</section>`;
}

function thresholdsNote(t: ProblemThresholds): SafeHtml {
  return html`<footer><p>A plan is a problem when the shipped alert rules would page on it, with their default thresholds: plan not running (init: after ${formatDuration(t.planInitSeconds)}), polls or its account's plan list failing, no successful full backup within ${t.fullBackupIntervalFactor} × its interval (${formatDuration(t.fullBackupFallbackIntervalSeconds)} when unknown), log backup lag over ${formatDuration(t.incrementalLagSeconds)}, a failed job (within ${formatDuration(t.jobFailedWindowSeconds)}, or not followed by a success), a running job without progress for ${formatDuration(t.stallSeconds)}, the newest full set expiring within ${formatDuration(t.expiryWarningSeconds)} with no replacement on track, the newest point-in-time restore older than ${formatDuration(t.recoveryPointMaxAgeSeconds)} (log backup on), a gap in point-in-time restore that ended within ${formatDuration(t.restoreGapRecentSeconds)}, log backup off (unless declared intended), a failed restore (within ${formatDuration(t.restoreFailedWindowSeconds)}, or not followed by a success), a prepaid subscription expired or expiring within ${formatDuration(t.planExpiryWarningSeconds)}, a running plan's backup gateway OFFLINE, STOPPED or silent for over ${formatDuration(t.gatewayHeartbeatMaxAgeSeconds)}, and, where <code>expectations:</code> ask for them, an overdue or slow restore drill, the free backup traffic used up to <code>backup_traffic_alert_ratio</code>, retention below <code>min_retention</code>, and unencrypted backup storage. Shown as soon as it holds; the alerts may wait for their <code>for:</code> durations.</p></footer>`;
}

export interface PageLinks {
  telemetryPath: string;
  thresholds?: ProblemThresholds;
}

export function renderStatusHtml(view: StatusView, links: PageLinks): string {
  const counts = view.fleet?.counts;
  const title = counts ? `DBS Exporter: ${count(counts.critical)} critical, ${count(counts.warning)} warning, ${count(counts.ok)} OK` : 'DBS Exporter';
  const notice = view.notice;
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${title}</title><style>${STYLE}</style></head>
<body>
<header><h1>DBS Exporter</h1><p>Prometheus exporter for Alibaba Cloud Database Backup Service. Version ${view.version}.</p>
<nav><ul>
<li><a href="${links.telemetryPath}">Metrics</a></li>
<li><a href="/-/healthy">Health</a></li>
<li><a href="/-/ready">Readiness</a></li>
<li><a href="${STATUS_API_PATH}">Status (JSON)</a></li>
</ul></nav></header>
${notice && html`<section class="notice"><h2>${notice.title}</h2><ul>${notice.lines.map((line) => html`<li>${line}</li>`)}</ul></section>`}
${view.error && html`<p class="error" role="alert">Bad request: ${view.error.message}. <a href="/">Show all plans</a></p>`}
${collection(view)}
${targetsSection(view)}
${gatewaysSection(view)}
${plansSection(view)}
${thresholdsNote(links.thresholds ?? DEFAULT_THRESHOLDS)}
</body></html>
`.value;
}
