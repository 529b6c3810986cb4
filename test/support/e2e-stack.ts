/**
 * One simulator, exporter replicas and a real Prometheus that scrapes them through file-based
 * service discovery, for the end-to-end alert drills: a rollout to a new pod on a new port, a
 * restart in place, and checks that the firing alerts hold steady through either.
 */
import { pino } from 'pino';
import { expect } from 'vitest';
import { type RunningExporter, runExporter } from '../../src/exporter.js';
import type { Simulator } from '../../src/simulator/index.js';
import { type AlertSample, alertKey as key, expectFiring as expectFiringOf, sampleAlerts, sleep, sorted, until } from './alerts.js';
import { freePort } from './ports.js';
import { type PrometheusAlert, PrometheusServer } from './prometheus.js';
import { simulatorConfig } from './simulator-config.js';

export interface Replica {
  pod: string;
  address: string;
  exporter: RunningExporter;
  stopped: boolean;
}

export const nowSeconds = (): number => Date.now() / 1000;

export class E2eStack {
  readonly replicas: Replica[] = [];
  prometheus!: PrometheusServer;
  current!: Replica;

  constructor(
    readonly sim: Simulator,
    private readonly exporterConfig: readonly string[],
    private readonly job: string,
    private readonly build: string,
  ) {}

  /** The first replica, and Prometheus scraping it; resolves once it has scraped a finished cycle. */
  async start(rules: string, pod = 'exporter-a'): Promise<void> {
    this.current = await this.startReplica(pod);
    this.prometheus = await PrometheusServer.start({ targetGroups: [{ targets: [this.current.address], labels: { pod } }], job: this.job, rules });
    await this.scraped(this.current);
  }

  async stop(): Promise<void> {
    await this.prometheus?.stop();
    for (const r of this.replicas) await this.stopReplica(r);
  }

  async startReplica(pod: string, port = 0): Promise<Replica> {
    const exporter = await runExporter(simulatorConfig({ prod: this.sim }, this.exporterConfig), {
      logger: pino({ level: 'silent' }),
      build: { version: this.build },
      listenAddress: `127.0.0.1:${port}`,
      telemetryPath: '/metrics',
    });
    const replica: Replica = { pod, address: `127.0.0.1:${exporter.address.port}`, exporter, stopped: false };
    this.replicas.push(replica);
    return replica;
  }

  async stopReplica(r: Replica): Promise<void> {
    if (r.stopped) return;
    r.stopped = true;
    await r.exporter.stop();
  }

  /** Until Prometheus has scraped a collection cycle of this replica finished after `since`. */
  async scraped(r: Replica, since = 0): Promise<void> {
    await until(`a scrape of ${r.pod} (${r.address}) with a finished cycle`, async () => {
      const res = await this.prometheus.query(`dbs_exporter_last_cycle_timestamp_seconds{instance="${r.address}"} > ${since}`);
      return res.data?.result.length === 1 ? true : res.data?.result;
    });
  }

  /**
   * A new pod on a new port (a new instance) replaces the current one, swapped in service discovery
   * as the old one stops, like a Kubernetes endpoint; the plan series are absent for a few evaluations.
   */
  async rollout(newPod: string): Promise<void> {
    const old = this.current;
    const port = await freePort();
    this.prometheus.setTargets([{ targets: [`127.0.0.1:${port}`], labels: { pod: newPod } }]);
    await until('Prometheus to scrape only the new pod', async () => {
      const active = (await this.prometheus.activeTargets()).map((t) => t.scrapeUrl);
      return JSON.stringify(active) === JSON.stringify([`http://127.0.0.1:${port}/metrics`]) ? true : active;
    });
    await this.stopReplica(old);
    await sleep(1_000);
    const since = nowSeconds();
    this.current = await this.startReplica(newPod, port);
    await this.scraped(this.current, since);
  }

  /** The current pod restarted on its port (the same instance): its series are absent while it is down. */
  async restartInPlace(): Promise<void> {
    const old = this.current;
    const port = Number(old.address.split(':')[1]);
    await this.stopReplica(old);
    await until(`a failed scrape of ${old.address}`, async () => {
      const res = await this.prometheus.query(`up{instance="${old.address}"} == 0`);
      return res.data?.result.length === 1 ? true : res.data?.result;
    });
    await sleep(1_000);
    const since = nowSeconds();
    this.current = await this.startReplica(old.pod, port);
    await this.scraped(this.current, since);
  }

  /**
   * Runs `action` (a restart) while sampling the firing alerts every 500 ms, and 4 s more (the new
   * process's first cycles read everything again from DBS): every sample must show exactly
   * `expected`, each alert with the activeAt it had before; and Prometheus's own ALERTS record must
   * have each of them firing at every evaluation meanwhile.
   */
  async expectSteadyThrough(expected: readonly string[], action: () => Promise<void>): Promise<void> {
    const sample = () => sampleAlerts(this.prometheus);
    const before = await sample();
    expect(before.firing).toEqual(sorted(expected));
    const samples: AlertSample[] = [before];
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        samples.push(await sample());
        await sleep(500);
      }
    })();
    const startedAt = nowSeconds();
    try {
      await action();
      await sleep(4_000);
    } finally {
      watching = false;
      await watcher;
    }
    expect(samples.length).toBeGreaterThanOrEqual(8);
    expect([...new Set(samples.map((s) => s.firing.join(' | ')))]).toEqual([sorted(expected).join(' | ')]);
    for (const k of expected) expect([k, [...new Set(samples.map((s) => s.activeAt[k]))]]).toEqual([k, [before.activeAt[k]]]);
    const [from, to] = [Math.ceil(startedAt), Math.floor(nowSeconds())];
    const res = await this.prometheus.queryRange('ALERTS{alertstate="firing"}', from, to, 1);
    const steps = to - from + 1;
    expect(sorted((res.data?.result ?? []).map((r) => `${key(r.metric)}: ${r.values.length} of ${steps} evaluations`))).toEqual(
      sorted(expected.map((k) => `${k}: ${steps} of ${steps} evaluations`)),
    );
  }

  /** Until the firing alerts are exactly `expected`; none carries a replica's identity (rules aggregate by plan or gateway). */
  async expectFiring(expected: readonly string[], timeoutMs = 30_000): Promise<PrometheusAlert[]> {
    const alerts = await expectFiringOf(this.prometheus, expected, timeoutMs);
    for (const a of alerts) expect([key(a.labels), a.labels.pod, a.labels.instance, a.labels.job]).toEqual([key(a.labels), undefined, undefined, undefined]);
    return alerts;
  }

  /** Nothing pending but `expected`: no other condition is merely waiting for its `for:`. */
  async expectNothingPending(expected: readonly string[] = []): Promise<void> {
    expect(sorted((await this.prometheus.alerts()).filter((a) => a.state !== 'firing').map((a) => key(a.labels)))).toEqual(sorted(expected));
  }

  async expectRulesHealthy(): Promise<void> {
    const unhealthy = (await this.prometheus.rules()).filter((r) => r.health !== 'ok').map((r) => `${r.name}: ${r.health} ${r.lastError ?? ''}`);
    expect(unhealthy).toEqual([]);
  }
}
