/** The fleet the scenarios share: one account, two exporter pods, plans with realistic schedules. */
import { D, H, LOOKBACK, full, ALERT_NAMES } from './model.mjs';
export const ACC = { account: 'prod', region: 'cn-hangzhou' };
export const A = { instance: '10.42.1.17:9871', pod: 'dbs-exporter-6d4cf56db6-8xk2p' };
export const B = { instance: '10.42.2.31:9871', pod: 'dbs-exporter-7b9c8f5d4-m4tqz' };
/** The exporter serving at the start of a test was started a week earlier: its history starts 10 days back. */
export const PRE = -7 * D - LOOKBACK;

/** A (up since a week ago) restarts at `restart` (scrapes fail for 2 minutes); B takes over in a rollout at `rollout` (4 minutes of overlap). */
export function exporters({ restart, rollout, end, lookbackFrom = PRE }) {
  return [
    { ...A, processes: [{ from: 0, to: restart - 1, lookbackFrom }, { from: restart + 2, to: rollout + 3 }], removedAt: rollout + 4 },
    { ...B, processes: [{ from: rollout, to: end }] },
  ];
}
export function single(end, inst = A) {
  return [{ ...inst, processes: [{ from: 0, to: end, lookbackFrom: PRE }] }];
}

/** Daily fulls at `at` minutes past midnight UTC (17:00 UTC is 01:00 in Hangzhou), `dur` long. */
export function dailyFulls(fromDay, toDay, { at = 17 * H, dur = 20, retention = 7 * D, except = {} } = {}) {
  const jobs = [];
  for (let d = fromDay; d <= toDay; d++) {
    const o = except[d];
    if (o === 'skip') continue;
    jobs.push(full(d * D + at, { dur, retention, ...(o ?? {}) }));
  }
  return jobs;
}

export function plan(id, over = {}) {
  return { id, ...ACC, status: 'running', interval: 86_400, created: -400 * D, logEnabled: true, jobs: [], ...over };
}
export const labels = (p, type) => ({ account: p.account, region: p.region, backup_plan_id: p.id, ...(type ? { backup_type: type } : {}) });
export const others = (...firing) => ALERT_NAMES.filter((n) => !firing.includes(n));
