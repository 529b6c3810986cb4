/**
 * sharding.enabled: the chart runs a StatefulSet of N shards (--shard.total=N, --shard.index=<pod ordinal>)
 * with a headless governing Service, instead of the one-replica Deployment, from the same pod template.
 * With sharding off the render is exactly what it was before sharding existed (fixtures/unsharded-render.json,
 * captured from the chart at c14d1b5, with the image the tests install, PUSHED_IMAGE, in place of the
 * unpublished default repository the chart had then). Every render here sets nodeOptions "" (the heap cap
 * came after the fixture; chart.test.ts covers it), so the comparison stays field for field.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateValues, coalesce } from './render/chart.js';
import { FULL_VALUES, ROOT, chart, containerEnv, expandK8sVars, render, validateObject, type K8sObject, type RenderedChart } from './chart-support.js';

interface Fixture {
  defaults: K8sObject[];
  defaultsNotes: string;
  full: K8sObject[];
  fullNotes: string;
}
const BEFORE = JSON.parse(readFileSync(`${ROOT}test/helm/fixtures/unsharded-render.json`, 'utf8')) as Fixture;
const SHARDED = { sharding: { enabled: true, replicas: 3 } };
/** The heap cap's env (chart.test.ts) came after the fixture; without it the pod template is as it was. */
const NO_HEAP = { nodeOptions: '' };
const ALL_ON = { serviceMonitor: { enabled: true }, prometheusRule: { enabled: true }, grafanaDashboard: { enabled: true } };
const POD_INDEX = 'apps.kubernetes.io/pod-index';
const SHARD_INDEX_ENV = { name: 'SHARD_INDEX', valueFrom: { fieldRef: { fieldPath: `metadata.labels['${POD_INDEX}']` } } };

const key = (o: K8sObject) => `${o.kind}/${o.metadata.name}`;
const sorted = (objects: K8sObject[]) => [...objects].sort((a, b) => key(a).localeCompare(key(b)));
const only = (r: RenderedChart, kinds: string[]) => sorted(r.objects.filter((o) => kinds.includes(o.kind)));
const before = (objects: K8sObject[], kind: string) => objects.find((o) => o.kind === kind) as K8sObject;
const container = (o: K8sObject) => o.spec.template.spec.containers[0];

/** A Kubernetes label selector (matchLabels and matchExpressions) applied to a set of labels. */
function selects(selector: { matchLabels?: Record<string, string>; matchExpressions?: Array<{ key: string; operator: string; values?: string[] }> }, labels: Record<string, string> = {}): boolean {
  const byLabel = Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
  const byExpression = (selector.matchExpressions ?? []).every(({ key: k, operator, values = [] }) => {
    if (operator === 'In') return k in labels && values.includes(labels[k] as string);
    if (operator === 'NotIn') return !(k in labels) || !values.includes(labels[k] as string);
    if (operator === 'Exists') return k in labels;
    if (operator === 'DoesNotExist') return !(k in labels);
    throw new Error(`operator ${operator}`);
  });
  return byLabel && byExpression;
}

describe('sharding off (the default): the render is what it was before sharding existed', () => {
  it('default values: the same objects, field for field (the Deployment spec, replicas 1, no shard flag), and the same NOTES', () => {
    const r = render([NO_HEAP]);
    expect(r.objects.map(key).sort()).toEqual(BEFORE.defaults.map(key));
    expect(r.get('Deployment').spec).toEqual(before(BEFORE.defaults, 'Deployment').spec);
    expect(r.get('Deployment').spec.replicas).toBe(1);
    expect(sorted(r.objects)).toEqual(BEFORE.defaults);
    expect(r.find('StatefulSet')).toEqual([]);
    expect(r.notes).toBe(BEFORE.defaultsNotes);
  });

  it('the other sharding keys do nothing while it is off', () => {
    const r = render([NO_HEAP, { sharding: { enabled: false, replicas: 5, indexSource: 'podName' } }]);
    expect(sorted(r.objects)).toEqual(BEFORE.defaults);
  });

  it('values-full.yaml with sharding off: the Deployment, Service, ServiceMonitor, PrometheusRule and NOTES as before', () => {
    const r = render([NO_HEAP, FULL_VALUES, { sharding: { enabled: false } }]);
    expect(only(r, ['Deployment', 'Service', 'ServiceMonitor', 'PrometheusRule'])).toEqual(BEFORE.full);
    expect(r.notes).toBe(BEFORE.fullNotes);
  });
});

