/**
 * Writes config/dbs-exporter.schema.json from the zod schema in src/config/schema.ts.
 * Run: npx tsx scripts/gen-config-schema.ts   (test/config/schema-file.test.ts fails if it is stale)
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { configJsonSchema } from '../src/config/schema.js';

export const SCHEMA_FILE = fileURLToPath(new URL('../config/dbs-exporter.schema.json', import.meta.url));

/** The file's exact text, so the test can compare byte for byte. */
export function renderConfigJsonSchema(): string {
  return `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(SCHEMA_FILE, renderConfigJsonSchema());
  console.log(`wrote ${SCHEMA_FILE}`);
}
