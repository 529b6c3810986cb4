/** A real Prometheus server (Debian package `prometheus`) on a free loopback port, for end-to-end tests. */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';

export interface PrometheusAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  state: 'pending' | 'firing';
  /** When the alert became active (pending), RFC 3339; unchanged for as long as it stays active. */
  activeAt: string;
  value: string;
}

/** A file_sd_configs target group: scrape addresses and the labels they get. */
export interface TargetGroup {
  targets: string[];
  labels?: Record<string, string>;
}

export interface ActiveTarget {
  scrapeUrl: string;
  labels: Record<string, string>;
  health: 'up' | 'down' | 'unknown';
  lastError: string;
}

export interface RuleState {
  name: string;
  type: 'alerting' | 'recording';
  health: string;
  lastError?: string;
}

export interface RangeResult {
  status: string;
  error?: string;
  data?: { resultType: string; result: Array<{ metric: Record<string, string>; values: Array<[number, string]> }> };
}

export interface QueryResult {
  status: string;
  error?: string;
  data?: { resultType: string; result: Array<{ metric: Record<string, string>; value?: [number, string] }> };
}

export class PrometheusServer {
  private constructor(
    readonly url: string,
    private readonly child: ChildProcess,
    private readonly dir: string,
    private readonly output: string[],
  ) {}

  /**
   * `scrapeTargets`: a fixed list (static_configs). `targetGroups`: file-based service discovery
   * instead, so setTargets() can add and remove targets (replicas, rollouts) while it runs.
   */
  static async start(
    options: { job: string; rules: string; interval?: string } & ({ scrapeTargets: string[] } | { targetGroups: TargetGroup[] }),
  ): Promise<PrometheusServer> {
    const dir = mkdtempSync(join(tmpdir(), 'dbs-e2e-prom-'));
    const interval = options.interval ?? '1s';
    writeFileSync(join(dir, 'rules.yml'), options.rules);
    const targets =
      'scrapeTargets' in options
        ? `    static_configs: [{ targets: [${options.scrapeTargets.map((t) => `'${t}'`).join(', ')}] }]`
        : `    file_sd_configs: [{ files: ['${join(dir, 'targets.json')}'], refresh_interval: 1s }]`;
    if ('targetGroups' in options) writeTargets(dir, options.targetGroups);
    writeFileSync(
      join(dir, 'prometheus.yml'),
      [
        'global:',
        `  scrape_interval: ${interval}`,
        `  evaluation_interval: ${interval}`,
        'rule_files: [rules.yml]',
        'scrape_configs:',
        `  - job_name: ${options.job}`,
        targets,
      ].join('\n'),
    );
    const port = await freePort();
    const output: string[] = [];
    const child = spawn(
      'prometheus',
      [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--log.level=warn',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stdout?.on('data', (d: Buffer) => output.push(d.toString()));
    child.stderr?.on('data', (d: Buffer) => output.push(d.toString()));
    const server = new PrometheusServer(`http://127.0.0.1:${port}`, child, dir, output);
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`prometheus exited ${child.exitCode}: ${output.join('')}`);
      try {
        const res = await fetch(`${server.url}/-/ready`);
        if (res.ok) return server;
      } catch {
        /* not listening yet */
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    await server.stop();
    throw new Error(`prometheus did not become ready: ${output.join('')}`);
  }

  async alerts(): Promise<PrometheusAlert[]> {
    const res = await fetch(`${this.url}/api/v1/alerts`);
    const body = (await res.json()) as { data: { alerts: PrometheusAlert[] } };
    return body.data.alerts;
  }

  async query(expr: string): Promise<QueryResult> {
    const res = await fetch(`${this.url}/api/v1/query?query=${encodeURIComponent(expr)}`);
    return (await res.json()) as QueryResult;
  }

  /** A range query; start and end in Unix seconds. */
  async queryRange(expr: string, start: number, end: number, step = 1): Promise<RangeResult> {
    const params = new URLSearchParams({ query: expr, start: String(start), end: String(end), step: String(step) });
    const res = await fetch(`${this.url}/api/v1/query_range?${params.toString()}`);
    return (await res.json()) as RangeResult;
  }

  /** Replaces the file-SD target groups (written atomically; Prometheus picks the change up within ~1 s). */
  setTargets(groups: TargetGroup[]): void {
    writeTargets(this.dir, groups);
  }

  /** The targets Prometheus scrapes now (discovered and not dropped). */
  async activeTargets(): Promise<ActiveTarget[]> {
    const res = await fetch(`${this.url}/api/v1/targets?state=active`);
    const body = (await res.json()) as { data: { activeTargets: ActiveTarget[] } };
    return body.data.activeTargets;
  }

  /** Every rule with the health of its last evaluation. */
  async rules(): Promise<RuleState[]> {
    const res = await fetch(`${this.url}/api/v1/rules`);
    const body = (await res.json()) as { data: { groups: Array<{ rules: RuleState[] }> } };
    return body.data.groups.flatMap((g) => g.rules);
  }

  /** What Prometheus logged so far (warnings and errors: --log.level=warn). */
  logs(): string {
    return this.output.join('');
  }

  /** Poll `check` until it returns a value (not undefined) or the deadline passes. */
  async waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    while (Date.now() < deadline) {
      try {
        const value = await check();
        if (value !== undefined) return value;
      } catch (err) {
        last = err;
      }
      await new Promise((r) => setTimeout(r, 500));
    }
    throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}; alerts: ${JSON.stringify(await this.alerts().catch(() => []))}`);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null) {
      const exited = new Promise((resolve) => this.child.once('exit', resolve));
      this.child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
      if (this.child.exitCode === null) this.child.kill('SIGKILL');
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function writeTargets(dir: string, groups: TargetGroup[]): void {
  const file = join(dir, 'targets.json');
  writeFileSync(`${file}.tmp`, JSON.stringify(groups));
  renameSync(`${file}.tmp`, file);
}
