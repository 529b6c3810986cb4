/**
 * Child processes under test and everything else that must be closed at the end: each child is
 * spawned with the event-loop probe preloaded and an IPC channel, and registered for cleanup so
 * an error or Ctrl-C never leaves a server or simulator running.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { copyFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { type IpcRequest, isIpcReply } from './ipc.js';

export const REPO = join(import.meta.dirname, '../..');
export const RESULTS_DIR = join(REPO, 'bench/results');
/** Git-ignored scratch space of this run (configs, captured expositions), removed at the end. */
export const TMP_DIR = join(RESULTS_DIR, 'tmp', `run-${process.pid}`);

/**
 * How measured processes run: `compiled` (default) runs the JavaScript tsc emits, as the
 * container image does (`node dist/cli.js`); `tsx` runs the TypeScript sources through tsx,
 * which adds its own transpiler and about 30 MiB of RSS to every process.
 */
export type Runtime = 'compiled' | 'tsx';
let runtime: { kind: 'tsx' } | { kind: 'compiled'; dir: string } = { kind: 'tsx' };

/** Compile src/ and bench/ (tsc, bench/tsconfig.json) into this run's scratch space and use it from now on. */
export async function useRuntime(kind: Runtime): Promise<string> {
  if (kind === 'tsx') {
    runtime = { kind };
    return 'tsx (TypeScript sources through node --import tsx)';
  }
  const dir = join(TMP_DIR, 'js');
  const tsc = join(REPO, 'node_modules/typescript/bin/tsc');
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, [tsc, '-p', join(REPO, 'bench/tsconfig.json'), '--outDir', dir], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`tsc failed (${code}):\n${output}`))));
  });
  // src/cli.js reads ../package.json (its version); it also marks the tree as ES modules.
  await copyFile(join(REPO, 'package.json'), join(dir, 'package.json'));
  runtime = { kind, dir };
  imageEnv = await imageEnvironment();
  const shown = Object.entries(imageEnv).map(([k, v]) => `${k}=${v}`).join(' ');
  return `compiled (tsc output, plain node, with the image's environment: ${shown || 'none'})`;
}

/**
 * The runtime environment the container image sets (the Dockerfile's `ENV` lines other than
 * NODE_ENV), applied to every measured process in compiled mode, so the bench measures the
 * process the image runs. NODE_OPTIONS flags become node flags.
 */
export async function imageEnvironment(): Promise<Record<string, string>> {
  const dockerfile = await readFile(join(REPO, 'Dockerfile'), 'utf8');
  const env: Record<string, string> = {};
  // Join continuation lines, then read `ENV KEY=VALUE …` instructions of the final stage.
  const lines = dockerfile.replace(/\\\n\s*/g, ' ').split('\n');
  for (const line of lines) {
    const match = /^ENV\s+(.*)$/.exec(line.trim());
    if (!match) continue;
    for (const [, key, quoted, bare] of match[1]!.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=(?:"([^"]*)"|(\S*))/g)) env[key!] = quoted ?? bare ?? '';
  }
  delete env.NODE_ENV;
  return env;
}
let imageEnv: Record<string, string> = {};

/** The image's environment as `KEY=value …` (compiled mode; empty before useRuntime or with tsx). */
export function describeImageEnvironment(): string {
  return Object.entries(imageEnv)
    .map(([key, value]) => `${key}=${value.includes(' ') ? `"${value}"` : value}`)
    .join(' ');
}

/** The file to run for a script named by its source path, e.g. `src/cli.ts`. */
export function entry(script: string): string {
  return runtime.kind === 'compiled' ? join(runtime.dir, script.replace(/\.ts$/, '.js')) : script;
}

type Cleanup = () => Promise<void>;
const cleanups = new Set<Cleanup>();

/** Registers something to close at the end; returns a function that closes it now. */
export function track(close: Cleanup): Cleanup {
  const once: Cleanup = async () => {
    if (!cleanups.delete(once)) return;
    await close();
  };
  cleanups.add(once);
  return once;
}

/** Closes everything still open, newest first. */
export async function closeAll(): Promise<void> {
  for (const close of [...cleanups].reverse()) {
    try {
      await close();
    } catch (err) {
      process.stderr.write(`bench: cleanup failed: ${(err as Error).message}\n`);
    }
  }
}

const TAIL_BYTES = 16_384;

export interface SpawnOptions {
  /** Node flags before the script, e.g. --expose-gc. */
  nodeFlags?: string[];
  env?: Record<string, string>;
  /** Preload bench/probe.ts (event-loop delay and memory over IPC); default true. */
  probe?: boolean;
  /**
   * Hold requests until the script sends `{ ready: true }`: a message that arrives before the
   * script has added its listener is dropped (the probe's listener already drains the channel).
   */
  waitForReady?: boolean;
  /** Keep the image's --max-old-space-size (default true); false runs with V8's default heap limit. */
  imageHeapCap?: boolean;
  /**
   * How the process is started: `image` (default) with the container image's environment
   * (compiled mode), `user` as the README starts it: plain node, no NODE_OPTIONS, nothing added.
   */
  start?: StartedAs;
  /** Scripts (source paths) imported before the script and the probe, e.g. src/runtime.ts. */
  imports?: string[];
}

