/**
 * The shipped rules, checked by Prometheus' own promtool: they parse, they match what
 * src/rules renders, and their unit tests pass: every incident class as the exporter serves it
 * through restarts, rollouts and poll outages (backups, lifecycle, exporter), and weeks of
 * healthy plans that must not page (weeks).
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { buildRules, renderRules } from '../../src/rules/rules.js';
import { promtool } from '../support/promtool.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const RULES = `${root}config/prometheus/dbs-exporter.rules.yml`;
const TESTS = ['backups', 'lifecycle', 'exporter', 'weeks'].map((name) => `${root}test/rules/${name}.test.yml`);

/** promtool test rules on one file, without blocking: the files run side by side (~10 s each at most). */
function promtoolTest(file: string): Promise<{ status: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('promtool', ['test', 'rules', file]);
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', (err) => reject(new Error(`promtool could not run (${err.message}); run scripts/ensure-prometheus.sh`)));
    child.on('close', (status) => resolve({ status, output }));
  });
}

interface AlertTest {
  alertname: string;
  exp_alerts: unknown[];
}
const alertTests = TESTS.flatMap((file) =>
  (parse(readFileSync(file, 'utf8')) as { tests: Array<{ alert_rule_test?: AlertTest[] }> }).tests.flatMap((t) => t.alert_rule_test ?? []),
);
const alerts = buildRules().groups.flatMap((g) => g.rules).filter((r): r is Extract<typeof r, { alert: string }> => 'alert' in r);

describe('shipped Prometheus rules', () => {
  it('pass promtool check rules', () => {
    const result = promtool(['check', 'rules', RULES]);
    expect(result.stdout).toContain('SUCCESS: 32 rules found');
    expect(result.status).toBe(0);
  });

  it('are exactly what src/rules renders with the default thresholds (npm run gen:rules)', () => {
    expect(readFileSync(RULES, 'utf8')).toBe(renderRules());
  });

  it.concurrent.each(TESTS.map((file) => [file.slice(root.length), file]))(
    'pass the promtool unit tests in %s',
    async (_name, file) => {
      const result = await promtoolTest(file);
      expect(result.output).toContain('SUCCESS');
      expect(result.output).not.toContain('FAILED');
      expect(result.status).toBe(0);
    },
    120_000,
  );

  it.each(alerts.map((a) => [a.alert, a] as const))('%s has a fire test, a no-fire test, severity and a runbook', (name, rule) => {
    expect(alertTests.some((t) => t.alertname === name && t.exp_alerts.length > 0)).toBe(true);
    expect(alertTests.some((t) => t.alertname === name && t.exp_alerts.length === 0)).toBe(true);
    expect(['critical', 'warning']).toContain(rule.labels.severity);
    const anchor = rule.annotations.runbook_url.split('#')[1];
    expect(readFileSync(`${root}docs/runbooks.md`, 'utf8')).toContain(`\n## ${name}\n`);
    expect(anchor).toBe(name.toLowerCase());
    if (!name.startsWith('DBSExporter')) {
      for (const label of ['backup_plan_id', 'account', 'region']) expect(rule.annotations.description).toContain(`$labels.${label}`);
    }
  });

  it('take thresholds from one place: overrides change the rendered expressions and for: durations', () => {
    const text = renderRules({ incrementalLagSeconds: 30, planNotRunningFor: '5s', exporterJobSelector: 'job="e2e"' });
    expect(text).toContain('dbs:backup_incremental_lag_seconds > 30\n');
    expect(text).toContain('for: 5s');
    expect(text).toContain('up{job="e2e"} == 0');
    expect(text).not.toContain('> 7200');
  });
});
