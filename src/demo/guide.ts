/**
 * What the demo fleet holds and which of the shipped alerts each plan raises, and when: read from
 * the scenario the simulator builds (src/simulator/scenario.ts), what the simulator will answer
 * about it (its restorable ranges and restore tasks, through the simulator's and the collector's
 * own pure functions), the demo's configuration (its expectations) and the rules' thresholds
 * (src/rules/rules.ts), so the text cannot drift from any of them. Shown in the startup banner and
 * on the landing page.
 */
import { fullBackupIntervalSeconds } from '../collector/status.js';
import { type ResolvedConfig, expectationsFor } from '../config/index.js';
import { formatDuration, parseDuration } from '../config/duration.js';
import type { RuleThresholds } from '../rules/rules.js';
import { EVERY_DAY, type BackupKind } from '../simulator/model.js';
import type { PlanSeed } from '../simulator/scenario.js';
import type { Gateway } from '../simulator/gateways.js';
import { type OperationsFinding, describeOperationsFinding, operationsFindings } from './operations-findings.js';
import { type SeenPlan, ifRunning, recoveryPointFindings, restoreGapFindings, restoreRangesAt, restoreTaskFindings, restoreTasksAt, seconds } from './restore-findings.js';

export interface DemoScenario {
  /** The fleet as the simulator builds it: buildScenario(options, now). */
  plans: readonly PlanSeed[];
  /** The instant the fleet was built around (its startTime), epoch ms. */
  now: number;
  /**
   * The exporter's configuration: its collection.lookback (how much of a plan's history it reads),
   * its restore settings, and its expectations (which plans are opted into which restore alerts).
   */
  config: Pick<ResolvedConfig, 'collection' | 'expectations' | 'targets'>;
  /** The fleet's backup gateways with their status history: buildScenarioGateways(options, now).all. */
  gateways?: readonly Gateway[];
}

/** An alert of src/rules/rules.ts, and how long after Prometheus first scrapes the demo it fires. */
export interface PromisedAlert {
  alert: string;
  backupType?: BackupKind;
  afterSeconds: number;
  /** When the alert lets go again by itself (it only holds for a while after its cause), seconds after the first scrape. */
  endsAfterSeconds?: number;
}

/** Something the demo's DBS shows about a plan, each with the alerts it raises. */
export type PlanFinding =
  | { kind: 'not-running'; status: string; sinceMs?: number; alerts: PromisedAlert[] }
  | { kind: 'full-backups-fail'; error?: string; alerts: PromisedAlert[] }
  | { kind: 'log-backups-fail'; outcome: string; alerts: PromisedAlert[] }
  | { kind: 'log-backup-stuck'; backupSetId: string; sinceMs: number; sizeBytes: number; alerts: PromisedAlert[] }
  | { kind: 'log-backups-off'; intended: boolean; alerts: PromisedAlert[] }
  /** Two continuous restorable ranges with no point-in-time restore between them (the newest such hole). */
  | { kind: 'restore-gap'; startMs: number; endMs: number; alerts: PromisedAlert[] }
  /** The newest moment a point-in-time restore reaches stands still (or no continuous range: `atLeast`), and is or gets too old. */
  | { kind: 'recovery-point-old'; pointMs: number; atLeast: boolean; alerts: PromisedAlert[] }
  | { kind: 'restore-failed'; atMs: number; error?: string; succeededMs?: number; alerts: PromisedAlert[] }
  | { kind: 'restore-running'; sinceMs: number; alerts: PromisedAlert[] }
  /** Restore drills (tasks named like the drill pattern), and what the expectations ask of them. */
  | { kind: 'restore-drills'; lastSuccessMs?: number; durationMs?: number; maxAgeMs?: number; rtoMs?: number; alerts: PromisedAlert[] }
  | OperationsFinding;

export interface PlanGuide {
  id: string;
  name: string;
  /** Database, method and schedule, for a person: `MySQL on RDS, full daily at 02:15 UTC, log backups every 5m`. */
  schedule: string;
  findings: PlanFinding[];
  /** Every alert of every finding; none for a healthy plan. */
  alerts: PromisedAlert[];
}

export interface DemoGuide {
  plans: PlanGuide[];
  /** For the landing page (LandingNotice) and the banner. */
  title: string;
  lines: string[];
}

/** Beyond this many plans the guide groups plans alike instead of one line each. */
const PLAN_LINES = 20;

/** Statuses the rules leave alone: running, and wait (bought, never configured). */
const QUIET_STATUSES = new Set(['running', 'wait']);


