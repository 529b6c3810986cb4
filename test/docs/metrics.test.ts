/**
 * docs/metrics.md is the reference of every metric family: each family the exporter defines (the `dbs_*` names
 * in src/metrics) is named there in full, and the README's short table links to it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const REPO = join(import.meta.dirname, '../..');
const METRICS_DIR = join(REPO, 'src/metrics');

const defined = [
  ...new Set(
    readdirSync(METRICS_DIR)
      .filter((f) => f.endsWith('.ts'))
      .flatMap((f) => [...readFileSync(join(METRICS_DIR, f), 'utf8').matchAll(/['"`](dbs_[a-z_]+)['"`]/g)].map((m) => m[1]!)),
  ),
].sort();

describe('docs/metrics.md', () => {
  const reference = readFileSync(join(REPO, 'docs/metrics.md'), 'utf8');

  it('finds the families src/metrics defines', () => {
    expect(defined.length).toBeGreaterThanOrEqual(30);
    expect(defined).toContain('dbs_backup_lag_seconds');
    expect(defined).toContain('dbs_exporter_target_up');
  });

  it('names every family in full', () => {
    const missing = defined.filter((name) => !new RegExp(`\`${name}(\`|\\{)`).test(reference));
    expect(missing).toEqual([]);
  });

  it('is linked from the README', () => {
    expect(readFileSync(join(REPO, 'README.md'), 'utf8')).toContain('](docs/metrics.md)');
  });
});
