/**
 * What the demo fleet holds and which of the shipped alerts each plan raises, and when: read from
 * the scenario the simulator builds (src/simulator/scenario.ts) and the rules' thresholds
 * (src/rules/rules.ts), so the text cannot drift from either. Shown in the startup banner and on
 * the landing page.
 */
import { fullBackupIntervalSeconds } from '../collector/status.js';
import { formatDuration, parseDuration } from '../config/duration.js';
import type { RuleThresholds } from '../rules/rules.js';
import { EVERY_DAY, type BackupKind } from '../simulator/model.js';
import type { PlanSeed } from '../simulator/scenario.js';

export interface DemoScenario {
  /** The fleet as the simulator builds it: buildScenario(options, now). */
  plans: readonly PlanSeed[];
  /** The instant the fleet was built around (its startTime), epoch ms. */
  now: number;
  /** The exporter's collection.lookback: how much of a plan's history it reads, ms. */
  lookbackMs: number;
}

/** An alert of src/rules/rules.ts, and how long after Prometheus first scrapes the demo it fires. */
export interface PromisedAlert {
  alert: string;
  backupType?: BackupKind;
  afterSeconds: number;
}

/** Something the demo's DBS shows about a plan, each with the alerts it raises. */
export type PlanFinding =
  | { kind: 'not-running'; status: string; sinceMs?: number; alerts: PromisedAlert[] }
  | { kind: 'full-backups-fail'; error?: string; alerts: PromisedAlert[] }
  | { kind: 'log-backups-fail'; outcome: string; alerts: PromisedAlert[] }
  | { kind: 'log-backup-stuck'; backupSetId: string; sinceMs: number; sizeBytes: number; alerts: PromisedAlert[] }
  | { kind: 'log-backups-off'; alerts: PromisedAlert[] };

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
const PLAN_LINES = 12;

/** Statuses the rules leave alone: running, and wait (bought, never configured). */
const QUIET_STATUSES = new Set(['running', 'wait']);

const seconds = (ms: number) => Math.max(0, Math.ceil(ms / 1000));

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
  const seen: SeenPlan = {
    seed,
    now,
    // Since when the exporter sees a plan's history: its lookback, or the plan's creation.
    visibleMs: now - Math.max(plan.createdAt, now - scenario.lookbackMs),
    running: plan.status === 'running',
  };
  const findings: PlanFinding[] = [];
  if (!seen.running) findings.push(notRunningFinding(seen, t));
  if (plan.full.outcome === 'failed') findings.push(fullBackupsFailFinding(seen, t));
  if (plan.incremental?.outcome === 'UNCOMPLETED') findings.push(logBackupsFailFinding(seen, plan.incremental.outcome, t));
  findings.push(...stuckLogBackupFindings(seen, t));
  if (plan.incremental === undefined) findings.push({ kind: 'log-backups-off', alerts: [] });
  return findings;
}

/** A plan of the demo fleet as the exporter will first see it. */
interface SeenPlan {
  seed: PlanSeed;
  now: number;
  /** How much of the plan's history the exporter sees, ms. */
  visibleMs: number;
  running: boolean;
}

/** The rules page job failures, lag and stalls of running plans only (a paused plan's are expected). */
const ifRunning = (seen: SeenPlan, alerts: PromisedAlert[]): PromisedAlert[] => (seen.running ? alerts : []);

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

function describeFinding(finding: PlanFinding, now: number): string {
  const ago = (ms: number) => `${formatDuration(Math.max(0, Math.round((now - ms) / 60_000)) * 60_000)} ago`;
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
      return 'log backups off';
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
  return `${name} ${alert.afterSeconds === 0 ? 'at once' : `after ${formatDuration(alert.afterSeconds * 1000)}`}`;
}

/** Findings worth a word: the schedule already says when log backups are off. */
function notable(findings: readonly PlanFinding[]): PlanFinding[] {
  return findings.filter((f) => f.kind !== 'log-backups-off');
}

/** `status pause since 1d2h ago → DBSBackupPlanNotRunning after 30m`, or `healthy, no alert`. */
function describeFindings(plan: PlanGuide, now: number): string {
  const findings = notable(plan.findings);
  if (findings.length === 0) return 'healthy, no alert';
  return findings.map((f) => (f.alerts.length === 0 ? describeFinding(f, now) : `${describeFinding(f, now)} → ${f.alerts.map(describeAlert).join(', ')}`)).join('; ');
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
    const key = notable(plan.findings).map((f) => f.kind).join('+');
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