function describeSchedule(seed: PlanSeed): string {
  const { plan } = seed;
  const days = plan.full.weekdays;
  const when = days.length === EVERY_DAY.length ? 'daily' : days.length === 1 ? `weekly on ${days[0]}` : `on ${days.join(', ')}`;
  const method = plan.backupMethod === 'duplication' ? ' (cross-region duplication)' : '';
  const logs = plan.incremental ? `log backups every ${formatDuration(plan.incremental.intervalMs)}` : 'no log backups';
  return `${plan.databaseType} on ${plan.sourceEndpointInstanceType}${method}, full ${when} at ${plan.full.startTime} UTC, ${logs}`;
}

/**
 * Each finding with the alerts the rules raise for it: `for:` durations, and thresholds less the
 * age the condition already has when the demo starts (history the exporter can see through its lookback).
 */
function findingsOf(seed: PlanSeed, scenario: DemoScenario, t: RuleThresholds): PlanFinding[] {
  const { plan } = seed;
  const now = scenario.now;
  const { collection, expectations, targets } = scenario.config;
  const account = targets[0]?.name ?? 'demo';
  const seen: SeenPlan = {
    seed,
    now,
    // Since when the exporter sees a plan's history: its lookback, or the plan's creation.
    visibleMs: now - Math.max(plan.createdAt, now - collection.lookback),
    running: plan.status === 'running',
    expects: expectationsFor(expectations, account, { id: plan.id, name: plan.name, status: plan.status, instanceType: plan.sourceEndpointInstanceType }) ?? {},
    drillPattern: new RegExp(collection.restore_tasks.drill_name_regex, 'i'),
  };
  const findings: PlanFinding[] = [];
  if (!seen.running) findings.push(notRunningFinding(seen, t));
  if (plan.full.outcome === 'failed') findings.push(fullBackupsFailFinding(seen, t));
  if (plan.incremental?.outcome === 'UNCOMPLETED') findings.push(logBackupsFailFinding(seen, plan.incremental.outcome, t));
  const stuck = stuckLogBackupFindings(seen, t);
  findings.push(...stuck);
  if (plan.incremental === undefined) findings.push(logBackupsOffFinding(seen, t));
  if (collection.restore_ranges.enabled) {
    const ranges = restoreRangesAt(seen, collection.restore_ranges.window);
    findings.push(...restoreGapFindings(ranges, now, t));
    // The recovery point only stands still when log backups stop: stuck, failing, or no longer scheduled.
    const logsStopped = stuck.length > 0 || plan.incremental?.outcome === 'UNCOMPLETED' || seed.windows.incremental.every((w) => Number.isFinite(w.to));
    findings.push(...recoveryPointFindings(seen, ranges, logsStopped, t));
  }
  if (collection.restore_tasks.enabled) findings.push(...restoreTaskFindings(seen, restoreTasksAt(seen, collection.restore_tasks.lookback), t));
  findings.push(...operationsFindings(seen, scenario.gateways ?? [], t));
  return findings;
}


/** Paused, locked or still in init: DBSBackupPlanNotRunning after its `for:`, and an init plan's grace first. */
function notRunningFinding({ seed, now }: SeenPlan, t: RuleThresholds): PlanFinding {
  const { plan } = seed;
  const ends = [...seed.windows.full, ...seed.windows.incremental].map((w) => w.to).filter(Number.isFinite);
  const forSeconds = seconds(parseDuration(t.planNotRunningFor));
  const initLeft = plan.status === 'init' ? Math.max(0, t.planInitSeconds - seconds(now - plan.createdAt)) : 0;
  return {
    kind: 'not-running',
    status: plan.status,
    ...(ends.length > 0 ? { sinceMs: Math.max(...ends) } : {}),
    alerts: QUIET_STATUSES.has(plan.status) ? [] : [{ alert: 'DBSBackupPlanNotRunning', afterSeconds: initLeft + forSeconds }],
  };
}

/** Every full fails: the failure pages at once; "no successful full" once the visible history exceeds the limit. */
function fullBackupsFailFinding(seen: SeenPlan, t: RuleThresholds): PlanFinding {
  const { full } = seen.seed.plan;
  const maxAgeSeconds = t.fullBackupIntervalFactor * (fullBackupIntervalSeconds(full.weekdays.join(',')) ?? t.fullBackupFallbackIntervalSeconds);
  return {
    kind: 'full-backups-fail',
    ...(full.errMessage ? { error: full.errMessage } : {}),
    alerts: ifRunning(seen, [
      { alert: 'DBSBackupJobFailed', backupType: 'full', afterSeconds: 0 },
      { alert: 'DBSNoSuccessfulFullBackup', backupType: 'full', afterSeconds: Math.max(0, Math.ceil(maxAgeSeconds) - seconds(seen.visibleMs)) },
    ]),
  };
}