describe('sharding on', () => {
  const r = render([NO_HEAP, SHARDED, ALL_ON]);
  const sts = r.get('StatefulSet');

  it('renders a StatefulSet and a headless Service, and no Deployment; every object is valid against its schema', () => {
    expect(r.objects.map(key).sort()).toEqual([
      'ConfigMap/dbs-exporter',
      'ConfigMap/dbs-exporter-dashboard',
      'PrometheusRule/dbs-exporter',
      'Service/dbs-exporter',
      'Service/dbs-exporter-headless',
      'ServiceAccount/dbs-exporter',
      'ServiceMonitor/dbs-exporter',
      'StatefulSet/dbs-exporter',
    ]);
    expect(r.find('Deployment')).toEqual([]);
    for (const object of r.objects) expect(() => validateObject(object), key(object)).not.toThrow();
  });

  it('StatefulSet: replicas N, the headless Service as serviceName, Parallel pod management, pods selected by the standard labels', () => {
    expect(sts.spec).toMatchObject({ replicas: 3, serviceName: 'dbs-exporter-headless', podManagementPolicy: 'Parallel', updateStrategy: { type: 'RollingUpdate' } });
    expect(sts.spec.selector).toEqual({ matchLabels: { 'app.kubernetes.io/name': 'dbs-exporter', 'app.kubernetes.io/instance': 'dbs-exporter' } });
    expect(selects(sts.spec.selector, sts.spec.template.metadata.labels)).toBe(true);
    const headless = r.get('Service', 'dbs-exporter-headless');
    expect(headless.spec).toMatchObject({ clusterIP: 'None', ports: [{ name: 'http-metrics', port: 9871, targetPort: 'http-metrics' }] });
  });

  it('passes --shard.total=N and --shard.index=$(SHARD_INDEX), SHARD_INDEX coming from the pod-index label (downward API)', () => {
    expect(container(sts).args).toEqual([
      '--config=/etc/dbs-exporter/dbs-exporter.yaml',
      '--web.listen-address=:9871',
      '--log.format=json',
      '--log.level=info',
      '--shard.total=3',
      '--shard.index=$(SHARD_INDEX)',
    ]);
    expect(container(sts).env).toEqual([SHARD_INDEX_ENV]);
    expect(container(sts).command).toBeUndefined();
  });

  it('the pod template is the Deployment one, plus only the shard flags and SHARD_INDEX (default and full values)', () => {
    const defaultTemplate = structuredClone(before(BEFORE.defaults, 'Deployment').spec.template);
    defaultTemplate.spec.containers[0].args.push('--shard.total=3', '--shard.index=$(SHARD_INDEX)');
    defaultTemplate.spec.containers[0].env = [SHARD_INDEX_ENV];
    expect(render([NO_HEAP, SHARDED]).get('StatefulSet').spec.template).toEqual(defaultTemplate);

    // values-full.yaml shards 3 ways: the flags go before extraArgs (which may override them), SHARD_INDEX before extraEnv
    const fullTemplate = structuredClone(before(BEFORE.full, 'Deployment').spec.template);
    const args: string[] = fullTemplate.spec.containers[0].args;
    args.splice(args.indexOf('--web.telemetry-path=/metrics'), 0, '--shard.total=3', '--shard.index=$(SHARD_INDEX)');
    const env: unknown[] = fullTemplate.spec.containers[0].env;
    env.splice(2, 0, SHARD_INDEX_ENV);
    expect(render([NO_HEAP, FULL_VALUES]).get('StatefulSet').spec.template).toEqual(fullTemplate);
  });

  it("each pod's args, expanded by Kubernetes from its pod-index label, are accepted by the exporter as shards 0..N-1 of N", async () => {
    const shardArgs = (ordinal: number) => {
      const labels = { ...sts.spec.template.metadata.labels, [POD_INDEX]: String(ordinal) };
      const env = containerEnv(r, {}, { name: `dbs-exporter-${ordinal}`, labels });
      return container(sts).args.map((a: string) => expandK8sVars(a, env)).filter((a: string) => a.startsWith('--shard.'));
    };
    const run = (args: string[]) =>
      new Promise<{ status: number | null; stderr: string }>((resolve, reject) => {
        const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', '--demo', '--check-config', '--log.level=error', ...args], { cwd: ROOT, timeout: 25_000 });
        let stderr = '';
        child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
        child.on('error', reject);
        child.on('close', (status) => resolve({ status, stderr }));
      });
    for (const ordinal of [0, 1, 2]) expect(shardArgs(ordinal)).toEqual(['--shard.total=3', `--shard.index=${ordinal}`]);
    const results = await Promise.all([0, 1, 2, 3].map((ordinal) => run(shardArgs(ordinal))));
    for (const result of results.slice(0, 3)) expect(result.status, result.stderr).toBe(0);
    // an ordinal the StatefulSet does not create: the exporter refuses it (exit 2)
    expect(results[3]?.status).toBe(2);
    expect(results[3]?.stderr).toContain('--shard.index 3 must be below --shard.total 3');
  }, 60_000);

  it('both Services select the pods; the ServiceMonitor selects only the ClusterIP Service, so each replica is scraped once', () => {
    const podLabels = sts.spec.template.metadata.labels;
    for (const service of r.find('Service')) expect(selects({ matchLabels: service.spec.selector }, podLabels), service.metadata.name).toBe(true);
    const monitor = r.get('ServiceMonitor');
    expect(r.find('Service').filter((s) => selects(monitor.spec.selector, s.metadata.labels)).map((s) => s.metadata.name)).toEqual(['dbs-exporter']);
    expect(r.get('Service', 'dbs-exporter-headless').metadata.labels).toMatchObject({ 'dbs-exporter.io/headless': 'true', 'app.kubernetes.io/name': 'dbs-exporter' });
  });

  it('DBSExporterDown still selects job="<the scraped Service name>" (every replica is a target of that job)', () => {
    const down = r.get('PrometheusRule').spec.groups.flatMap((g: any) => g.rules).find((x: any) => x.alert === 'DBSExporterDown');
    expect(down.expr).toBe('max by (job, instance) (up{job="dbs-exporter"}) == 0 or absent(up{job="dbs-exporter"})');
    expect(r.get('ServiceMonitor').spec.jobLabel).toBeUndefined();
  });

  it('NOTES point at the StatefulSet and the logs of every replica', () => {
    expect(r.notes).toContain('StatefulSet dbs-exporter runs 3 replicas');
    expect(r.notes).toContain('kubectl -n monitoring rollout status statefulset/dbs-exporter');
    expect(r.notes).toContain('kubectl -n monitoring logs --prefix -l app.kubernetes.io/instance=dbs-exporter,app.kubernetes.io/name=dbs-exporter');
    expect(r.notes).not.toContain('deployment/');
  });

  it('keeps the StatefulSet name within 52 characters (controller-revision-hash label) and the headless Service within 63', () => {
    const long = render([NO_HEAP, SHARDED, { fullnameOverride: 'a'.repeat(63) }]);
    expect(long.get('StatefulSet').metadata.name).toBe('a'.repeat(52));
    expect(long.get('StatefulSet').spec.serviceName).toBe(`${'a'.repeat(54)}-headless`);
    expect(long.find('Service').map((s) => s.metadata.name.length)).toEqual([63, 63]);
  });
});

