/**
 * The landing page's operational stops as HTML (docs/design/operational-stops.md): a plan's
 * subscription, backup traffic and gateway in one compact cell, and each target's backup gateways.
 * Every text from DBS (gateway names, hostnames, statuses) goes through html`` and is escaped.
 */
import { formatBytes, formatDuration, formatPercent } from './format.js';
import type { GatewayView, PlanGatewayView, TrafficView } from './operations.js';
import type { ProblemCode } from './problems.js';
import { type SafeHtml, html } from './safe-html.js';
import type { PlanView, StatusView, TargetView } from './view.js';

const iso = (ms: number) => new Date(ms).toISOString();
const readable = (ms: number) => `${iso(ms).slice(0, 19).replace('T', ' ')} UTC`;
const count = (n: number) => n.toLocaleString('en-US');
const has = (plan: PlanView, code: ProblemCode) => plan.problems.some((p) => p.code === code);
/** Marked when a problem says so: the cell agrees with the problems column. */
const flagged = (bad: boolean, content: SafeHtml | string) => (bad ? html`<span class="bad">${content}</span>` : content);

/** "prepaid, expires in 4d 23h" / "prepaid, expired 2d ago" / "pay-as-you-go". */
export function subscriptionText(chargeType: string | undefined, expiresMs: number | undefined, asOfMs: number): string | undefined {
  const prepaid = chargeType?.toUpperCase() === 'PREPAY';
  if (expiresMs !== undefined) {
    const when = expiresMs > asOfMs ? `expires in ${formatDuration((expiresMs - asOfMs) / 1000)}` : `expired ${formatDuration((asOfMs - expiresMs) / 1000)} ago`;
    return `${prepaid ? 'prepaid' : 'subscription'}, ${when}`;
  }
  if (prepaid) return 'prepaid';
  if (chargeType?.toUpperCase() === 'POSTPAY') return 'pay-as-you-go';
  return undefined;
}

/** "95% of free traffic used" / "unlimited free traffic" / "traffic: not applicable". */
export function trafficText(traffic: TrafficView | undefined): string | undefined {
  if (!traffic) return undefined;
  if (!traffic.supported) return 'traffic: not applicable';
  const allPaid = traffic.paidBytes !== undefined && traffic.paidBytes > 0 && traffic.paidBytes === traffic.usedBytes;
  const paid = allPaid ? ', all paid' : traffic.paidBytes ? `, ${formatBytes(traffic.paidBytes)} paid` : '';
  if (traffic.unlimited) return `unlimited free traffic${paid}`;
  if (traffic.ratio !== undefined) return `${formatPercent(traffic.ratio)} of free traffic used${paid}`;
  if (traffic.usedBytes !== undefined) return `${formatBytes(traffic.usedBytes)} traffic used${paid}`;
  return `traffic: nothing said${paid}`;
}

/** "gateway 1234 OFFLINE, silent 3h" / "gateway 1234 ONLINE" / "gateway 1234 not in the gateway list". */
export function gatewayText(gateway: PlanGatewayView | undefined, asOfMs: number): string | undefined {
  if (!gateway) return undefined;
  if (gateway.listed === undefined) return `gateway ${gateway.id}`;
  if (!gateway.listed) return `gateway ${gateway.id} not in the gateway list`;
  const silent = gateway.down && gateway.lastHeartbeatMs !== undefined ? `, silent ${formatDuration((asOfMs - gateway.lastHeartbeatMs) / 1000)}` : '';
  return `gateway ${gateway.id} ${gateway.status || 'status unknown'}${silent}`;
}

function trafficTitle(traffic: TrafficView | undefined): string | undefined {
  if (!traffic?.supported) return undefined;
  const parts = [
    traffic.usedBytes !== undefined ? `${formatBytes(traffic.usedBytes)} used` : undefined,
    traffic.freeBytes !== undefined ? `of ${formatBytes(traffic.freeBytes)} free` : undefined,
    traffic.quotaEndMs !== undefined ? `quota period ends ${readable(traffic.quotaEndMs)}` : undefined,
  ].filter((p) => p !== undefined);
  return parts.length > 0 ? parts.join(', ') : undefined;
}

