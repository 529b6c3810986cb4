/**
 * A small admin API under /_sim/ so another process (an end-to-end test driving a real
 * Prometheus) can steer the simulator. Loopback callers only.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseBody, type AdminAnswer } from './admin-body.js';
import { gatewayRoute, planOperationsRoute } from './admin-operations.js';
import { isAdjustableClock, type Clock } from './clock.js';
import type { FaultInjector } from './faults.js';
import { serializableFaultRuleSchema } from './faults.js';
import type { Fleet } from './fleet.js';
import type { RequestLog } from './request-log.js';
import { restoreTaskInputSchema } from './restore-tasks.js';

export const ADMIN_PREFIX = '/_sim/';

export interface AdminContext {
  fleet: Fleet;
  faults: FaultInjector;
  clock: Clock;
  requests: RequestLog;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json;charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/**
 * Routes:
 *   POST   /_sim/advance?ms=N                 move the fleet clock (adjustable clocks only)
 *   POST   /_sim/faults                       add a fault rule (JSON body, no fuzz)
 *   DELETE /_sim/faults                       clear all fault rules
 *   GET    /_sim/plans                        plan ids, names, statuses, charge types, expiries and gateway ids
 *   POST   /_sim/plans/:id/status?status=S    set BackupPlanStatus
 *   POST   /_sim/plans/:id/restore-tasks      add a restore task (JSON body, see restoreTaskInputSchema)
 *   POST   /_sim/plans/:id/subscription       {"chargeType":"PREPAY","expiresAtMs":N,"freeBytes":N|null,"billingSupported":B}, all optional
 *   POST   /_sim/plans/:id/full-failure       {"errorCode"?,"fromMs"?,"newest"?}: fulls from now (or fromMs, or the newest) fail
 *   DELETE /_sim/plans/:id/full-failure       fulls from now succeed again
 *   DELETE /_sim/plans/:id                    remove a plan
 *   GET    /_sim/gateways                     gateways: status, last heartbeat and plans, at the clock's now
 *   POST   /_sim/gateways/:id                 {"status":"OFFLINE"|"ONLINE"|"STOPPED"|"UPGRADING"} from the clock's now
 *   GET    /_sim/requests                     request counters
 */
export function handleAdminRequest(req: IncomingMessage, res: ServerResponse, url: URL, body: Buffer, ctx: AdminContext): void {
  if (!LOOPBACK.has(req.socket.remoteAddress ?? '')) {
    send(res, 403, { error: 'the admin API only answers loopback callers' });
    return;
  }
  const route = `${req.method ?? 'GET'} ${url.pathname.slice(ADMIN_PREFIX.length - 1)}`;
  const answer =
    fleetRoute(route, url, body, ctx) ??
    planRoute(route, url, body, ctx) ??
    gatewayRoute(route, body, ctx.fleet, ctx.clock.now()) ?? { status: 404, body: { error: `no admin route ${route}` } };
  send(res, answer.status, answer.body);
}

function fleetRoute(route: string, url: URL, body: Buffer, ctx: AdminContext): AdminAnswer | undefined {
  switch (route) {
    case 'POST /advance': {
      const ms = Number(url.searchParams.get('ms'));
      if (!Number.isFinite(ms)) return { status: 400, body: { error: 'ms must be a number' } };
      if (!isAdjustableClock(ctx.clock)) return { status: 409, body: { error: 'the simulator clock cannot be moved' } };
      ctx.clock.advance(ms);
      return { status: 200, body: { now: ctx.clock.now() } };
    }
    case 'POST /faults': {
      const rule = parseBody(body, serializableFaultRuleSchema);
      return 'data' in rule ? { status: 201, body: { id: ctx.faults.set(rule.data) } } : rule;
    }
    case 'DELETE /faults':
      ctx.faults.clear();
      return { status: 200, body: { cleared: true } };
    case 'GET /plans':
      return {
        status: 200,
        body: ctx.fleet.listPlans().map((p) => ({ id: p.id, name: p.name, status: p.status, chargeType: p.subscription?.chargeType, expiresAtMs: p.subscription?.expiresAt, gatewayId: p.gatewayId })),
      };
    case 'GET /requests':
      return { status: 200, body: { total: ctx.requests.count(), byAction: ctx.requests.counts() } };
    default:
      return undefined;
  }
}

function planRoute(route: string, url: URL, body: Buffer, ctx: AdminContext): AdminAnswer | undefined {
  const match = /^(POST|DELETE) \/plans\/([^/]+)(\/status|\/restore-tasks|\/subscription|\/full-failure)?$/.exec(route);
  if (!match) return undefined;
  const [, method, rawId, sub] = match as unknown as [string, string, string, string | undefined];
  const planId = decodeURIComponent(rawId);
  if (!ctx.fleet.getPlan(planId)) return { status: 404, body: { error: `unknown plan ${planId}` } };
  if (method === 'POST' && sub === '/status') {
    const status = url.searchParams.get('status');
    if (!status) return { status: 400, body: { error: 'status is required' } };
    ctx.fleet.setPlanStatus(planId, status);
    return { status: 200, body: { id: planId, status } };
  }
  if (method === 'POST' && sub === '/restore-tasks') {
    const input = parseBody(body, restoreTaskInputSchema);
    if (!('data' in input)) return input;
    try {
      return { status: 201, body: ctx.fleet.addRestoreTask(planId, input.data) };
    } catch (error) {
      return { status: 409, body: { error: (error as Error).message } };
    }
  }
  const operations = planOperationsRoute(method, sub, planId, body, ctx.fleet);
  if (operations) return operations;
  if (method === 'DELETE' && sub === undefined) {
    ctx.fleet.removePlan(planId);
    return { status: 200, body: { id: planId, removed: true } };
  }
  return undefined;
}
