/**
 * A small admin API under /_sim/ so another process (an end-to-end test driving a real
 * Prometheus) can steer the simulator. Loopback callers only.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isAdjustableClock, type Clock } from './clock.js';
import type { FaultInjector } from './faults.js';
import { serializableFaultRuleSchema } from './faults.js';
import type { Fleet } from './fleet.js';
import type { RequestLog } from './request-log.js';

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
 *   GET    /_sim/plans                        plan ids, names and statuses
 *   POST   /_sim/plans/:id/status?status=S    set BackupPlanStatus
 *   DELETE /_sim/plans/:id                    remove a plan
 *   GET    /_sim/requests                     request counters
 */
export function handleAdminRequest(req: IncomingMessage, res: ServerResponse, url: URL, body: Buffer, ctx: AdminContext): void {
  if (!LOOPBACK.has(req.socket.remoteAddress ?? '')) {
    send(res, 403, { error: 'the admin API only answers loopback callers' });
    return;
  }
  const route = `${req.method ?? 'GET'} ${url.pathname.slice(ADMIN_PREFIX.length - 1)}`;
  const planRoute = /^(POST|DELETE) \/plans\/([^/]+)(\/status)?$/.exec(route);

  if (route === 'POST /advance') {
    const ms = Number(url.searchParams.get('ms'));
    if (!Number.isFinite(ms)) return send(res, 400, { error: 'ms must be a number' });
    if (!isAdjustableClock(ctx.clock)) return send(res, 409, { error: 'the simulator clock cannot be moved' });
    ctx.clock.advance(ms);
    return send(res, 200, { now: ctx.clock.now() });
  }
  if (route === 'POST /faults') {
    let json: unknown;
    try {
      json = JSON.parse(body.toString('utf8'));
    } catch {
      return send(res, 400, { error: 'body must be JSON' });
    }
    const rule = serializableFaultRuleSchema.safeParse(json);
    if (!rule.success) return send(res, 400, { error: rule.error.message });
    return send(res, 201, { id: ctx.faults.set(rule.data) });
  }
  if (route === 'DELETE /faults') {
    ctx.faults.clear();
    return send(res, 200, { cleared: true });
  }
  if (route === 'GET /plans') {
    return send(res, 200, ctx.fleet.listPlans().map((p) => ({ id: p.id, name: p.name, status: p.status })));
  }
  if (route === 'GET /requests') {
    return send(res, 200, { total: ctx.requests.count(), byAction: ctx.requests.counts() });
  }
  if (planRoute) {
    const planId = decodeURIComponent(planRoute[2] as string);
    if (!ctx.fleet.getPlan(planId)) return send(res, 404, { error: `unknown plan ${planId}` });
    if (planRoute[1] === 'POST' && planRoute[3]) {
      const status = url.searchParams.get('status');
      if (!status) return send(res, 400, { error: 'status is required' });
      ctx.fleet.setPlanStatus(planId, status);
      return send(res, 200, { id: planId, status });
    }
    if (planRoute[1] === 'DELETE' && !planRoute[3]) {
      ctx.fleet.removePlan(planId);
      return send(res, 200, { id: planId, removed: true });
    }
  }
  send(res, 404, { error: `no admin route ${route}` });
}
