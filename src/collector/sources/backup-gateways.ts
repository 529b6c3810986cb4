/**
 * DescribeBackupGatewayList: the backup gateways of a target's region (the agents DBS reaches
 * self-managed databases through), listed once per target per cycle beside discovery. Plans are
 * joined to their gateway by id, which this action sends as a string and the plan list as a number.
 * Design: docs/design/operational-stops.md
 */
import type { DbsApi } from '../../dbs/api.js';
import { listAll } from '../../dbs/pagination.js';
import type { BackupGateway } from '../../dbs/schemas.js';
import { internString, millis } from '../wire-values.js';

export interface ObservedGateway {
  /** Normalised like PlanInfo.gatewayId: the decimal string. */
  id: string;
  /** BackupGatewayStatus as DBS spells it ('' when absent). */
  status: string;
  lastHeartbeatMs?: number;
  displayName: string;
  identifier: string;
  hostname: string;
}

/** The gateway id as both actions can be compared by: a decimal string without leading zeros. */
export function normaliseGatewayId(id: string | number): string {
  const text = String(id).trim();
  return /^\d+$/.test(text) ? String(BigInt(text)) : text;
}

export function observeGateway(item: BackupGateway): ObservedGateway {
  const heartbeat = millis(item.LastHeartbeatTime);
  return {
    id: normaliseGatewayId(item.BackupGatewayId),
    status: internString(item.BackupGatewayStatus ?? ''),
    ...(heartbeat !== undefined ? { lastHeartbeatMs: heartbeat } : {}),
    displayName: item.DisplayName ?? '',
    identifier: item.Identifier ?? '',
    hostname: item.SourceEndpointHostname ?? '',
  };
}

export const backupGateways = {
  name: 'gateways',
  action: 'DescribeBackupGatewayList',

  /** Every gateway of the region, 100 a page (the action takes 30, 50 or 100 only). */
  async list(api: DbsApi, region: string): Promise<ObservedGateway[]> {
    return (await listAll(api, 'DescribeBackupGatewayList', { Region: region }, { pageSize: 100, map: observeGateway })).items;
  },
} as const;