describe('sharding values that are refused', () => {
  it('one replica fails the schema with a message naming sharding.replicas, and is not rendered', () => {
    const errors = validateValues(chart.schema, coalesce(chart.values, { sharding: { enabled: true, replicas: 1 } }));
    expect(errors).toContain('/sharding/replicas: must be >= 2');
    expect(errors).toContain('/sharding: must match "then" schema');
    expect(() => render([NO_HEAP, { sharding: { enabled: true, replicas: 1 } }])).toThrow(/\/sharding\/replicas: must be >= 2/);
    expect(() => render([NO_HEAP, { sharding: { enabled: true, replicas: 0 } }])).toThrow(/\/sharding\/replicas: must be >= 1/);
    // while sharding is off, replicas is not checked against 2
    expect(() => render([NO_HEAP, { sharding: { enabled: false, replicas: 1 } }])).not.toThrow();
  });

  it('an unknown indexSource or key is refused', () => {
    expect(() => render([NO_HEAP, { sharding: { enabled: true, indexSource: 'hostname' } }])).toThrow(/\/sharding\/indexSource: must be equal to one of the allowed values/);
    expect(() => render([NO_HEAP, { sharding: { enabled: true, shards: 3 } }])).toThrow(/\/sharding: must NOT have additional properties \(shards\)/);
  });

  it('podIndexLabel on Kubernetes older than 1.28 fails rendering (the label is missing, every pod would be shard 0)', () => {
    expect(() => render([NO_HEAP, SHARDED], { kubeVersion: 'v1.27.9' })).toThrow(/sharding.indexSource podIndexLabel needs Kubernetes >= 1.28 .*this is v1.27.9/);
    expect(() => render([NO_HEAP, SHARDED], { kubeVersion: 'v1.28.3-gke.1286000' })).not.toThrow();
    expect(() => render([NO_HEAP], { kubeVersion: 'v1.23.0' })).not.toThrow();
    expect(() => render([NO_HEAP, { sharding: { enabled: true, indexSource: 'podName' } }], { kubeVersion: 'v1.23.0' })).not.toThrow();
  });
});

