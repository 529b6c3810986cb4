/**
 * Backup gateways: the agents DBS reaches self-managed databases through. Each belongs to a region
 * and has a status history; an ONLINE one heartbeats every minute of the simulator clock, an OFFLINE
 * or STOPPED one's heartbeat stopped when it went down. Plans behind a down gateway take no backups.
 */
import { BACKUP_GATEWAY_STATUSES, type WireBackupGateway } from '../dbs/schemas.js';
import { hashUnit } from './random.js';
import { MINUTE } from './model.js';

export type GatewayStatus = (typeof BACKUP_GATEWAY_STATUSES)[number];
export const GATEWAY_STATUSES = BACKUP_GATEWAY_STATUSES;

export interface Gateway {
  /** A number in DescribeBackupPlanList, its decimal string in DescribeBackupGatewayList. */
  id: number;
  region: string;
  identifier: string;
  displayName: string;
  hostname: string;
  internetIp: string;
  intranetIp: string;
  createdAt: number;
  /** Status changes, oldest first; the status at a time is the last change at or before it. */
  history: Array<{ at: number; status: GatewayStatus }>;
}

export type GatewayInput = Partial<Omit<Gateway, 'history'>> & { status?: GatewayStatus };

const HEARTBEAT_MS = MINUTE;

/** Down: DBS cannot reach the databases behind it. */
export function isDown(status: GatewayStatus | undefined): boolean {
  return status === 'OFFLINE' || status === 'STOPPED';
}

export function statusAt(gateway: Gateway, time: number): GatewayStatus | undefined {
  let status: GatewayStatus | undefined;
  for (const change of gateway.history) if (change.at <= time) status = change.status;
  return status;
}

/** The last heartbeat at or before `time`: on the gateway's minute grid, never after it went down. */
export function lastHeartbeat(gateway: Gateway, time: number): number {
  let downSince: number | undefined;
  for (const change of gateway.history) {
    if (change.at > time) break;
    if (!isDown(change.status)) downSince = undefined;
    else downSince ??= change.at;
  }
  const until = Math.min(time, downSince ?? time);
  const phase = gateway.createdAt % HEARTBEAT_MS;
  return Math.max(gateway.createdAt, phase + Math.floor((until - phase) / HEARTBEAT_MS) * HEARTBEAT_MS);
}

/** The gateway as DescribeBackupGatewayList shows it at `now`. */
export function gatewayItem(gateway: Gateway, now: number): WireBackupGateway {
  return {
    BackupGatewayId: String(gateway.id),
    BackupGatewayStatus: statusAt(gateway, now) ?? 'ONLINE',
    LastHeartbeatTime: lastHeartbeat(gateway, now),
    Identifier: gateway.identifier,
    DisplayName: gateway.displayName,
    Region: gateway.region,
    SourceEndpointHostname: gateway.hostname,
    SourceEndpointInternetIP: gateway.internetIp,
    SourceEndpointIntranetIP: gateway.intranetIp,
    BackupGatewayCreateTime: gateway.createdAt,
  };
}

/** A gateway with plausible fields drawn from (seed, n): same inputs, same gateway. */
export function newGateway(seed: number, n: number, input: GatewayInput & { region: string; createdAt: number }): Gateway {
  const byte = (salt: number) => 1 + Math.floor(hashUnit(seed, n, salt) * 253);
  const name = `idc-${input.region.replace(/^[a-z]+-/, '')}-${String(n + 1).padStart(2, '0')}`;
  return {
    id: input.id ?? 1_000_000 + Math.floor(hashUnit(seed, n, 0x9a7e) * 8_999_999),
    region: input.region,
    identifier: input.identifier ?? `dbsgw${Math.floor(hashUnit(seed, n, 0x1d) * 36 ** 8).toString(36).padStart(8, '0')}`,
    displayName: input.displayName ?? `${name}-backup-gateway`,
    hostname: input.hostname ?? `${name}-db.corp.example`,
    internetIp: input.internetIp ?? `203.0.113.${byte(1)}`,
    intranetIp: input.intranetIp ?? `192.168.${byte(2)}.${byte(3)}`,
    createdAt: input.createdAt,
    history: [{ at: input.createdAt, status: input.status ?? 'ONLINE' }],
  };
}

/** The fleet's gateways, in creation order. */
export class GatewayRegistry {
  private readonly gateways = new Map<number, Gateway>();

  constructor(initial: readonly Gateway[] = []) {
    for (const gateway of initial) this.add(gateway);
  }

  add(gateway: Gateway): Gateway {
    let id = gateway.id;
    while (this.gateways.has(id)) id += 1;
    const stored = { ...gateway, id, history: gateway.history.map((h) => ({ ...h })) };
    this.gateways.set(id, stored);
    return structuredClone(stored);
  }

  get(id: number): Gateway | undefined {
    const gateway = this.gateways.get(id);
    return gateway && structuredClone(gateway);
  }

  /** Copies, oldest first; only those existing at `now` when it is given. */
  list(now?: number): Gateway[] {
    return [...this.gateways.values()].filter((g) => now === undefined || g.createdAt <= now).map((g) => structuredClone(g));
  }

  /** Whether the gateway is down at `time`; false for no gateway. */
  isDown(id: number | undefined, time: number): boolean {
    const gateway = id === undefined ? undefined : this.gateways.get(id);
    return gateway !== undefined && isDown(statusAt(gateway, time));
  }

  /** Sets the status from `at` on; changes recorded after `at` (a clock moved back) are dropped. */
  setStatus(id: number, status: GatewayStatus, at: number): Gateway {
    const gateway = this.gateways.get(id);
    if (!gateway) throw new UnknownGatewayError(String(id));
    gateway.history = gateway.history.filter((h) => h.at < at);
    gateway.history.push({ at, status });
    return structuredClone(gateway);
  }
}

export class UnknownGatewayError extends Error {
  constructor(readonly gatewayId: string) {
    super(`unknown backup gateway ${gatewayId}`);
    this.name = 'UnknownGatewayError';
  }
}
