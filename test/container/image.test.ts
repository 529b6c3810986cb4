/**
 * The container image without a container engine: scripts/build-image.sh (the Dockerfile's build
 * stage) builds the runtime tree into a temp folder, and the tree is started the way the image starts
 * it — `node dist/cli.js` from /app, as uid 65534, nothing writable. Where this machine allows a
 * private mount namespace, the whole root filesystem is read-only too, like `docker run --read-only`.
 * A static read of the Dockerfile keeps it calling the same script with the same user and paths.
 */
import { type ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PLANS } from '../../src/demo/defaults.js';
import { REPO, waitForStatus } from '../cli/cli-process.js';
import { find, parseExposition, valueOf } from '../support/exposition.js';
import { freePort } from '../support/ports.js';

const RUNTIME_UID = 65534;
/** As root, drop to the image's user; a developer who is not root already runs as a non-root user. */
const asRuntimeUser = process.getuid?.() === 0 ? ['setpriv', `--reuid=${RUNTIME_UID}`, `--regid=${RUNTIME_UID}`, '--clear-groups'] : [];
const expectedUid = asRuntimeUser.length > 0 ? RUNTIME_UID : process.getuid?.();
const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string; dependencies: Record<string, string> };

/** `unshare` with a read-only bind remount of / works here (root with CAP_SYS_ADMIN). */
const readOnlyRoot = spawnSync('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', 'mount -o remount,bind,ro / && ! touch /.rw-probe 2>/dev/null']).status === 0;

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
}

/** A process started like the image's ENTRYPOINT or HEALTHCHECK: `node <args>` in /app as a non-root user. */
class InImage {
  readonly child: ChildProcess;
  output = '';
  readonly exited: Promise<Exit>;

