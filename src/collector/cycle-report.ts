/** What one collection cycle did: its log line and the exporter's cycle metrics read it. */
import type { Logger } from 'pino';

export interface CycleReport {
  durationSeconds: number;
  plansPolled: number;
  planFailures: number;
  targetFailures: number;
  /** Calls to DBS during the cycle, retries included, and how many of them failed. */
  apiCalls: number;
  apiErrors: number;
  errors: Array<{ account: string; planId?: string; errorClass: string; code: string; message: string }>;
}

export function cycleOk(report: CycleReport): boolean {
  return report.planFailures === 0 && report.targetFailures === 0;
}

/** One line per cycle; its errors grouped by class and code, with one example each. */
export function logCycle(logger: Logger, cycle: number, report: CycleReport): void {
  const line = {
    cycle,
    plans_polled: report.plansPolled,
    plan_failures: report.planFailures,
    target_failures: report.targetFailures,
    api_calls: report.apiCalls,
    api_errors: report.apiErrors,
    duration_seconds: Number(report.durationSeconds.toFixed(3)),
  };
  if (cycleOk(report)) {
    logger.info(line, 'collection cycle finished');
    return;
  }
  const byKind = new Map<string, { count: number; example: string; accounts: Set<string> }>();
  for (const e of report.errors) {
    const key = `${e.errorClass}:${e.code}`;
    const entry = byKind.get(key) ?? { count: 0, example: e.message, accounts: new Set<string>() };
    entry.count += 1;
    entry.accounts.add(e.account);
    byKind.set(key, entry);
  }
  const errors = [...byKind].map(([kind, v]) => ({ kind, count: v.count, accounts: [...v.accounts], example: v.example }));
  logger.warn({ ...line, errors }, 'collection cycle finished with errors');
}
