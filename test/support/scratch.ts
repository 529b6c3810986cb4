/** What a test file leaves behind, cleaned up by the vitest hooks these helpers register. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach } from 'vitest';
import { type Simulator, type SimulatorOptions, startSimulator } from '../../src/simulator/index.js';
import { killAll } from '../cli/cli-process.js';

/** A temporary directory for the file's config files, removed after its tests. */
export function scratchDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * Starts the simulators a test's CLI processes poll. After each test the processes are
 * killed first, so none of them sees its simulator go away, then the simulators close.
 */
export function simulatorsForCli(): (options: SimulatorOptions) => Promise<Simulator> {
  const simulators: Simulator[] = [];
  afterEach(async () => {
    await killAll();
    await Promise.all(simulators.splice(0).map((s) => s.close()));
  });
  return async (options) => {
    const simulator = await startSimulator(options);
    simulators.push(simulator);
    return simulator;
  };
}

/** The target a CLI test's config file polls; `credentials` is its YAML flow mapping. */
export interface CliTarget {
  name: string;
  simulator: Simulator;
  credentials: string;
}

/**
 * Writes a config for the CLI at `path`: one target, a cycle every second and retries in
 * milliseconds, so a test sees several cycles and failed polls within seconds.
 */
export function writeCliConfig(path: string, target: CliTarget, settings: readonly string[] = []): string {
  writeFileSync(
    path,
    [
      'collection: { interval: 1s }',
      'defaults:',
      '  retries: { max_attempts: 2, initial_backoff: 1ms, max_backoff: 2ms }',
      ...settings,
      'targets:',
      `  - name: ${target.name}`,
      '    region: cn-hangzhou',
      `    endpoint: ${target.simulator.endpoint}`,
      '    protocol: http',
      `    credentials: ${target.credentials}`,
    ].join('\n'),
  );
  return path;
}