  constructor(app: string, args: string[], env: Record<string, string> = {}) {
    const asUser = [...asRuntimeUser, process.execPath, ...args];
    // `exec` all the way down, so the pid we signal is node's, as with the image's exec-form ENTRYPOINT.
    const command = readOnlyRoot
      ? ['unshare', '--mount', '--propagation', 'private', 'sh', '-c', 'mount -o remount,bind,ro / && exec "$@"', 'sh', ...asUser]
      : asUser;
    this.child = spawn(command[0]!, command.slice(1), {
      cwd: app,
      // What the image sets, a HOME and TMPDIR the user cannot write to, and no ECS metadata probes.
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...IMAGE_ENV, HOME: app, TMPDIR: app, ALIBABA_CLOUD_ECS_METADATA_DISABLED: 'true', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    live.add(this);
    for (const stream of [this.child.stdout!, this.child.stderr!]) stream.setEncoding('utf8').on('data', (chunk: string) => (this.output += chunk));
    this.exited = new Promise((resolve) => {
      this.child.once('close', (code, signal) => {
        live.delete(this);
        resolve({ code, signal, output: this.output });
      });
    });
  }

  exit(timeoutMs: number): Promise<Exit> {
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    return this.exited.finally(() => clearTimeout(timer));
  }
}
const live = new Set<InImage>();

/** The runtime stage's `ENV KEY=VALUE …` instructions: what every process in the image starts with. */
function imageEnv(stage: string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const instruction of stage.filter((i) => i.startsWith('ENV '))) {
    for (const [, key, quoted, bare] of instruction.slice(4).matchAll(/([A-Za-z_][A-Za-z0-9_]*)=(?:"([^"]*)"|(\S*))/g)) env[key!] = quoted ?? bare ?? '';
  }
  return env;
}

/** Joins continuation lines and splits the Dockerfile into its stages' instructions. */
function dockerfileStages(text: string): string[][] {
  const instructions = text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  const stages: string[][] = [];
  for (const instruction of instructions) {
    if (/^FROM\s/i.test(instruction)) stages.push([]);
    stages.at(-1)?.push(instruction);
  }
  return stages;
}

const IMAGE_ENV = imageEnv(dockerfileStages(readFileSync(join(REPO, 'Dockerfile'), 'utf8'))[1] ?? []);

describe('Dockerfile', () => {
  const stages = dockerfileStages(readFileSync(join(REPO, 'Dockerfile'), 'utf8'));
  const [build = [], runtime = []] = stages;
  const one = (stage: string[], keyword: string) => {
    const found = stage.filter((i) => i.toUpperCase().startsWith(`${keyword} `));
    expect(found, keyword).toHaveLength(1);
    return found[0]!;
  };

  it('builds in one stage with scripts/build-image.sh and runs in a second that copies only its output', () => {
    expect(stages).toHaveLength(2);
    expect(build[0]).toMatch(/^FROM \$\{NODE_IMAGE\} AS build$/);
    expect(runtime[0]).toBe('FROM ${NODE_IMAGE}');
    expect(build.filter((i) => i.startsWith('RUN ')).join('\n')).toMatch(/^RUN (--mount=\S+ )*bash scripts\/build-image\.sh \/out$/);
    expect(runtime.filter((i) => i.startsWith('COPY ')).every((i) => i.startsWith('COPY --from=build /out/app'))).toBe(true);
    expect(runtime).toContain('COPY --from=build /out/app /app');
    expect(one(runtime, 'WORKDIR')).toBe('WORKDIR /app');
  });

  it('runs as a numeric non-root user, exposes 9871, checks health with node, starts dist/cli.js with the copied config', () => {
    const user = /^USER (\d+)(?::(\d+))?$/.exec(one(runtime, 'USER'));
    expect(user, 'USER must be numeric uid[:gid]').not.toBeNull();
    expect(Number(user![1])).toBe(RUNTIME_UID);
    expect(one(runtime, 'EXPOSE')).toBe('EXPOSE 9871');
    expect(one(runtime, 'HEALTHCHECK')).toMatch(/^HEALTHCHECK (--\S+ )*CMD \["node", "dist\/healthcheck\.js"\]$/);
    expect(one(runtime, 'ENTRYPOINT')).toBe('ENTRYPOINT ["node", "dist/cli.js"]');
    expect(one(runtime, 'CMD')).toBe('CMD ["--config=/etc/dbs-exporter/dbs-exporter.yaml"]');
    expect(runtime).toContain('COPY --from=build /out/app/config/dbs-exporter.yaml /etc/dbs-exporter/dbs-exporter.yaml');
    const labels = one(runtime, 'LABEL');
    for (const key of ['title', 'description', 'licenses', 'version', 'revision']) expect(labels).toContain(`org.opencontainers.image.${key}=`);
  });

  it('sets production mode and the memory settings the benchmark measures with (tests below run with this environment)', () => {
    expect(IMAGE_ENV).toEqual({
      NODE_ENV: 'production',
      MALLOC_ARENA_MAX: '2',
      MALLOC_MMAP_THRESHOLD_: '131072',
      NODE_OPTIONS: '--max-semi-space-size=8 --max-old-space-size=256',
    });
  });
});

describe('the runtime tree from scripts/build-image.sh', () => {
  let root: string;
  let app: string;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'dbs-exporter-image-'));
    await promisify(execFile)('bash', [join(REPO, 'scripts/build-image.sh'), join(root, 'out')], { timeout: 180_000, maxBuffer: 16 << 20 });
    app = join(root, 'out/app');
    // The image's files belong to root and the runtime user cannot write them: take every write bit away.
    await chmod(root, 0o755);
    spawnSync('chmod', ['-R', 'a-w', join(root, 'out')]);
  }, 200_000);

  afterAll(async () => {
    if (root) await rm(root, { recursive: true, force: true });
  });

  afterEach(async () => {
    const left = [...live];
    for (const p of left) p.child.kill('SIGKILL');
    await Promise.all(left.map((p) => p.exited));
  });

  it('holds dist, the production dependencies as locked, package.json and config, and no dev dependency', () => {
    expect(readdirSync(app).sort()).toEqual(['config', 'dist', 'node_modules', 'package.json']);
    expect(existsSync(join(app, 'dist/cli.js'))).toBe(true);
    expect(existsSync(join(app, 'dist/healthcheck.js'))).toBe(true);
    expect(existsSync(join(app, 'config/dbs-exporter.yaml'))).toBe(true);
    for (const name of Object.keys(pkg.dependencies)) expect(existsSync(join(app, 'node_modules', name, 'package.json')), name).toBe(true);
    for (const name of ['typescript', 'vitest', 'tsx']) expect(existsSync(join(app, 'node_modules', name)), name).toBe(false);

    const locked = (JSON.parse(readFileSync(join(REPO, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean; optional?: boolean; devOptional?: boolean }> }).packages;
    const wrong = Object.entries(locked)
      .filter(([path]) => path.startsWith('node_modules/'))
      .flatMap(([path, entry]) => {
        const present = existsSync(join(app, path));
        if (entry.dev && present) return [`${path}: dev dependency installed`];
        if (!entry.dev && !entry.optional && !entry.devOptional && !present) return [`${path}: production dependency missing`];
        return [];
      });
    expect(wrong).toEqual([]);
  });

  it(`serves --demo as uid ${expectedUid} with nothing writable${readOnlyRoot ? ' (read-only root filesystem)' : ''}; the healthcheck exits 0, then 1 once it stops; SIGTERM exits 0`, async () => {
    expect(expectedUid).not.toBe(0);
    const [touch = 'touch', ...touchArgs] = [...asRuntimeUser, 'touch', join(app, 'written')];
    expect(spawnSync(touch, touchArgs).status, 'the tree must not be writable').not.toBe(0);

    const port = await freePort();
    const exporter = new InImage(app, ['dist/cli.js', '--demo', '--web.listen-address', `127.0.0.1:${port}`]);
    const exitedEarly = exporter.exited.then((exit) => Promise.reject(new Error(`exited (${exit.code ?? exit.signal}) before it was ready; output:\n${exit.output}`)));
    await Promise.race([waitForStatus(`http://127.0.0.1:${port}/-/ready`, 200, 15_000), exitedEarly]);
    exitedEarly.catch(() => {}); // it will exit, later, on purpose

    // The pid is node's (exec all the way), running as the non-root user.
    expect(readFileSync(`/proc/${exporter.child.pid}/status`, 'utf8')).toMatch(new RegExp(`^Uid:\\t${expectedUid}\\t`, 'm'));

    const res = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(res.status).toBe(200);
    const m = parseExposition(await res.text());
    const plans = find(m, 'dbs_backup_plan_info', { account: 'demo' });
    expect(plans).toHaveLength(DEMO_PLANS);
    expect(new Set(plans.map((s) => s.labels.backup_plan_id)).size).toBe(DEMO_PLANS);
    expect(valueOf(m, 'dbs_exporter_build_info', { version: pkg.version })).toBe(1);

    const healthy = await new InImage(app, ['dist/healthcheck.js'], { DBS_EXPORTER_HEALTHCHECK_URL: `http://127.0.0.1:${port}/-/healthy` }).exit(10_000);
    expect(healthy).toEqual({ code: 0, signal: null, output: '' });

    exporter.child.kill('SIGTERM');
    const exit = await exporter.exit(10_000);
    expect(exit.code, exit.output).toBe(0);
    expect(exit.signal).toBeNull();
    expect(exit.output).toContain('stopped');

    const closed = await new InImage(app, ['dist/healthcheck.js'], { DBS_EXPORTER_HEALTHCHECK_URL: `http://127.0.0.1:${port}/-/healthy` }).exit(10_000);
    expect(closed.code).toBe(1);
    expect(closed.output).toBe(`unhealthy: http://127.0.0.1:${port}/-/healthy: connect ECONNREFUSED 127.0.0.1:${port}\n`);
  }, 60_000);

  it('accepts the default config the image starts with (CMD --config=/etc/dbs-exporter/dbs-exporter.yaml)', async () => {
    const check = await new InImage(app, ['dist/cli.js', '--config=config/dbs-exporter.yaml', '--check-config']).exit(15_000);
    expect(check.output).toMatch(/configuration is valid/);
    expect(check.code).toBe(0);
  }, 20_000);
});
