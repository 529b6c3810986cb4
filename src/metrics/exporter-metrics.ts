/**
 * The exporter's own families: is each target reachable, did each plan's last poll work,
 * how DBS answered (every HTTP attempt, retries included), and how long polls take. These
 * make "cannot see backups" visible and distinct from "no backups".
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { type CycleReport, cycleOk } from '../collector/cycle-report.js';
import type { Snapshot } from '../collector/snapshot.js';
import type { ApiAttempt } from '../dbs/api.js';
import { ERROR_CLASSES } from '../dbs/errors.js';
import { DBS_ACTIONS } from '../dbs/schemas.js';
import { registerGatewayGauges } from './gateway-metrics.js';
import { type MetricsSource, seconds } from './labels.js';

export interface ExporterMetrics {
  /** Create this account's request and retry series at 0, so rate() and increase() see their first increment. */
  initAccount(account: string): void;
  recordAttempt(account: string, attempt: ApiAttempt): void;
  recordRetry(account: string, action: string, errorClass: string): void;
  /**
   * A cycle's report, when its snapshot is published: its duration and outcome, and every failed
   * discovery or plan poll by error class (also failures with no failed request, e.g. a repeated page).
   */
  published(snapshot: Snapshot, report: CycleReport): void;
}

export interface BuildInfo {
  version: string;
  revision?: string;
}

/** The exporter's own families; the per-plan poll series are in families.ts. */
export function registerExporterMetrics(registry: Registry, source: MetricsSource, build: BuildInfo): ExporterMetrics {
  // Registration order is exposition order: build info, snapshot gauges, then the API and cycle families.
  registerBuildInfo(registry, build);
  registerSnapshotGauges(registry, source);
  registerGatewayGauges(registry, source);
  const api = registerApiFamilies(registry);
  const cycle = registerCycleFamilies(registry);

  return {
    initAccount(account) {
      for (const scope of ['discovery', 'plan']) for (const code of ERROR_CLASSES) cycle.pollErrors.inc({ account, scope, code }, 0);
      for (const action of DBS_ACTIONS) {
        for (const code of ['ok', ...ERROR_CLASSES]) api.requests.inc({ account, action, code }, 0);
        api.retries.inc({ account, action, code: 'throttled' }, 0);
      }
    },
    recordAttempt(account, attempt) {
      api.requests.inc({ account, action: attempt.action, code: attempt.code });
      api.duration.observe({ account, action: attempt.action }, attempt.durationSeconds);
    },
    recordRetry(account, action, errorClass) {
      api.retries.inc({ account, action, code: errorClass });
    },
    published(_snapshot, report) {
      cycle.pollDuration.observe(report.durationSeconds);
      cycle.cycles.inc({ outcome: cycleOk(report) ? 'ok' : 'partial' });
      for (const e of report.errors) cycle.pollErrors.inc({ account: e.account, scope: e.planId === undefined ? 'discovery' : 'plan', code: e.errorClass });
    },
  };
}

/** The version and Node.js runtime as labels of a constant 1, the usual build_info shape. */
function registerBuildInfo(registry: Registry, build: BuildInfo): void {
  new Gauge({
    name: 'dbs_exporter_build_info',
    help: 'Version of dbs-exporter and of the Node.js runtime it runs on; always 1.',
    labelNames: ['version', 'revision', 'nodeversion'],
    registers: [registry],
  }).set({ version: build.version, revision: build.revision ?? 'unknown', nodeversion: process.version }, 1);
}

/** Gauges read from the latest published snapshot at scrape time, so they never show half a cycle. */
function registerSnapshotGauges(registry: Registry, source: MetricsSource): void {
  new Gauge({
    name: 'dbs_exporter_target_up',
    help: 'Whether the last plan discovery (DescribeBackupPlanList) for this account and region succeeded.',
    labelNames: ['account', 'region'],
    registers: [registry],
    collect() {
      this.reset();
      for (const t of source.snapshot()?.targets ?? []) this.set({ account: t.account, region: t.region }, t.up ? 1 : 0);
    },
  });

  new Gauge({
    name: 'dbs_exporter_backup_plans',
    help: 'Backup plans of this account and region with fresh values (selected by discovery and polled within the max staleness).',
    labelNames: ['account', 'region'],
    registers: [registry],
    collect() {
      this.reset();
      for (const t of source.snapshot()?.targets ?? []) this.set({ account: t.account, region: t.region }, t.plans);
    },
  });

  new Gauge({
    name: 'dbs_exporter_plan_excluded',
    help: "A plan DescribeBackupPlanList returns that the exporter's plan selection (include/exclude) leaves out; always 1. Not polled.",
    labelNames: ['account', 'region', 'backup_plan_id'],
    registers: [registry],
    collect() {
      this.reset();
      for (const t of source.snapshot()?.targets ?? []) for (const id of t.excluded) this.set({ account: t.account, region: t.region, backup_plan_id: id }, 1);
    },
  });

  new Gauge({
    name: 'dbs_exporter_last_cycle_timestamp_seconds',
    help: 'When the exporter last finished a collection cycle, Unix seconds.',
    registers: [registry],
    collect() {
      const snapshot = source.snapshot();
      if (snapshot) this.set(seconds(snapshot.completedAtMs));
    },
  });
}

/** How DBS answered every HTTP attempt, retries included: "cannot see backups" made visible. */
function registerApiFamilies(registry: Registry) {
  const requests = new Counter({
    name: 'dbs_exporter_api_requests_total',
    help: 'DBS OpenAPI HTTP requests by action and outcome (code is ok or the error class: throttled, auth, forbidden, not_found, invalid_request, server, network, timeout, bad_response).',
    labelNames: ['account', 'action', 'code'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'dbs_exporter_api_request_duration_seconds',
    help: 'Duration of DBS OpenAPI HTTP requests, excluding time waiting for the rate limiter.',
    labelNames: ['account', 'action'],
    buckets: [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const retries = new Counter({
    name: 'dbs_exporter_api_retries_total',
    help: 'DBS OpenAPI requests retried after a retryable error, by the error class that caused the retry.',
    labelNames: ['account', 'action', 'code'],
    registers: [registry],
  });
  return { requests, duration, retries };
}

/** Each cycle's duration and outcome, and its failed discoveries and plan polls by error class. */
function registerCycleFamilies(registry: Registry) {
  const pollDuration = new Histogram({
    name: 'dbs_exporter_poll_duration_seconds',
    help: 'Duration of a whole collection cycle over every target and plan.',
    buckets: [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600],
    registers: [registry],
  });
  const cycles = new Counter({
    name: 'dbs_exporter_cycles_total',
    help: 'Collection cycles run, by outcome (ok when every target and plan polled, partial otherwise).',
    labelNames: ['outcome'],
    registers: [registry],
  });
  for (const outcome of ['ok', 'partial']) cycles.inc({ outcome }, 0);
  const pollErrors = new Counter({
    name: 'dbs_exporter_poll_errors_total',
    help: 'Failed plan discoveries (DescribeBackupPlanList) and plan polls, by error class; a poll fails when any request of it fails after retries, or a listing is inconsistent.',
    labelNames: ['account', 'scope', 'code'],
    registers: [registry],
  });
  return { pollDuration, cycles, pollErrors };
}
