/** Helpers for drills that assert a real Prometheus's alerts: one key per alert, bounded waits, exact sets. */
import { expect } from 'vitest';
import type { PrometheusAlert, PrometheusServer } from './prometheus.js';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
export const sorted = (keys: readonly string[]) => [...keys].sort();

/** alertname, then the plan (or instance, or account), then backup_type / status. */
export function alertKey(labels: Record<string, string>): string {
  const who =
    labels.backup_plan_id ??
    (labels.backup_gateway_id ? `gateway=${labels.backup_gateway_id}` : labels.instance ? `instance=${labels.instance}` : labels.account ? `account=${labels.account}` : undefined);
  return [labels.alertname, who, labels.backup_type, labels.status].filter((p) => p !== undefined).join(' ');
}

/** Poll until `check` returns true; the last other value goes into the timeout message. */
export async function until(what: string, check: () => Promise<unknown>, timeoutMs = 30_000, pollMs = 250): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      last = await check();
      if (last === true) return;
    } catch (err) {
      last = err instanceof Error ? err.message : err;
    }
    await sleep(pollMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last: ${JSON.stringify(last)}`);
}

export async function firingAlerts(prometheus: PrometheusServer): Promise<PrometheusAlert[]> {
  return (await prometheus.alerts()).filter((a) => a.state === 'firing');
}

/** Until the firing alerts are exactly `expected` (then asserts it); returns them. */
export async function expectFiring(prometheus: PrometheusServer, expected: readonly string[], timeoutMs = 30_000): Promise<PrometheusAlert[]> {
  const want = sorted(expected);
  let got: string[] = [];
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    got = sorted((await firingAlerts(prometheus)).map((a) => alertKey(a.labels)));
    if (JSON.stringify(got) === JSON.stringify(want)) break;
    await sleep(250);
  }
  expect(got).toEqual(want);
  return firingAlerts(prometheus);
}

export interface AlertSample {
  at: number;
  firing: string[];
  activeAt: Record<string, string>;
}

/** The firing alerts now, by key, with when each became active. */
export async function sampleAlerts(prometheus: PrometheusServer): Promise<AlertSample> {
  const alerts = await firingAlerts(prometheus);
  return {
    at: Date.now(),
    firing: sorted(alerts.map((a) => alertKey(a.labels))),
    activeAt: Object.fromEntries(alerts.map((a) => [alertKey(a.labels), a.activeAt])),
  };
}
