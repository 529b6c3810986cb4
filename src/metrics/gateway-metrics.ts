/**
 * Backup gateways (DescribeBackupGatewayList), one series set per gateway of each target: read
 * from the published snapshot at scrape time like the target gauges. A handful per region, so the
 * live registry's cost is negligible. Design: docs/design/operational-stops.md
 */
import { Gauge, type Registry } from 'prom-client';
import type { GatewaySnapshot, TargetSnapshot } from '../collector/snapshot.js';
import { BACKUP_GATEWAY_STATUSES } from '../dbs/schemas.js';
import type { MetricsSource } from './labels.js';
import { seconds } from './labels.js';

const GATEWAY_LABELS = ['account', 'region', 'backup_gateway_id'] as const;
const ACTION = 'DescribeBackupGatewayList';

type Each = (target: TargetSnapshot, gateway: GatewaySnapshot, labels: Record<(typeof GATEWAY_LABELS)[number], string>) => void;

function eachGateway(source: MetricsSource, fn: Each): void {
  for (const target of source.snapshot()?.targets ?? []) {
    for (const gateway of target.gateways?.items ?? []) fn(target, gateway, { account: target.account, region: target.region, backup_gateway_id: gateway.id });
  }
}

function gatewayGauge(registry: Registry, name: string, help: string, fill: (gauge: Gauge<string>) => void, extra: readonly string[] = []): void {
  new Gauge({
    name,
    help,
    labelNames: [...GATEWAY_LABELS, ...extra],
    registers: [registry],
    collect() {
      this.reset();
      fill(this);
    },
  });
}

export function registerGatewayGauges(registry: Registry, source: MetricsSource): void {
  gatewayGauge(registry, 'dbs_backup_gateway_info', `Descriptive fields of a backup gateway (${ACTION} DisplayName, Identifier, SourceEndpointHostname); always 1.`, (g) =>
    eachGateway(source, (_t, gw, labels) => g.set({ ...labels, display_name: gw.displayName, identifier: gw.identifier, hostname: gw.hostname }, 1)),
  ['display_name', 'identifier', 'hostname']);
  gatewayGauge(
    registry,
    'dbs_backup_gateway_status',
    `Current BackupGatewayStatus (${ACTION}): 1 for the current status, 0 for the other documented ones (ONLINE, OFFLINE, STOPPED, UPGRADING).`,
    (g) =>
      eachGateway(source, (_t, gw, labels) => {
        for (const status of BACKUP_GATEWAY_STATUSES) g.set({ ...labels, status }, gw.status === status ? 1 : 0);
        if (!(BACKUP_GATEWAY_STATUSES as readonly string[]).includes(gw.status)) g.set({ ...labels, status: gw.status || 'unknown' }, 1);
      }),
    ['status'],
  );
  gatewayGauge(registry, 'dbs_backup_gateway_last_heartbeat_timestamp_seconds', `When the gateway last reported to DBS (${ACTION} LastHeartbeatTime), Unix seconds.`, (g) =>
    eachGateway(source, (_t, gw, labels) => {
      if (gw.lastHeartbeatMs !== undefined) g.set(labels, seconds(gw.lastHeartbeatMs));
    }),
  );
  gatewayGauge(registry, 'dbs_backup_gateway_plans', `Plans in the exporter's plan list (DescribeBackupPlanList BackupGatewayId) behind this gateway.`, (g) =>
    eachGateway(source, (_t, gw, labels) => g.set(labels, gw.plans)),
  );
  for (const [name, help, value] of [
    ['dbs_exporter_gateway_list_success', `Whether the last ${ACTION} of this account and region succeeded; 0 means the gateway series are the last good ones.`, (t: TargetSnapshot) => (t.gateways ? (t.gateways.listOk ? 1 : 0) : undefined)],
    ['dbs_exporter_gateway_list_last_success_timestamp_seconds', `When ${ACTION} of this account and region last succeeded, Unix seconds.`, (t: TargetSnapshot) => (t.gateways?.lastSuccessMs !== undefined ? seconds(t.gateways.lastSuccessMs) : undefined)],
  ] as const) {
    new Gauge({
      name,
      help,
      labelNames: ['account', 'region'],
      registers: [registry],
      collect() {
        this.reset();
        for (const t of source.snapshot()?.targets ?? []) {
          const v = value(t);
          if (v !== undefined) this.set({ account: t.account, region: t.region }, v);
        }
      },
    });
  }
}