export type StartedAs = 'image' | 'user';

export class Child {
  readonly process: ChildProcess;
  private output = '';
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly stop: Cleanup;
  private readonly ready: Promise<void>;

  constructor(
    readonly name: string,
    script: string,
    args: string[],
    options: SpawnOptions = {},
  ) {
    const { NODE_OPTIONS: _ignored, ...inherited } = process.env;
    const probe = options.probe === false ? [] : ['--import', pathToFileURL(entry('bench/probe.ts')).href];
    const imports = (options.imports ?? []).flatMap((script) => ['--import', pathToFileURL(entry(script)).href]);
    const preload = [...(runtime.kind === 'tsx' ? ['--import', 'tsx'] : []), ...imports, ...probe];
    const { NODE_OPTIONS: imageNodeOptions, ...imageVars } = runtime.kind === 'compiled' && options.start !== 'user' ? imageEnv : {};
    const imageFlags = (imageNodeOptions ? imageNodeOptions.split(/\s+/).filter(Boolean) : []).filter(
      (flag) => options.imageHeapCap !== false || !flag.startsWith('--max-old-space-size'),
    );
    this.process = spawn(process.execPath, [...imageFlags, ...(options.nodeFlags ?? []), ...preload, entry(script), ...args], {
      cwd: REPO,
      env: { ...inherited, ...imageVars, ALIBABA_CLOUD_ECS_METADATA_DISABLED: 'true', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    const keep = (chunk: string) => {
      this.output = (this.output + chunk).slice(-TAIL_BYTES);
    };
    this.process.stdout!.setEncoding('utf8').on('data', keep);
    this.process.stderr!.setEncoding('utf8').on('data', keep);
    let markReady = () => {};
    this.ready = options.waitForReady ? new Promise((resolve) => (markReady = resolve)) : Promise.resolve();
    this.process.on('message', (message) => {
      if ((message as { ready?: unknown } | null)?.ready === true) return markReady();
      if (!isIpcReply(message)) return;
      const waiter = this.pending.get(message.id);
      if (!waiter) return;
      this.pending.delete(message.id);
      clearTimeout(waiter.timer);
      if (message.ok) waiter.resolve(message.result);
      else waiter.reject(new Error(`${this.name}: ${message.error}`));
    });
    this.exited = new Promise((resolve) => {
      this.process.once('exit', (code, signal) => {
        for (const [id, waiter] of this.pending) {
          clearTimeout(waiter.timer);
          waiter.reject(new Error(`${this.name} exited (${code ?? signal}) while answering request ${id}; output:\n${this.tail()}`));
        }
        this.pending.clear();
        resolve({ code, signal });
      });
    });
    this.stop = track(() => this.terminate());
  }

  get alive(): boolean {
    return this.process.exitCode === null && this.process.signalCode === null;
  }

  /** The last lines the child wrote (stdout and stderr), for error messages. */
  tail(): string {
    return this.output.split('\n').slice(-30).join('\n');
  }

  /** Sends a command over IPC and waits for its answer (rejects after timeoutMs or on exit). */
  async request<T>(cmd: string, args: Record<string, unknown> = {}, timeoutMs = 60_000): Promise<T> {
    await Promise.race([this.ready, this.exited]);
    if (!this.alive) throw new Error(`${this.name} is not running; output:\n${this.tail()}`);
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${this.name}: no answer to ${cmd} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
      this.process.send({ id, cmd, args } satisfies IpcRequest);
    });
  }

  /**
   * Waits until the child's CPU use stays under `fraction` of one core for two 250 ms periods
   * (e.g. until it has finished rendering answers to requests a stopped load run abandoned).
   * Resolves with the wait in ms; gives up quietly after `timeoutMs`.
   */
  async settle(timeoutMs = 120_000, fraction = 0.15): Promise<number> {
    const started = performance.now();
    let quiet = 0;
    let last = await this.request<{ cpuMicros: number }>('probe.cpu', {}, timeoutMs);
    let lastAt = performance.now();
    while (quiet < 2 && performance.now() - started < timeoutMs) {
      await new Promise((r) => setTimeout(r, 250));
      const now = await this.request<{ cpuMicros: number }>('probe.cpu', {}, timeoutMs);
      const at = performance.now();
      quiet = (now.cpuMicros - last.cpuMicros) / 1000 / (at - lastAt) < fraction ? quiet + 1 : 0;
      last = now;
      lastAt = at;
    }
    return performance.now() - started;
  }

  /** SIGTERM, then SIGKILL if the child has not exited within 5 s. */
  private async terminate(): Promise<void> {
    if (!this.alive) return;
    this.process.kill('SIGTERM');
    const killed = setTimeout(() => this.process.kill('SIGKILL'), 5_000);
    await this.exited;
    clearTimeout(killed);
  }
}

/** A free loopback port (bound and released; the CLI needs a port number up front): the tests' own. */
export { freePort } from '../../test/support/ports.js';
