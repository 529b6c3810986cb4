/** Writes config/prometheus/dbs-exporter.rules.yml from src/rules/rules.ts with the default thresholds. */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderRules } from '../src/rules/rules.js';

export const RULES_FILE = fileURLToPath(new URL('../config/prometheus/dbs-exporter.rules.yml', import.meta.url));

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(RULES_FILE, renderRules());
  process.stdout.write(`wrote ${RULES_FILE}\n`);
}
