/**
 * Writes test/rules/{backups,lifecycle,exporter,weeks,restore,operations}.test.yml from the scenarios next to it:
 *   node test/rules/scenarios/generate.mjs && promtool test rules test/rules/*.test.yml
 * Expected annotations are rendered from config/prometheus/dbs-exporter.rules.yml: run npm run gen:rules first.
 */
await import('./backups.mjs');
await import('./lifecycle.mjs');
await import('./exporter.mjs');
await import('./weeks.mjs');
await import('./restore.mjs');
await import('./operations.mjs');