/** The plan's cell: one line each for subscription, backup traffic and gateway, as far as DBS says them. */
export function operationsCell(plan: PlanView, asOfMs: number): SafeHtml {
  const ops = plan.operations;
  const subscription = subscriptionText(ops.chargeType, ops.expiresMs, asOfMs);
  const traffic = trafficText(ops.traffic);
  const gateway = gatewayText(ops.gateway, asOfMs);
  if (subscription === undefined && traffic === undefined && gateway === undefined) return html`<span class="muted">—</span>`;
  const expiring = subscription !== undefined && flagged(has(plan, 'plan_expired') || has(plan, 'plan_expiring'), subscription);
  const title = trafficTitle(ops.traffic);
  return html`${expiring && html`<div class="subscription">${ops.expiresMs !== undefined ? html`<time datetime="${iso(ops.expiresMs)}" title="${readable(ops.expiresMs)}">${expiring}</time>` : expiring}</div>`}${
    traffic !== undefined && html`<div class="traffic"${title !== undefined ? html` title="${title}"` : ''}>${flagged(has(plan, 'traffic_quota_nearly_used'), traffic)}</div>`
  }${gateway !== undefined && html`<div class="gateway"${ops.gateway?.displayName ? html` title="${ops.gateway.displayName}"` : ''}>${flagged(ops.gateway?.down === true, gateway)}</div>`}`;
}

function statusBadge(g: GatewayView): SafeHtml {
  const kind = g.status === 'ONLINE' && !g.down ? 'up' : g.down ? 'down' : 'warning';
  return html`<span class="badge ${kind}">${g.status || 'UNKNOWN'}</span>`;
}

function gatewayRow(t: TargetView, g: GatewayView, nowMs: number): SafeHtml {
  const heartbeat =
    g.lastHeartbeatMs === undefined
      ? html`<span class="muted">none known</span>`
      : html`<time datetime="${iso(g.lastHeartbeatMs)}" title="${readable(g.lastHeartbeatMs)}">${flagged(g.down, `${formatDuration((nowMs - g.lastHeartbeatMs) / 1000)} ago`)}</time>`;
  return html`<tr class="${g.down ? 'critical' : 'ok'}" data-gateway-id="${g.id}">
<td>${statusBadge(g)}</td><td><code>${g.id}</code></td><td class="gateway-name">${g.displayName || html`<span class="muted">(no name)</span>`}</td><td>${g.hostname}</td>
<td>${t.account}</td><td>${t.region}</td><td>${heartbeat}</td><td>${count(g.plans)}</td><td>${g.runningPlans > 0 && g.down ? html`<span class="bad">${count(g.runningPlans)}</span>` : count(g.runningPlans)}</td>
</tr>`;
}

/** Per target: every backup gateway DBS lists, down ones first; and when the last listing failed. */
export function gatewaysSection(view: StatusView): SafeHtml | false {
  const targets = (view.fleet?.targets ?? []).filter((t) => t.gateways && (t.gateways.items.length > 0 || !t.gateways.listOk));
  if (targets.length === 0) return false;
  const asOfMs = view.fleet!.asOfMs;
  const failed = targets.filter((t) => !t.gateways!.listOk);
  const failures = failed.map(
    (t) =>
      html`<p class="bad gateway-list-failed">The last backup gateway listing of account ${t.account} (${t.region}) failed: ${
        t.gateways!.lastSuccessMs === undefined ? 'no listing has worked yet.' : html`these are the gateways as of ${readable(t.gateways!.lastSuccessMs)} (${formatDuration((view.nowMs - t.gateways!.lastSuccessMs) / 1000)} ago).`
      }</p>`,
  );
  const rows = targets.flatMap((t) => t.gateways!.items.map((g) => gatewayRow(t, g, asOfMs)));
  return html`<section id="gateways"><h2>Backup gateways</h2>${failures}
${rows.length > 0 && html`<table class="gateways"><thead><tr><th>Status</th><th>Gateway</th><th>Display name</th><th>Host</th><th>Account</th><th>Region</th><th>Last heartbeat</th><th>Plans behind it</th><th>Running plans</th></tr></thead><tbody>${rows}</tbody></table>`}</section>`;
}
