/**
 * Admin routes for operational stops: gateway status, a plan's subscription, failing fulls.
 * Every change takes effect at the simulator clock's now, as DBS would see it happen then.
 */
import { z } from 'zod';
import { parseBody, type AdminAnswer } from './admin-body.js';
import type { Fleet } from './fleet.js';
import { GATEWAY_STATUSES, isDown, lastHeartbeat, statusAt, type Gateway } from './gateways.js';
import { FULL_BACKUP_ERROR_CODES } from './job-errors.js';

const gatewayStatusSchema = z.object({ status: z.enum(GATEWAY_STATUSES) });

const subscriptionSchema = z.object({
  chargeType: z.enum(['PREPAY', 'POSTPAY']).optional(),
  expiresAtMs: z.number().int().nonnegative().optional(),
  /** null: unlimited free traffic. */
  freeBytes: z.number().int().nonnegative().nullable().optional(),
  billingSupported: z.boolean().optional(),
});

const fullFailureSchema = z.object({
  /** Default: DBS.FullBackup.SourceConnectFailed. */
  errorCode: z.string().min(1).optional(),
  /** Fulls starting at or after this fail; default: now (the next full). */
  fromMs: z.number().int().optional(),
  /** Make the newest listed full fail too (from its StartTime). */
  newest: z.boolean().optional(),
});

function gatewaySummary(fleet: Fleet, gateway: Gateway, now: number) {
  const plans = fleet.listPlans().filter((p) => p.gatewayId === gateway.id).map((p) => p.id);
  const status = statusAt(gateway, now);
  return { id: String(gateway.id), identifier: gateway.identifier, region: gateway.region, status, down: isDown(status), lastHeartbeatMs: lastHeartbeat(gateway, now), plans };
}

/** GET /gateways and POST /gateways/:id. */
export function gatewayRoute(route: string, body: Buffer, fleet: Fleet, now: number): AdminAnswer | undefined {
  if (route === 'GET /gateways') return { status: 200, body: fleet.listGateways().map((g) => gatewaySummary(fleet, g, now)) };
  const match = /^POST \/gateways\/([^/]+)$/.exec(route);
  if (!match) return undefined;
  const id = decodeURIComponent(match[1]!);
  const gateway = fleet.listGateways().find((g) => String(g.id) === id);
  if (!gateway) return { status: 404, body: { error: `unknown gateway ${id}` } };
  const input = parseBody(body, gatewayStatusSchema);
  if (!('data' in input)) return input;
  return { status: 200, body: gatewaySummary(fleet, fleet.setGatewayStatus(id, input.data.status), now) };
}

/** POST /plans/:id/subscription, POST and DELETE /plans/:id/full-failure; `planId` is known to exist. */
export function planOperationsRoute(method: string, sub: string | undefined, planId: string, body: Buffer, fleet: Fleet): AdminAnswer | undefined {
  if (method === 'POST' && sub === '/subscription') {
    const input = parseBody(body, subscriptionSchema);
    if (!('data' in input)) return input;
    const { chargeType, expiresAtMs, freeBytes, billingSupported } = input.data;
    const plan = fleet.setSubscription(planId, {
      ...(chargeType !== undefined ? { chargeType } : {}),
      ...(expiresAtMs !== undefined ? { expiresAt: expiresAtMs } : {}),
      ...(freeBytes !== undefined ? { freeBytes: freeBytes ?? undefined } : {}),
      ...(billingSupported !== undefined ? { billingSupported } : {}),
    });
    return { status: 200, body: { id: planId, subscription: plan.subscription } };
  }
  if (method === 'POST' && sub === '/full-failure') {
    const input = parseBody(body, fullFailureSchema);
    if (!('data' in input)) return input;
    const newestStart = input.data.newest ? fleet.fullBackups(planId)?.find((s) => s.BackupStatus !== 'schedule')?.StartTime : undefined;
    const from = newestStart !== undefined ? Number(newestStart) : input.data.fromMs;
    const errorCode = input.data.errorCode ?? FULL_BACKUP_ERROR_CODES[0];
    fleet.failFullBackups(planId, errorCode, from);
    return { status: 200, body: { id: planId, failures: fleet.getPlan(planId)?.full.failures } };
  }
  if (method === 'DELETE' && sub === '/full-failure') {
    fleet.recoverFullBackups(planId);
    return { status: 200, body: { id: planId, failures: fleet.getPlan(planId)?.full.failures ?? [] } };
  }
  return undefined;
}
