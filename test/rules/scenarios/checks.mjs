/** Expected alerts: spans of firing, and PromQL checks on ALERTS over a whole scenario. */
import { duration, expectedAlert } from './model.mjs';
export const T = (m) => m * 60;
export const range = (a, b, step = 1) => Array.from({ length: Math.floor((b - a) / step) + 1 }, (_, i) => a + i * step);
export const hm = (m) => duration(m);

const promLabels = (obj) => `{${Object.entries(obj).map(([k, v]) => `${k}="${v}"`).join(', ')}}`;

/**
 * An alert that fires from `from` to `to`: not one step before, exactly these alerts (labels and
 * annotations) at `from`, at the `at` times and at `to`, not one step after; and (a PromQL check on
 * ALERTS) firing at every evaluation in between.
 */
export function span(alert, from, to, firing, { at = [], step = 1, before = true, after = true } = {}) {
  const times = [...new Set([from, ...at.filter((x) => x > from && x < to), to])].sort((a, b) => a - b);
  const last = firing(to);
  const samples = last.map(({ value, queries, ...labels }) => {
    const e = expectedAlert(alert, labels, value, queries);
    return { labels: promLabels({ alertname: alert, alertstate: 'firing', ...e.labels }), value: (to - from) / step + 1 };
  });
  return [
    ...(before && from - step >= 0 ? [{ at: from - step, alert, firing: [] }] : []),
    ...times.map((t) => ({ at: t, alert, firing: firing(t) })),
    ...(after ? [{ at: to + step, alert, firing: [] }] : []),
    { promql: { expr: `count_over_time(ALERTS{alertname="${alert}", alertstate="firing"}[${duration(to - from)}])`, at: to, samples } },
  ];
}

/** No alert but these fired at any evaluation up to `end` (pending is not a page: a restart makes DBSExporterDown pending). */
export function only(end, ...names) {
  const sel = `{alertstate="firing"${names.length ? `, alertname!~"${names.join('|')}"` : ''}}`;
  return { promql: { expr: `count_over_time(ALERTS${sel}[${duration(end)}])`, at: end, samples: [] } };
}
/** No alert at all, not even pending, at any evaluation up to `end`. */
export function silent(end) {
  return { promql: { expr: `count_over_time(ALERTS[${duration(end)}])`, at: end, samples: [] } };
}

/**
 * Several plans' pages of one alert, each in its own window: [from, to, (at) => expected alert]. At `moments` and
 * around each window (a step before, at its ends, a step after) exactly the alerts whose windows hold; and (PromQL)
 * each plan's page firing at every evaluation of its window. `end`: the scenario's last evaluation.
 */
export function timeline(alert, severity, windows, { moments = [], step = 1, end }) {
  const firingAt = (at) => windows.filter(([a, b]) => at >= a && at <= b).map(([, , f]) => f(at));
  const edges = windows.flatMap(([a, b]) => [a - step, a, b, b + step]);
  const times = [...new Set([...edges, ...moments])].filter((t) => t >= 0 && t <= end).sort((a, b) => a - b);
  return [
    ...times.map((at) => ({ at, alert, firing: firingAt(at) })),
    ...windows.map(([from, to, f]) => {
      const { value, queries, ...labels } = f(to);
      const selector = promLabels({ alertname: alert, alertstate: 'firing', ...labels }).slice(1, -1);
      return {
        promql: {
          expr: `count_over_time(ALERTS{${selector}}[${duration(to - from)}])`, at: to,
          samples: [{ labels: promLabels({ alertname: alert, alertstate: 'firing', severity, ...labels }), value: (to - from) / step + 1 }],
        },
      };
    }),
  ];
}
