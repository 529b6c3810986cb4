/** What the absolute numbers were measured on, and which code. */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { cpus, release, totalmem } from 'node:os';
import { REPO } from './processes.js';

export interface Machine {
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  node: string;
  kernel: string;
  commit: string;
  /** Uncommitted changes in src/ when the run started (the numbers describe that tree). */
  dirtySrc: boolean;
  /** Hash of every file under src/ when the run started (see srcHash). */
  srcHash: string;
}

/**
 * A short hash of every file under src/: the code under test, committed or not. Recorded per
 * fleet size, before and after, because src/ may change while a long run is going on.
 */
export function srcHash(): string {
  const root = join(REPO, 'src');
  const hash = createHash('sha256');
  const files = readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
  for (const file of files) {
    hash.update(file.slice(root.length));
    hash.update('\0');
    hash.update(readFileSync(file));
    hash.update('\0');
  }
  return hash.digest('hex').slice(0, 12);
}

function git(args: string[]): string {
  try {
    return execFileSync('git', args, { cwd: REPO, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '';
  }
}

export function describeMachine(): Machine {
  let cpuModel = cpus()[0]?.model ?? 'unknown';
  try {
    cpuModel = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpuModel;
  } catch {
    // not Linux: os.cpus() is good enough
  }
  return {
    cpuModel,
    cores: cpus().length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    kernel: release(),
    commit: git(['rev-parse', '--short', 'HEAD']) || 'unknown',
    dirtySrc: git(['status', '--porcelain', '--', 'src']) !== '',
    srcHash: srcHash(),
  };
}