describe('sharding.indexSource podName (Kubernetes < 1.28)', () => {
  const r = render([NO_HEAP, { sharding: { enabled: true, replicas: 4, indexSource: 'podName' } }], { kubeVersion: 'v1.25.0', releaseName: 'prod' });
  const sts = r.get('StatefulSet');

  it('wraps the exporter in /bin/sh and passes POD_NAME from the downward API instead of SHARD_INDEX', () => {
    expect(container(sts).command).toEqual(['/bin/sh', '-c', 'exec node dist/cli.js --shard.index="${POD_NAME##*-}" "$@"', 'dbs-exporter']);
    expect(container(sts).env).toEqual([{ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }]);
    expect(container(sts).args).toContain('--shard.total=4');
    expect(container(sts).args.filter((a: string) => a.startsWith('--shard.index'))).toEqual([]);
    expect(() => validateObject(sts)).not.toThrow();
  });

  it('the wrapper, run by a real shell, starts node dist/cli.js with the ordinal of the pod name and every arg', () => {
    const bin = mkdtempSync(join(tmpdir(), 'dbs-helm-node-'));
    writeFileSync(join(bin, 'node'), '#!/bin/sh\nprintf "%s\\n" "$@"\n');
    chmodSync(join(bin, 'node'), 0o755);
    const [shell, ...shellArgs] = container(sts).command as string[];
    const env = containerEnv(r, {}, { name: 'prod-dbs-exporter-3', labels: {} });
    expect(env).toEqual({ POD_NAME: 'prod-dbs-exporter-3' });
    // Kubernetes expands $(VAR) in command and args first; the wrapper has none, so it reaches the shell as written
    const argv = [...shellArgs, ...container(sts).args].map((a) => expandK8sVars(a, env));
    const result = spawnSync(shell as string, argv, { encoding: 'utf8', env: { PATH: `${bin}:${process.env.PATH ?? ''}`, ...env } });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout.trimEnd().split('\n')).toEqual(['dist/cli.js', '--shard.index=3', ...container(sts).args]);
  });
});