/** Every log backup fails: the failure pages at once; the lag once the visible history exceeds its limit. */
function logBackupsFailFinding(seen: SeenPlan, outcome: string, t: RuleThresholds): PlanFinding {
  return {
    kind: 'log-backups-fail',
    outcome,
    alerts: ifRunning(seen, [
      { alert: 'DBSBackupJobFailed', backupType: 'incremental', afterSeconds: 0 },
      { alert: 'DBSIncrementalBackupLagging', backupType: 'incremental', afterSeconds: Math.max(0, t.incrementalLagSeconds - seconds(seen.visibleMs)) },
    ]),
  };
}

/** A log backup planted in the scenario never moves (added sets are static): running, the same size, forever. */
function stuckLogBackupFindings(seen: SeenPlan, t: RuleThresholds): PlanFinding[] {
  return seen.seed.increments
    .filter((set) => set.BackupStatus === 'FILLING' || set.BackupStatus === 'RUNNING')
    .map((set): PlanFinding => {
      const sinceMs = Number(set.StartTime);
      return {
        kind: 'log-backup-stuck',
        backupSetId: String(set.BackupSetId),
        sinceMs,
        sizeBytes: Number(set.BackupSize ?? 0),
        alerts: ifRunning(seen, [
          // The last log backup that ended did so when this one started.
          { alert: 'DBSIncrementalBackupLagging', backupType: 'incremental', afterSeconds: Math.max(0, t.incrementalLagSeconds - seconds(seen.now - sinceMs)) },
          // Prometheus itself must have seen the size stand still for stallSeconds.
          { alert: 'DBSBackupJobStalled', backupType: 'incremental', afterSeconds: t.stallSeconds },
        ]),
      };
    });
}

/** Log backup off: DBSLogBackupDisabled after its `for:` on a running plan, unless the configuration says it is intended. */
function logBackupsOffFinding(seen: SeenPlan, t: RuleThresholds): PlanFinding {
  const intended = seen.expects.logBackupOffIntended === true;
  return {
    kind: 'log-backups-off',
    intended,
    alerts: seen.running && !intended ? [{ alert: 'DBSLogBackupDisabled', afterSeconds: seconds(parseDuration(t.logBackupDisabledFor)) }] : [],
  };
}

function describeFinding(finding: PlanFinding, now: number): string {
  const minutes = (ms: number) => formatDuration(Math.max(0, Math.round(ms / 60_000)) * 60_000) || '0m';
  const ago = (ms: number) => `${minutes(now - ms)} ago`;
  switch (finding.kind) {
    case 'not-running':
      return `status ${finding.status}${finding.sinceMs === undefined ? '' : ` since ${ago(finding.sinceMs)}`}`;
    case 'full-backups-fail':
      return `every full backup fails${finding.error ? ` ("${finding.error}")` : ''}`;
    case 'log-backups-fail':
      return `every log backup ends ${finding.outcome}`;
    case 'log-backup-stuck':
      return `a log backup started ${ago(finding.sinceMs)} is stuck at ${formatBytes(finding.sizeBytes)}, and none has started since`;
    case 'log-backups-off':
      return finding.intended ? 'log backups off, declared intended (expectations: log_backup_off: intended)' : 'log backups off';
    case 'restore-gap':
      return `point-in-time restore has a ${minutes(finding.endMs - finding.startMs)} gap, ending ${ago(finding.endMs)}${finding.alerts.length === 0 ? ' (past the window DBSRestoreGap pages in)' : ''}`;
    case 'recovery-point-old':
      return finding.atLeast
        ? `no continuous restore range: the newest point-in-time restore is at least ${minutes(now - finding.pointMs)} old`
        : `the newest moment a point-in-time restore reaches is ${ago(finding.pointMs)}`;
    case 'restore-failed':
      return `a restore failed ${ago(finding.atMs)}${finding.error ? ` ("${finding.error}")` : ''}${finding.succeededMs === undefined ? '' : `, one succeeded ${ago(finding.succeededMs)}`}`;
    case 'restore-running':
      return `a restore running since ${ago(finding.sinceMs)}`;
    case 'restore-drills': {
      const last = finding.lastSuccessMs === undefined ? 'no successful restore drill' : `last restore drill ${ago(finding.lastSuccessMs)}${finding.durationMs === undefined ? '' : `, took ${minutes(finding.durationMs)}`}`;
      const asked = [finding.maxAgeMs === undefined ? undefined : `every ${formatDuration(finding.maxAgeMs)}`, finding.rtoMs === undefined ? undefined : `within ${formatDuration(finding.rtoMs)}`].filter((p) => p !== undefined);
      return asked.length === 0 ? last : `${last} (expected ${asked.join(', ')})`;
    }
    default:
      return describeOperationsFinding(finding, now);
  }
}

