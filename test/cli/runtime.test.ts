/**
 * The V8 heap settings of src/runtime.ts, in force however the exporter is started: the README's
 * `npm run build && node dist/cli.js --config …` with no NODE_OPTIONS, read back from the
 * process's own heap statistics (prom-client's nodejs_heap_space_size_total_bytes on /metrics)
 * after its first collection cycle over a 500-plan simulator; and a user's own NODE_OPTIONS left
 * alone. The RSS these settings give at 5,000 plans is measured by the bench (bench/README.md).
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RUNTIME_DEFAULTS, nodeFlags, runtimeSettings } from '../../src/runtime.js';
import { DEMO_CREDENTIAL, type Simulator, startSimulator } from '../../src/simulator/index.js';
import { parseExposition, valueOf } from '../support/exposition.js';
import { freePort } from '../support/ports.js';
import { REPO, waitForStatus } from './cli-process.js';

const MiB = 2 ** 20;

describe('runtimeSettings: our defaults unless the user chose', () => {
  it('applies both with no flags, or flags about other things', () => {
    expect(runtimeSettings([])).toEqual(RUNTIME_DEFAULTS);
    expect(runtimeSettings(['--enable-source-maps', '--import', 'tsx', '--expose-gc'])).toEqual({ heapGrowingPercent: 30, semiSpaceMiB: 8 });
  });

  it('leaves the old generation to a user who sized it or set its growth, the young one to a user who sized it', () => {
    expect(runtimeSettings(['--max-old-space-size=512'])).toEqual({ semiSpaceMiB: 8 });
    expect(runtimeSettings(['--max_old_space_size=512'])).toEqual({ semiSpaceMiB: 8 });
    expect(runtimeSettings(['--max-heap-size=600'])).toEqual({ semiSpaceMiB: 8 });
    expect(runtimeSettings(['--heap-growing-percent=0'])).toEqual({ semiSpaceMiB: 8 });
    expect(runtimeSettings(['--max-semi-space-size=16'])).toEqual({ heapGrowingPercent: 30 });
    expect(runtimeSettings(['--max-semi-space-size=8', '--max-old-space-size=256'])).toEqual({});
  });

  it('reads NODE_OPTIONS and node\'s command line', () => {
    expect(nodeFlags({ NODE_OPTIONS: ' --max-semi-space-size=8  --max-old-space-size=256 ' }, ['--expose-gc'])).toEqual(['--max-semi-space-size=8', '--max-old-space-size=256', '--expose-gc']);
    expect(nodeFlags({}, [])).toEqual([]);
  });

  it('src/cli.ts imports it before anything else, so it runs before the heap grows', () => {
    const firstImport = /^import .*$/m.exec(readFileSync(join(REPO, 'src/cli.ts'), 'utf8'))?.[0];
    expect(firstImport).toMatch(/^import '\.\/runtime\.js';/);
  });
});

describe('node dist/cli.js, as the README starts it', () => {
  let dir: string;
  let sim: Simulator;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    // `npm run build` into a scratch folder (dist/ may be in use), laid out like the repo: dist/, package.json, node_modules.
    dir = mkdtempSync(join(tmpdir(), 'dbs-runtime-'));
    await promisify(execFile)(process.execPath, [join(REPO, 'node_modules/typescript/bin/tsc'), '-p', join(REPO, 'tsconfig.json'), '--outDir', join(dir, 'dist')], { cwd: REPO });
    copyFileSync(join(REPO, 'package.json'), join(dir, 'package.json'));
    symlinkSync(join(REPO, 'node_modules'), join(dir, 'node_modules'));
    sim = await startSimulator({ scenario: { plans: 500, historyDays: 14 } });
    writeFileSync(
      join(dir, 'config.yaml'),
      [
        'targets:',
        '  - name: prod',
        '    region: cn-hangzhou',
        `    endpoint: ${sim.endpoint}`,
        '    protocol: http',
        '    credentials: { type: access_key, access_key_id_env: SIM_KEY_ID, access_key_secret_env: SIM_SECRET }',
        '    max_concurrency: 32',
        '    rate_limit: { requests_per_second: 1000, burst: 1000 }',
      ].join('\n'),
    );
  }, 120_000);

  afterAll(async () => {
    for (const child of children) child.kill('SIGKILL');
    await sim?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Starts the built CLI with exactly this NODE_OPTIONS (none: undefined); the heap's new and old space (MiB) after its first cycle. */
  async function heapAfterFirstCycle(nodeOptions: string | undefined): Promise<{ newSpaceMiB: number; oldSpaceMiB: number }> {
    const port = await freePort();
    const { NODE_OPTIONS: _ignored, ...inherited } = process.env;
    const env = { ...inherited, SIM_KEY_ID: DEMO_CREDENTIAL.accessKeyId, SIM_SECRET: DEMO_CREDENTIAL.accessKeySecret, ALIBABA_CLOUD_ECS_METADATA_DISABLED: 'true', ...(nodeOptions === undefined ? {} : { NODE_OPTIONS: nodeOptions }) };
    const child = spawn(process.execPath, ['dist/cli.js', '--config', 'config.yaml', '--web.listen-address', `127.0.0.1:${port}`], { cwd: dir, env, stdio: ['ignore', 'ignore', 'pipe'] });
    children.push(child);
    let stderr = '';
    child.on('exit', (code, signal) => (stderr += `\n[exit ${code ?? signal}]`));
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-4000)));
    await waitForStatus(`http://127.0.0.1:${port}/-/ready`, 200, 90_000).catch((err: Error) => {
      throw new Error(`${err.message}; the exporter wrote:\n${stderr}`);
    });
    const samples = parseExposition(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text());
    child.kill('SIGTERM');
    const space = (name: string) => valueOf(samples, 'nodejs_heap_space_size_total_bytes', { space: name }) / MiB;
    return { newSpaceMiB: space('new'), oldSpaceMiB: space('old') };
  }

  it('runs with an 8 MiB semi-space and the old generation grown by 1.3x; a NODE_OPTIONS that sizes the heap as node would on a big host gets that instead', async () => {
    // (--heap-growing-percent is not allowed in NODE_OPTIONS: a heap size is how a user takes the old generation over.)
    const [ours, nodeDefaults] = await Promise.all([heapAfterFirstCycle(undefined), heapAfterFirstCycle('--max-semi-space-size=16 --max-old-space-size=4096')]);
    // New space is two semi-spaces.
    expect(ours.newSpaceMiB).toBeLessThanOrEqual(2 * RUNTIME_DEFAULTS.semiSpaceMiB);
    // The same cycle grows node's default young generation to its 16 MiB semi-spaces: the user's setting was kept.
    expect(nodeDefaults.newSpaceMiB).toBe(32);
    // V8 left to grow the old generation up to 4x keeps ~80 MiB of it after this cycle; at 1.3x, ~30-35.
    expect(ours.oldSpaceMiB).toBeLessThan(nodeDefaults.oldSpaceMiB * 0.7);
  }, 120_000);
});
