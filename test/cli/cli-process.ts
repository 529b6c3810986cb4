/**
 * The CLI as a user runs it: a child process (`node --import tsx src/cli.ts`, which starts
 * about twice as fast as `npx tsx`), its exit code, and what it writes to stdout and stderr.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

export const REPO = join(import.meta.dirname, '../..');

/** Lines a Node.js stack trace is made of. */
export const STACK_LINE = /^\s+at /m;

export interface CliExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

const live = new Set<CliProcess>();

export class CliProcess {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  readonly exited: Promise<CliExit>;
  private readonly listeners = new Set<() => void>();

  constructor(args: string[], env: Record<string, string> = {}) {
    const { NODE_OPTIONS: _ignored, ...inherited } = process.env;
    this.child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
      cwd: REPO,
      env: { ...inherited, ALIBABA_CLOUD_ECS_METADATA_DISABLED: 'true', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    live.add(this);
    this.child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      this.stdout += chunk;
      this.notify();
    });
    this.child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderr += chunk;
      this.notify();
    });
    this.exited = new Promise((resolve) => {
      this.child.once('close', (code, signal) => {
        live.delete(this);
        this.notify();
        resolve({ code, signal, stdout: this.stdout, stderr: this.stderr });
      });
    });
  }

  get output(): string {
    return this.stdout + this.stderr;
  }

  private notify(): void {
    for (const listener of [...this.listeners]) listener();
  }

  /** Resolves once `test` returns a value for the output so far; rejects on timeout or exit. */
  waitFor<T>(test: (p: CliProcess) => T | undefined, timeoutMs: number, what: string): Promise<T> {
    return new Promise((resolve, reject) => {
      const done = () => {
        this.listeners.delete(check);
        clearTimeout(timer);
      };
      const check = () => {
        const found = test(this);
        if (found !== undefined) {
          done();
          resolve(found);
        } else if (this.child.exitCode !== null || this.child.signalCode !== null) {
          done();
          reject(new Error(`process exited (${this.child.exitCode ?? this.child.signalCode}) before ${what}; output:\n${this.output}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out after ${timeoutMs}ms waiting for ${what}; output:\n${this.output}`));
      }, timeoutMs);
      this.listeners.add(check);
      check();
    });
  }

  /** The exit, or a rejection (and SIGKILL) when it takes longer than `timeoutMs`. */
  exit(timeoutMs: number): Promise<CliExit> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.child.kill('SIGKILL');
        reject(new Error(`did not exit within ${timeoutMs}ms; output:\n${this.output}`));
      }, timeoutMs);
      void this.exited.then((result) => {
        clearTimeout(timer);
        resolve(result);
      });
    });
  }

  signal(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }
}

/** Runs the CLI to completion. */
export function runCli(args: string[], env: Record<string, string> = {}, timeoutMs = 20_000): Promise<CliExit> {
  return new CliProcess(args, env).exit(timeoutMs);
}

/** For afterEach: kill whatever a test left running. */
export async function killAll(): Promise<void> {
  const left = [...live];
  for (const p of left) p.child.kill('SIGKILL');
  await Promise.all(left.map((p) => p.exited));
}

/** JSON log lines (--log.format json) from a stream, skipping anything else. */
export function jsonLines(text: string): Array<Record<string, unknown>> {
  return text
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** The port from the "dbs-exporter listening" line, in either log format. */
export function listeningPort(p: CliProcess): number | undefined {
  const line = p.stderr.split('\n').find((l) => l.includes('dbs-exporter listening'));
  const match = line && (/"address":"127\.0\.0\.1:(\d+)"/.exec(line) ?? /\baddress=127\.0\.0\.1:(\d+)\b/.exec(line));
  return match ? Number(match[1]) : undefined;
}

/** Polls `url` until it answers `status`. */
export async function waitForStatus(url: string, status: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url);
      await res.arrayBuffer();
      if (res.status === status) return;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not answer ${status} within ${timeoutMs}ms (last: ${last})`);
}
