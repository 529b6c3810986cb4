/** --shard.index / --shard.total: replicas split the demo fleet exactly. */
import { describe, expect, it } from 'vitest';
import { find, parseExposition } from '../support/exposition.js';
import { runCli } from './cli-process.js';

describe('sharding flags', () => {
  it('three replicas of --demo --once expose disjoint plan sets whose union is the fleet', async () => {
    const runs = await Promise.all(
      [0, 1, 2].map((index) => runCli(['--demo', '--once', '--demo.plans', '30', '--log.level', 'warn', '--shard.index', String(index), '--shard.total', '3'])),
    );
    const all = await runCli(['--demo', '--once', '--demo.plans', '30', '--log.level', 'warn']);
    const ids = (stdout: string) => find(parseExposition(stdout), 'dbs_backup_plan_info').map((s) => s.labels.backup_plan_id!);
    for (const run of [...runs, all]) expect(run.code).toBe(0);
    const parts = runs.map((r) => ids(r.stdout));
    expect(parts.flat().sort()).toEqual(ids(all.stdout).sort());
    expect(new Set(parts.flat()).size).toBe(30);
    for (const part of parts) expect(part.length).toBeGreaterThan(3);
  }, 60_000);

  it('an index outside the total is a configuration error (exit 2)', async () => {
    const run = await runCli(['--demo', '--once', '--shard.index', '2', '--shard.total', '2']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--shard.index 2 must be below --shard.total 2');
  });
});

describe('sharding flag values', () => {
  it('an empty --shard.index (an unset $(SHARD_INDEX)) is rejected, not read as shard 0', async () => {
    const run = await runCli(['--demo', '--check-config', '--shard.total=3', '--shard.index=']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--shard.index');
  });
});
