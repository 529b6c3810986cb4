/**
 * Wires a resolved configuration into a running exporter, and nothing else runs through here:
 * the scheduler drives the collector, which calls DBS through one client per target and
 * publishes each snapshot to the store that the metrics and the server read.
 */
import type { Server as HttpServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { Logger } from 'pino';
import { Collector, type CollectorTarget, type CycleReport } from './collector/collector.js';
import { type Schedule, Scheduler } from './collector/scheduler.js';
import type { Shard } from './collector/shard.js';
import type { Snapshot } from './collector/snapshot.js';
import { SnapshotStore } from './collector/snapshot-store.js';
import { type PlanIdentity, type ResolvedCollection, type ResolvedConfig, type ResolvedTarget, expectationsFor } from './config/index.js';
import { type SourceOptions, planSources } from './collector/sources/index.js';
import { type CredentialProvider, type CredentialSpec as DbsCredentialSpec, createCredential, createDbsClient, dbsEndpoint } from './dbs/index.js';
import { type BuildInfo, type ExporterRegistry, createRegistry } from './metrics/index.js';
import { type LandingNotice, createApp } from './server/app.js';
import { SHUTDOWN_GRACE_MS, closeServer } from './server/shutdown.js';
import type { WebConfig } from './server/web-config.js';
import { WebSecurity } from './server/web-security.js';

/** Config credentials (secrets wrapped) → the SDK's credential parameters. */
export function credentialSpecFor(target: ResolvedTarget): DbsCredentialSpec {
  const c = target.credentials;
  switch (c.type) {
    case 'access_key':
      return { type: 'access_key', accessKeyId: c.access_key_id, accessKeySecret: c.access_key_secret.reveal() };
    case 'sts':
      return { type: 'sts', accessKeyId: c.access_key_id, accessKeySecret: c.access_key_secret.reveal(), securityToken: c.security_token.reveal() };
    case 'ram_role_arn':
      return {
        type: 'ram_role_arn',
        accessKeyId: c.access_key_id,
        accessKeySecret: c.access_key_secret.reveal(),
        ...(c.security_token ? { securityToken: c.security_token.reveal() } : {}),
        roleArn: c.role_arn,
        ...(c.role_session_name ? { roleSessionName: c.role_session_name } : {}),
        ...(c.role_session_expiration ? { durationSeconds: Math.round(c.role_session_expiration / 1000) } : {}),
        ...(c.policy ? { policy: c.policy } : {}),
        ...(c.external_id ? { externalId: c.external_id } : {}),
        ...(c.sts_endpoint ? { stsEndpoint: c.sts_endpoint } : {}),
      };
    case 'ecs_ram_role':
      return { type: 'ecs_ram_role', ...(c.role_name ? { roleName: c.role_name } : {}), disableIMDSv1: c.disable_imds_v1 };
    case 'oidc_role_arn':
      return {
        type: 'oidc_role_arn',
        roleArn: c.role_arn,
        oidcProviderArn: c.oidc_provider_arn,
        oidcTokenFilePath: c.oidc_token_file,
        ...(c.role_session_name ? { roleSessionName: c.role_session_name } : {}),
        ...(c.role_session_expiration ? { durationSeconds: Math.round(c.role_session_expiration / 1000) } : {}),
        ...(c.policy ? { policy: c.policy } : {}),
        ...(c.sts_endpoint ? { stsEndpoint: c.sts_endpoint } : {}),
      };
    case 'credentials_uri':
      return { type: 'credentials_uri', credentialsUri: c.uri };
    case 'default':
      return { type: 'default' };
  }
}

export interface ExporterOptions {
  logger: Logger;
  build: BuildInfo;
  now?: () => number;
  /** Replace the credential of every target (the demo uses the simulator's key). */
  credentialFor?: (target: ResolvedTarget) => CredentialProvider;
  processMetrics?: boolean;
  /** Poll only this replica's share of the plans (`--shard.index` / `--shard.total`). */
  shard?: Shard;
}

export interface Exporter {
  metrics: ExporterRegistry;
  collector: Collector;
  /** The published snapshots (the collector's store). */
  snapshots: SnapshotStore;
  /** Run one collection cycle now and publish its snapshot. */
  runCycle(): Promise<{ snapshot: Snapshot; report: CycleReport }>;
  snapshot(): Snapshot | undefined;
  ready(): boolean;
}

export function createExporter(config: ResolvedConfig, options: ExporterOptions): Exporter {
  const now = options.now ?? Date.now;
  const snapshots = new SnapshotStore();
  const metrics = createRegistry({ snapshot: snapshots.current, now }, options.build, { processMetrics: options.processMetrics ?? true });
  // The exposition renders each snapshot before it is current; cycle metrics count it after.
  snapshots.subscribe(metrics.exposition);
  snapshots.subscribe(metrics.exporter);

  const targets: CollectorTarget[] = config.targets.map((target) => {
    metrics.exporter.initAccount(target.name);
    const api = createDbsClient({
      endpoint: dbsEndpoint(target.region, target.endpoint_type, target.endpoint),
      protocol: target.protocol,
      regionId: target.region,
      credential: options.credentialFor?.(target) ?? createCredential(credentialSpecFor(target)),
      signatureAlgorithm: target.signature_algorithm,
      timeoutMs: target.api.request_timeout,
      rateLimit: {
        requestsPerSecond: target.api.rate_limit.requests_per_second,
        burst: target.api.rate_limit.burst,
        maxConcurrency: target.api.max_concurrency,
      },
      retry: {
        maxAttempts: target.api.retries.max_attempts,
        initialBackoffMs: target.api.retries.initial_backoff,
        maxBackoffMs: target.api.retries.max_backoff,
      },
      account: target.name,
      observer: metrics.exporter,
    });
    return {
      account: target.name,
      region: target.region,
      api,
      selection: target.plans,
      planConcurrency: target.api.max_concurrency,
      ...(config.expectations.length > 0 ? { expectations: (plan: PlanIdentity) => expectationsFor(config.expectations, target.name, plan) } : {}),
    };
  });

  const settings = {
    lookbackMs: config.collection.lookback,
    overlapMs: config.collection.overlap,
    maxStalenessMs: config.collection.max_staleness,
    sources: planSources(sourceOptionsFor(config.collection)),
    gateways: config.collection.gateways.enabled,
    ...(options.shard ? { shard: options.shard } : {}),
  };
  const collector = new Collector(targets, settings, { now, logger: options.logger, snapshots });

  return {
    metrics,
    collector,
    snapshots,
    snapshot: snapshots.current,
    ready: () => snapshots.current() !== undefined,
    runCycle: () => collector.runCycle(),
  };
}

/** The optional sources the configuration turns on, with their settings. */
export function sourceOptionsFor(collection: ResolvedCollection): SourceOptions {
  const { restore_ranges: ranges, restore_tasks: tasks, billing, job_errors: jobErrors } = collection;
  return {
    ...(ranges.enabled ? { restore_ranges: { intervalMs: ranges.interval, fallbackWindowMs: ranges.window } } : {}),
    ...(tasks.enabled
      ? {
          restore_tasks: {
            intervalMs: tasks.interval,
            lookbackMs: tasks.lookback,
            overlapMs: collection.overlap,
            drillPattern: new RegExp(tasks.drill_name_regex, 'i'),
          },
        }
      : {}),
    ...(billing.enabled ? { billing: { intervalMs: billing.interval } } : {}),
    ...(jobErrors.enabled ? { job_errors: { maxPerCycle: jobErrors.max_per_cycle, language: jobErrors.language } } : {}),
  };
}

export function scheduleFor(config: ResolvedConfig): Schedule {
  const s = config.collection.schedule;
  return s.type === 'cron' ? { type: 'cron', expression: s.cron } : { type: 'interval', intervalMs: s.interval };
}

/** Parse `[host]:port` as Prometheus exporters write it. */
export function parseListenAddress(address: string): { host: string | undefined; port: number } {
  const index = address.lastIndexOf(':');
  const host = address.slice(0, index).replace(/^\[|\]$/g, '');
  return { host: host === '' ? undefined : host, port: Number(address.slice(index + 1)) };
}

export interface RunningExporter {
  exporter: Exporter;
  /** HTTPS when the web config has tls_server_config. */
  server: HttpServer | HttpsServer;
  address: { host: string; port: number };
  /** The web config in force (reloaded when its files change). */
  security: WebSecurity;
  stop(): Promise<void>;
}

export async function runExporter(
  config: ResolvedConfig,
  options: ExporterOptions & {
    listenAddress: string;
    telemetryPath: string;
    /** From loadWebConfig (`--web.config.file`): TLS, basic auth, headers. Plain HTTP without it. */
    webConfig?: WebConfig;
    /** How often the web config's files are checked for changes (ms). */
    webConfigPollMs?: number;
    /** Shown at the top of the landing page (the demo's guide to its fleet). */
    notice?: LandingNotice;
  },
): Promise<RunningExporter> {
  const exporter = createExporter(config, options);
  const security = new WebSecurity(options.webConfig, { logger: options.logger, pollIntervalMs: options.webConfigPollMs });
  // Made here, started once the port is bound: the landing page asks it when the next cycle is due.
  const scheduler = new Scheduler(scheduleFor(config), exporter.collector, options.logger);
  const app = createApp({
    exposition: exporter.metrics.exposition,
    telemetryPath: options.telemetryPath,
    version: options.build.version,
    isReady: exporter.ready,
    describe: () => config.targets.map((t) => `${t.name} (${t.region})`),
    status: { snapshot: exporter.snapshots.current, schedule: () => scheduler.state(), now: options.now ?? Date.now },
    guard: security.guard,
    ...(options.notice ? { notice: options.notice } : {}),
  });
  const server = security.createServer(app);
  const { host, port } = parseListenAddress(options.listenAddress);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = server.address();
  const address = typeof bound === 'object' && bound ? { host: bound.address, port: bound.port } : { host: host ?? '0.0.0.0', port };
  await security.watch();
  scheduler.start();
  return {
    exporter,
    server,
    address,
    security,
    /**
     * At most SHUTDOWN_GRACE_MS: the port closes at once, and in parallel the cycle in flight
     * finishes (or is abandoned) while scrapes in flight are answered (or cut).
     */
    async stop() {
      security.stop();
      exporter.metrics.exposition.close();
      const [, http] = await Promise.all([scheduler.stop(SHUTDOWN_GRACE_MS), closeServer(server, SHUTDOWN_GRACE_MS)]);
      if (!http.drained) options.logger.warn({ connections: http.cut, waited_seconds: SHUTDOWN_GRACE_MS / 1000 }, 'responses still in flight at shutdown; connections closed');
    },
  };
}
