/**
 * Writes the shipped rules from src/rules/rules.ts: config/prometheus/dbs-exporter.rules.yml
 * (default thresholds) and the Helm chart's copy with __threshold__ placeholders.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderRuleTemplate, renderRules } from '../src/rules/rules.js';

export const RULES_FILE = fileURLToPath(new URL('../config/prometheus/dbs-exporter.rules.yml', import.meta.url));
export const CHART_RULES_FILE = fileURLToPath(new URL('../helm/dbs-exporter/files/dbs-exporter.rules.tpl.yml', import.meta.url));

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(RULES_FILE, renderRules());
  mkdirSync(dirname(CHART_RULES_FILE), { recursive: true });
  writeFileSync(CHART_RULES_FILE, renderRuleTemplate());
  process.stdout.write(`wrote ${RULES_FILE}\nwrote ${CHART_RULES_FILE}\n`);
}