function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${Number(value.toFixed(1))} ${units[unit]}`;
}

export function describeAlert(alert: PromisedAlert): string {
  const name = alert.backupType ? `${alert.alert} (${alert.backupType})` : alert.alert;
  const ends = alert.endsAfterSeconds === undefined ? '' : ` (for ${formatDuration(Math.round(alert.endsAfterSeconds / 60) * 60_000) || '0m'})`;
  return `${name} ${alert.afterSeconds === 0 ? 'at once' : `after ${formatDuration(alert.afterSeconds * 1000)}`}${ends}`;
}

/** Findings worth a word: the schedule already says when log backups are off, unless that raises an alert or is declared intended. */
export function notable(findings: readonly PlanFinding[]): PlanFinding[] {
  return findings.filter((f) => f.kind !== 'log-backups-off' || f.intended || f.alerts.length > 0);
}

/** `status pause since 1d2h ago → DBSBackupPlanNotRunning after 30m`, or `healthy, no alert`. */
function describeFindings(plan: PlanGuide, now: number): string {
  const findings = notable(plan.findings);
  if (findings.length === 0) return 'healthy, no alert';
  const described = findings.map((f) => (f.alerts.length === 0 ? describeFinding(f, now) : `${describeFinding(f, now)} → ${f.alerts.map(describeAlert).join(', ')}`));
  return [...described, ...(plan.alerts.length === 0 ? ['no alert'] : [])].join('; ');
}

export function demoGuide(scenario: DemoScenario, thresholds: RuleThresholds): DemoGuide {
  const plans = scenario.plans.map((seed): PlanGuide => {
    const findings = findingsOf(seed, scenario, thresholds);
    return { id: seed.plan.id, name: seed.plan.name, schedule: describeSchedule(seed), findings, alerts: findings.flatMap((f) => f.alerts) };
  });
  const lines =
    plans.length <= PLAN_LINES
      ? plans.map((p) => `${p.name} (${p.id}), ${p.schedule}: ${describeFindings(p, scenario.now)}.`)
      : groupedLines(plans, scenario.now);
  const firing = plans.filter((p) => p.alerts.length > 0).length;
  return {
    plans,
    title: `Demo fleet: ${plans.length} simulated DBS backup plans, ${firing} of them raising alerts`,
    lines: [
      ...lines,
      'Alert times count from the first scrape by a Prometheus loaded with the shipped rules (config/prometheus/dbs-exporter.rules.yml, or `dbs-exporter rules`).',
    ],
  };
}

/** Large fleets: one line per kind of plan (the same findings; all healthy ones together), naming a few of its plans. */
function groupedLines(plans: readonly PlanGuide[], now: number): string[] {
  const groups = new Map<string, PlanGuide[]>();
  for (const plan of plans) {
    // Alike: the same findings raising the same alerts.
    const key = notable(plan.findings)
      .map((f) => [f.kind, ...f.alerts.map((a) => a.alert)].join(':'))
      .join('+');
    groups.set(key, [...(groups.get(key) ?? []), plan]);
  }
  return [...groups.values()].map((group) => {
    const first = group[0]!;
    const names = group.slice(0, 3).map((p) => p.name).join(', ');
    const more = group.length > 3 ? `, and ${group.length - 3} more` : '';
    return `${group.length} plan${group.length === 1 ? '' : 's'} (${names}${more}), e.g. ${first.schedule}: ${describeFindings(first, now)}.`;
  });
}

/** The guide as the startup banner prints it on stderr, with where to look. */
export function demoBanner(guide: DemoGuide, where: { landingPage: string; metricsCommand: string }): string {
  return [
    '',
    `  ${guide.title}:`,
    ...guide.lines.map((line) => `    - ${line}`),
    `  Landing page: ${where.landingPage}`,
    '  Try:',
    `    ${where.metricsCommand}`,
    '',
    '',
  ].join('\n');
}
