/**
 * The Helm chart rendered by the subset renderer (test/helm/render/) with the default values and with
 * values-full.yaml: every object validates against its Kubernetes / Prometheus Operator schema, the pod
 * is hardened, the embedded config passes the exporter's own validation, and the PrometheusRule is the
 * shipped rules file (promtool-checked). No Helm binary is involved: see test/helm/README.md.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/index.js';
import { buildRules } from '../../src/rules/rules.js';
import { parseWebConfigText } from '../../src/server/web-config.js';
import { codeBlocks, readmeSection } from '../docs/readme.js';
import { promtool } from '../support/promtool.js';
import { coalesce, validateValues } from './render/chart.js';
import { CHART_DIR, FULL_VALUES, ROOT, chart, containerEnv, render, renderAsIs, validateObject, workload, type RenderedChart } from './chart-support.js';

const WITH_KEY = { credentials: { accessKeyId: 'LTAI5tChartTest', accessKeySecret: 'chart-test-secret' } };
const ALL_ON = { serviceMonitor: { enabled: true }, prometheusRule: { enabled: true }, grafanaDashboard: { enabled: true } };
/** What the ack-pod-identity-webhook injects into a pod with RRSA (values-full.yaml's second target). */
const RRSA_ENV = {
  ALIBABA_CLOUD_ROLE_ARN: 'acs:ram::1234567890123456:role/dbs-exporter-readonly',
  ALIBABA_CLOUD_OIDC_PROVIDER_ARN: 'acs:ram::1234567890123456:oidc-provider/ack-rrsa-c123',
  ALIBABA_CLOUD_OIDC_TOKEN_FILE: `${ROOT}test/config/testdata/secrets/oidc-token`,
};
const SHIPPED_RULES = parse(readFileSync(`${ROOT}config/prometheus/dbs-exporter.rules.yml`, 'utf8')) as { groups: unknown[] };

const defaults = render();
const full = render([FULL_VALUES]);

/** The pod template of the Deployment, or of the StatefulSet when sharded (values-full.yaml). */
function pod(r: RenderedChart) {
  return workload(r).spec.template;
}
function container(r: RenderedChart) {
  return pod(r).spec.containers[0];
}
function embeddedConfig(r: RenderedChart): string {
  const name = pod(r).spec.volumes[0].projected.sources[0].configMap.name;
  return r.get('ConfigMap', name).data['dbs-exporter.yaml'];
}
function promtoolCheck(groups: unknown): { status: number; stdout: string; stderr: string } {
  const file = join(mkdtempSync(join(tmpdir(), 'dbs-helm-')), 'rules.yml');
  writeFileSync(file, stringify({ groups }));
  return promtool(['check', 'rules', file]);
}

describe('chart rendered with the default values', () => {
  it('creates a ConfigMap, Deployment, Service and ServiceAccount, and nothing optional', () => {
    expect(defaults.objects.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
      'ConfigMap/dbs-exporter',
      'Deployment/dbs-exporter',
      'Service/dbs-exporter',
      'ServiceAccount/dbs-exporter',
    ]);
  });

  it('every object validates against its Kubernetes schema, in the release namespace, with the standard labels', () => {
    for (const object of defaults.objects) {
      expect(() => validateObject(object), `${object.kind}`).not.toThrow();
      expect(object.metadata.namespace).toBe('monitoring');
      expect(object.metadata.labels).toMatchObject({
        'app.kubernetes.io/name': 'dbs-exporter',
        'app.kubernetes.io/instance': 'dbs-exporter',
        'app.kubernetes.io/version': '0.1.0',
        'app.kubernetes.io/managed-by': 'Helm',
        'helm.sh/chart': 'dbs-exporter-0.1.0',
      });
    }
  });

  it('runs the pushed image at the appVersion tag with the fixed flags', () => {
    expect(container(defaults).image).toBe('registry.example.com/dbs-exporter:0.1.0');
    expect(container(defaults).args).toEqual(['--config=/etc/dbs-exporter/dbs-exporter.yaml', '--web.listen-address=:9871', '--log.format=json', '--log.level=info']);
  });

  it('is hardened: non-root 65534, RuntimeDefault seccomp, no privilege escalation, read-only root, no capabilities, no API token', () => {
    expect(pod(defaults).spec.securityContext).toEqual({ runAsNonRoot: true, runAsUser: 65534, runAsGroup: 65534, fsGroup: 65534, seccompProfile: { type: 'RuntimeDefault' } });
    expect(container(defaults).securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    expect(pod(defaults).spec.automountServiceAccountToken).toBe(false);
    expect(defaults.get('ServiceAccount').automountServiceAccountToken).toBe(false);
  });

  it('probes /-/healthy (liveness) and /-/ready (readiness) over HTTP on the metrics port', () => {
    expect(container(defaults).livenessProbe.httpGet).toEqual({ path: '/-/healthy', port: 'http-metrics', scheme: 'HTTP' });
    expect(container(defaults).readinessProbe.httpGet).toEqual({ path: '/-/ready', port: 'http-metrics', scheme: 'HTTP' });
    expect(container(defaults).ports).toEqual([{ name: 'http-metrics', containerPort: 9871, protocol: 'TCP' }]);
  });

  it('exposes port 9871 named http-metrics through a ClusterIP Service that selects the pod', () => {
    const service = defaults.get('Service');
    expect(service.spec).toMatchObject({ type: 'ClusterIP', ports: [{ name: 'http-metrics', port: 9871, targetPort: 'http-metrics' }] });
    expect(pod(defaults).metadata.labels).toMatchObject(service.spec.selector);
    expect(defaults.get('Deployment').spec.selector.matchLabels).toEqual(service.spec.selector);
  });

  it('without an AccessKey, the embedded config fails the exporter validation naming the variable, and NOTES warn', () => {
    expect(container(defaults).env.map((e: { name: string }) => e.name)).toEqual(['NODE_OPTIONS']);
    expect(() => parseConfig(embeddedConfig(defaults), { env: containerEnv(defaults) })).toThrow(/access_key_id_env: environment variable DBS_ACCESS_KEY_ID is not set/);
    expect(defaults.notes).toContain('WARNING: no AccessKey is configured');
  });

  it('with an AccessKey, creates its Secret, injects it as DBS_ACCESS_KEY_ID/SECRET, and the config is valid', () => {
    const r = render([WITH_KEY]);
    expect(r.get('Secret', 'dbs-exporter-credentials').stringData).toEqual({ access_key_id: 'LTAI5tChartTest', access_key_secret: 'chart-test-secret' });
    const config = parseConfig(embeddedConfig(r), { env: containerEnv(r), baseDir: '/etc/dbs-exporter' });
    expect(config.targets.map((t) => [t.name, t.region, t.credentials.type])).toEqual([['default', 'cn-hangzhou', 'access_key']]);
    expect(r.notes).not.toContain('WARNING');
  });

  it('with credentials.existingSecret, references it and creates no Secret', () => {
    const r = render([{ credentials: { existingSecret: 'dbs-prod', accessKeyIdKey: 'id', accessKeySecretKey: 'secret' } }]);
    expect(r.find('Secret')).toEqual([]);
    expect(container(r).env.filter((e: any) => e.valueFrom?.secretKeyRef).map((e: any) => [e.name, e.valueFrom.secretKeyRef])).toEqual([
      ['DBS_ACCESS_KEY_ID', { name: 'dbs-prod', key: 'id' }],
      ['DBS_ACCESS_KEY_SECRET', { name: 'dbs-prod', key: 'secret' }],
    ]);
    expect(() => parseConfig(embeddedConfig(r), { env: containerEnv(r, { 'dbs-prod/id': 'LTAI5tX', 'dbs-prod/secret': 's' }) })).not.toThrow();
  });

  it('refuses half an AccessKey', () => {
    expect(() => render([{ credentials: { accessKeyId: 'LTAI5tChartTest' } }])).toThrow('credentials.accessKeySecret is required when credentials.accessKeyId is set');
  });

  it('rolls the pod when the config or the Secret changes (checksum annotations)', () => {
    const annotations = (r: RenderedChart) => pod(r).metadata.annotations as Record<string, string>;
    const base = annotations(render([WITH_KEY]));
    const otherConfig = annotations(render([WITH_KEY, { config: { collection: { interval: '5m' } } }]));
    const otherKey = annotations(render([{ credentials: { accessKeyId: 'LTAI5tChartTest', accessKeySecret: 'rotated' } }]));
    expect(base['checksum/config']).toMatch(/^[0-9a-f]{64}$/);
    expect(otherConfig['checksum/config']).not.toBe(base['checksum/config']);
    expect(otherConfig['checksum/secret']).toBe(base['checksum/secret']);
    expect(otherKey['checksum/secret']).not.toBe(base['checksum/secret']);
    expect(otherKey['checksum/config']).toBe(base['checksum/config']);
  });

  it('names objects <release>-dbs-exporter for another release', () => {
    const r = render([], { releaseName: 'prod' });
    expect(r.get('Deployment').metadata.name).toBe('prod-dbs-exporter');
    expect(pod(r).spec.serviceAccountName).toBe('prod-dbs-exporter');
  });
});

describe('the image: no default, since none is published', () => {
  const MESSAGE = 'image.repository is required: no dbs-exporter image is published. Build the image, push it to a registry your cluster can pull from (README.md, section Deploying), and install with --set image.repository=<registry>/dbs-exporter --set image.tag=<tag>';

  it('values.yaml names no repository, and rendering without one fails saying how to build and push it', () => {
    expect((chart.values.image as { repository: string }).repository).toBe('');
    expect(() => renderAsIs([])).toThrow(MESSAGE);
    expect(() => renderAsIs([WITH_KEY, { image: { tag: '1.2.3' } }])).toThrow(MESSAGE);
    expect(() => renderAsIs([{ image: { repository: '', digest: `sha256:${'a'.repeat(64)}` } }])).toThrow(MESSAGE);
  });

  it('runs repository:tag, or repository@digest when a digest is set', () => {
    expect(container(renderAsIs([{ image: { repository: 'registry.example.com:5000/team/dbs-exporter', tag: '0.1.0-3-gabc1234' } }])).image).toBe('registry.example.com:5000/team/dbs-exporter:0.1.0-3-gabc1234');
    const digest = `sha256:${'0123456789abcdef'.repeat(4)}`;
    expect(container(renderAsIs([{ image: { repository: 'registry.example.com/dbs-exporter', tag: '0.1.0', digest } }])).image).toBe(`registry.example.com/dbs-exporter@${digest}`);
  });

  it('refuses a repository that carries a tag or a scheme (the chart appends the tag)', () => {
    for (const repository of ['registry.example.com/dbs-exporter:0.1.0', 'https://registry.example.com/dbs-exporter', 'Registry.example.com/DBS']) {
      expect(validateValues(chart.schema, coalesce(chart.values, { image: { repository } })).join('\n')).toContain('/image/repository: must match pattern');
    }
  });
});

describe("the README's deploy commands", () => {
  const [block = ''] = codeBlocks(readmeSection('Deploying'), 'sh');
  const commands = block.replace(/\\\n\s*/g, '').split('\n');
  const command = (prefix: string) => commands.find((c) => c.startsWith(prefix)) ?? '';

  /** `--set a.b=c` pairs as Helm reads them (true/false become booleans). */
  function setValues(line: string): Record<string, unknown> {
    const values: Record<string, any> = {};
    for (const [, path, raw] of line.matchAll(/--set ([\w.]+)=(\S+)/g)) {
      const keys = path!.split('.');
      let at = values;
      for (const key of keys.slice(0, -1)) at = at[key] ??= {};
      at[keys.at(-1)!] = raw === 'true' ? true : raw === 'false' ? false : raw;
    }
    return values;
  }

  it('push the image they build, and install the chart with that image and the Secret they create', () => {
    const helmInstall = command('helm install ');
    const values = setValues(helmInstall);
    const image = values.image as { repository: string; tag: string };
    expect(command('docker build ')).toContain(` -t ${image.repository}:${image.tag} `);
    expect(command('docker push ')).toBe(`docker push ${image.repository}:${image.tag}`);

    const r = renderAsIs([values]);
    expect(container(r).image).toBe(`${image.repository}:${image.tag}`);
    expect(r.find('ServiceMonitor')).toHaveLength(1);
    expect(r.find('PrometheusRule')).toHaveLength(1);
    // the Secret's keys are the ones `kubectl create secret` makes, and the embedded config accepts them
    const secretName = (values.credentials as { existingSecret: string }).existingSecret;
    const literals = Object.fromEntries([...command('kubectl ').matchAll(/--from-literal=(\w+)=(\S+)/g)].map((m) => [`${secretName}/${m[1]}`, m[2]!]));
    expect(Object.keys(literals)).toEqual([`${secretName}/access_key_id`, `${secretName}/access_key_secret`]);
    expect(() => parseConfig(embeddedConfig(r), { env: containerEnv(r, literals) })).not.toThrow();
  });

  it('without their image settings the same install fails, saying to build and push the image', () => {
    const { image: _image, ...rest } = setValues(command('helm install '));
    expect(() => renderAsIs([rest])).toThrow(/image.repository is required: no dbs-exporter image is published/);
  });
});

describe('chart rendered with values-full.yaml', () => {
  it('creates every object, each valid against its Kubernetes or Prometheus Operator schema', () => {
    expect(full.objects.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
      'ConfigMap/backups-exporter',
      'ConfigMap/backups-exporter-dashboard',
      'PrometheusRule/backups-exporter',
      'Secret/backups-exporter-credentials',
      'Secret/backups-exporter-web-config',
      'Service/backups-exporter',
      'Service/backups-exporter-headless',
      'ServiceAccount/dbs-exporter-rrsa',
      'ServiceMonitor/backups-exporter',
      'StatefulSet/backups-exporter',
    ]);
    for (const object of full.objects) expect(() => validateObject(object), `${object.kind}`).not.toThrow();
  });

  it('passes the web config file, mounts it with the TLS pair in /etc/dbs-exporter/web/, and probes over HTTPS with the headers', () => {
    expect(container(full).args).toEqual([
      '--config=/etc/dbs-exporter/dbs-exporter.yaml',
      '--web.listen-address=:9871',
      '--log.format=json',
      '--log.level=debug',
      '--web.config.file=/etc/dbs-exporter/web/web-config.yml',
      '--shard.total=3',
      '--shard.index=$(SHARD_INDEX)',
      '--web.telemetry-path=/metrics',
    ]);
    expect(pod(full).spec.volumes[0].projected.sources).toEqual([
      { configMap: { name: 'backups-exporter', items: [{ key: 'dbs-exporter.yaml', path: 'dbs-exporter.yaml' }] } },
      { secret: { name: 'backups-exporter-web-config', items: [{ key: 'web-config.yml', path: 'web/web-config.yml' }] } },
      { secret: { name: 'backups-exporter-tls', items: [{ key: 'tls.crt', path: 'web/tls.crt' }, { key: 'tls.key', path: 'web/tls.key' }] } },
    ]);
    expect(container(full).volumeMounts).toContainEqual({ name: 'config', mountPath: '/etc/dbs-exporter', readOnly: true });
    const webConfig = full.get('Secret', 'backups-exporter-web-config').stringData['web-config.yml'];
    expect(parse(webConfig)).toEqual((FULL_VALUES.webConfig as { config: unknown }).config);
    // the exporter's own web-config schema accepts it (certificate files are read only at start)
    expect(parseWebConfigText(webConfig, '/etc/dbs-exporter/web/web-config.yml').tls_server_config).toMatchObject({ cert_file: 'tls.crt', key_file: 'tls.key' });
    for (const probe of [container(full).livenessProbe, container(full).readinessProbe]) {
      expect(probe.httpGet).toMatchObject({ port: 'http-metrics', scheme: 'HTTPS', httpHeaders: [{ name: 'X-Probe', value: 'kubelet' }] });
    }
    expect(container(full).livenessProbe).toMatchObject({ initialDelaySeconds: 10, periodSeconds: 20, timeoutSeconds: 3, failureThreshold: 5 });
  });

  it('puts the scheduling, priority, RRSA label and annotations on the pod', () => {
    const spec = pod(full).spec;
    expect(spec.nodeSelector).toEqual({ 'kubernetes.io/os': 'linux' });
    expect(spec.tolerations).toHaveLength(1);
    expect(spec.affinity.nodeAffinity).toBeDefined();
    expect(spec.topologySpreadConstraints[0].topologyKey).toBe('topology.kubernetes.io/zone');
    expect(spec.priorityClassName).toBe('monitoring-high');
    expect(spec.serviceAccountName).toBe('dbs-exporter-rrsa');
    expect(pod(full).metadata.labels).toMatchObject({ 'pod-identity.alibabacloud.com/injection': 'on', team: 'dba' });
    expect(pod(full).metadata.annotations).toMatchObject({ 'example.com/owner': 'dba' });
    expect(full.get('ServiceAccount').metadata.annotations).toEqual({ 'pod-identity.alibabacloud.com/role-name': 'dbs-exporter-readonly' });
    expect(container(full).image).toBe('registry.example.com/mirror/dbs-exporter:0.1.0-rc.1');
  });

  it("embeds a config that passes the exporter's validation with the env the pod gets (AccessKey Secret, extraEnv, RRSA webhook)", () => {
    const env = { ...containerEnv(full), ...RRSA_ENV };
    expect(Object.keys(containerEnv(full))).toEqual(['NODE_OPTIONS', 'DBS_ACCESS_KEY_ID', 'DBS_ACCESS_KEY_SECRET', 'TZ']);
    const config = parseConfig(embeddedConfig(full), { env, baseDir: '/etc/dbs-exporter' });
    expect(config.targets.map((t) => [t.name, t.credentials.type])).toEqual([
      ['prod', 'access_key'],
      ['analytics', 'oidc_role_arn'],
    ]);
    expect(config.collection.schedule).toEqual({ type: 'interval', interval: 120_000 });
  });

  it('scrapes over HTTPS with the TLS config and basic auth, selecting the Service by its labels', () => {
    const monitor = full.get('ServiceMonitor');
    expect(monitor.metadata).toMatchObject({ namespace: 'monitoring', labels: { release: 'kube-prometheus-stack' } });
    expect(monitor.spec.selector.matchLabels).toEqual(full.get('Service', 'backups-exporter').spec.selector);
    expect(full.get('Service', 'backups-exporter').metadata.labels).toMatchObject(monitor.spec.selector.matchLabels);
    expect(monitor.spec.endpoints).toEqual([
      {
        port: 'http-metrics',
        path: '/metrics',
        interval: '1m',
        scrapeTimeout: '20s',
        scheme: 'https',
        tlsConfig: { ca: { secret: { name: 'backups-exporter-tls', key: 'ca.crt' } }, serverName: 'backups-exporter' },
        basicAuth: { username: { name: 'backups-exporter-scrape', key: 'username' }, password: { name: 'backups-exporter-scrape', key: 'password' } },
        relabelings: [{ sourceLabels: ['__meta_kubernetes_pod_node_name'], targetLabel: 'node' }],
        metricRelabelings: [{ sourceLabels: ['__name__'], regex: 'nodejs_.*', action: 'drop' }],
      },
    ]);
    expect(full.get('Service', 'backups-exporter').spec.ports[0]).toMatchObject({ port: 9443, targetPort: 'http-metrics' });
  });

  it('ships the Grafana dashboard byte for byte, labelled for the sidecar', () => {
    const dashboard = full.get('ConfigMap', 'backups-exporter-dashboard');
    expect(dashboard.metadata).toMatchObject({ namespace: 'grafana', labels: { grafana_dashboard: '1' }, annotations: { grafana_folder: 'Backups' } });
    expect(dashboard.data['dbs-exporter.json']).toBe(readFileSync(`${ROOT}config/grafana/dbs-exporter.json`, 'utf8'));
  });

  it('PrometheusRule: the shipped groups with the changed thresholds, the extra group, and promtool accepts it', () => {
    const rule = full.get('PrometheusRule');
    expect(rule.metadata.labels).toMatchObject({ release: 'kube-prometheus-stack' });
    const expected = buildRules({ incrementalLagSeconds: 3600, stallSeconds: 1200, exporterJobSelector: 'job="backups-exporter"' }).groups;
    expect(rule.spec.groups.slice(0, -1)).toEqual(JSON.parse(JSON.stringify(expected)));
    expect(rule.spec.groups.at(-1).name).toBe('dbs-exporter.local');
    const check = promtoolCheck(rule.spec.groups);
    expect(check.stdout + check.stderr).toContain('SUCCESS: 76 rules found');
    expect(check.status).toBe(0);
  });
});

describe('PrometheusRule thresholds', () => {
  const groups = (r: RenderedChart) => r.get('PrometheusRule').spec.groups;
  const alert = (r: RenderedChart, name: string) => groups(r).flatMap((g: any) => g.rules).find((x: any) => x.alert === name);

  it('with the default thresholds, has exactly the groups of config/prometheus/dbs-exporter.rules.yml, and promtool accepts it', () => {
    const r = render([ALL_ON]);
    expect(groups(r)).toEqual(SHIPPED_RULES.groups);
    const check = promtoolCheck(groups(r));
    expect(check.stdout + check.stderr).toContain('SUCCESS: 75 rules found');
    expect(check.status).toBe(0);
  });

  it('keeps the Prometheus templates ({{ $labels.* }}, {{ $value }}) verbatim', () => {
    expect(alert(render([ALL_ON]), 'DBSExporterDown').annotations.description).toBe('Prometheus cannot scrape dbs-exporter ({{ $labels.instance }}): no new DBS backup alert can fire.');
  });

  it('a changed threshold changes the expression and the annotation', () => {
    const r = render([ALL_ON, { prometheusRule: { thresholds: { incrementalLagSeconds: 3600, planNotRunningFor: '45m', seriesGapTolerance: '20m' } } }]);
    const lagging = alert(r, 'DBSIncrementalBackupLagging');
    expect(lagging.expr.split('\n')[1]).toBe('dbs:backup_incremental_lag_seconds > 3600');
    expect(lagging.for).toBe('0m');
    expect(lagging.annotations.description).toContain('(threshold {{ 3600 | humanizeDuration }};');
    expect(alert(r, 'DBSBackupPlanNotRunning').for).toBe('45m');
    const recorded = groups(r).flatMap((g: any) => g.rules).find((x: any) => x.record === 'dbs:backup_last_success_timestamp_seconds');
    expect(recorded.expr).toContain('[20m]');
    expect(JSON.stringify(groups(r))).not.toMatch(/__\w+__/);
  });

  it('wires the restore thresholds (issue 23) into the restore group', () => {
    const r = render([ALL_ON, { prometheusRule: { thresholds: { restoreGapRecentSeconds: 43200, recoveryPointMaxAgeSeconds: 3600, logBackupDisabledFor: '1h', restoreFailedWindowSeconds: 7200 } } }]);
    expect(groups(r).map((g: any) => g.name)).toContain('dbs-exporter.restore');
    expect(alert(r, 'DBSRestoreGap').expr).toContain('time() - dbs:restore_newest_gap_end_timestamp_seconds < 43200)');
    expect(alert(r, 'DBSRecoveryPointTooOld').expr).toContain('dbs:restore_recovery_point_age_seconds > 3600\n');
    expect(alert(r, 'DBSRecoveryPointTooOld').annotations.description).toContain('(recovery point objective {{ 3600 | humanizeDuration }};');
    expect(alert(r, 'DBSLogBackupDisabled').for).toBe('1h');
    expect(alert(r, 'DBSRestoreFailed').expr.split('\n')[0]).toBe('dbs:restore_last_failure_timestamp_seconds > time() - 7200');
    expect(JSON.stringify(groups(r))).not.toMatch(/__\w+__/);
  });

  it('wires the operational-stop thresholds into the operations group; the default expiry warning (1209600) prints as Helm prints it, as the shipped rules do', () => {
    const defaults = render([ALL_ON]);
    expect(alert(defaults, 'DBSBackupPlanExpiringSoon').expr.split('\n')[0]).toBe('dbs:operations_plan_expiry_timestamp_seconds - time() < 1.2096e+06');
    const r = render([ALL_ON, { prometheusRule: { thresholds: { planExpiryWarningSeconds: 604800, gatewayHeartbeatMaxAgeSeconds: 300, gatewayDownFor: '10m' } } }]);
    expect(groups(r).map((g: any) => g.name)).toContain('dbs-exporter.operations');
    expect(alert(r, 'DBSBackupPlanExpiringSoon').expr.split('\n')[0]).toBe('dbs:operations_plan_expiry_timestamp_seconds - time() < 604800');
    expect(alert(r, 'DBSBackupPlanExpiringSoon').annotations.description).toContain('(warning {{ 604800 | humanizeDuration }} ahead)');
    const down = groups(r).flatMap((g: any) => g.rules).find((x: any) => x.record === 'dbs:operations_gateway_down');
    expect(down.expr).toContain('dbs:operations_gateway_heartbeat_age_seconds > 300 and on (account, region)');
    expect(alert(r, 'DBSBackupGatewayDown').for).toBe('10m');
    expect(alert(r, 'DBSBackupPlanGatewayDown').for).toBe('10m');
    expect(JSON.stringify(groups(r))).not.toMatch(/__\w+__/);
    expect(promtoolCheck(groups(r)).status).toBe(0);
  });

  it('selects the exporter job by the Service name, which is the job label Prometheus Operator sets', () => {
    const r = render([ALL_ON], { releaseName: 'prod' });
    expect(r.get('Service').metadata.name).toBe('prod-dbs-exporter');
    expect(alert(r, 'DBSExporterDown').expr).toBe('max by (job, instance) (up{job="prod-dbs-exporter"}) == 0 or absent(up{job="prod-dbs-exporter"})');
    expect(alert(r, 'DBSBackupPlanDisappeared').expr).toContain('unless on () (max(up{job="prod-dbs-exporter"} == 0))');
    expect(r.get('ServiceMonitor').spec.jobLabel).toBeUndefined();
    const custom = render([ALL_ON, { prometheusRule: { thresholds: { exporterJobSelector: 'job="dbs"' } } }], { releaseName: 'prod' });
    expect(alert(custom, 'DBSExporterDown').expr).toBe('max by (job, instance) (up{job="dbs"}) == 0 or absent(up{job="dbs"})');
  });

  it('prints a threshold of a million seconds or more as Helm does (1.2096e+06), which Prometheus still accepts in arithmetic', () => {
    const r = render([ALL_ON, { prometheusRule: { thresholds: { fullBackupFallbackIntervalSeconds: 1209600 } } }]);
    const interval = groups(r).flatMap((g: any) => g.rules).find((x: any) => x.record === 'dbs:backup_full_interval_seconds');
    expect(interval.expr).toContain('* 0 + 1.2096e+06');
    expect(promtoolCheck(groups(r)).status).toBe(0);
  });

  it('refuses a stallSeconds that would not print as a PromQL duration (it is also a range: [<stallSeconds>s])', () => {
    expect(alert(render([ALL_ON, { prometheusRule: { thresholds: { stallSeconds: 999999 } } }]), 'DBSBackupJobStalled').expr).toContain('[999999s]');
    for (const stallSeconds of [1209600, 1800.5, 0]) {
      expect(() => render([ALL_ON, { prometheusRule: { thresholds: { stallSeconds } } }])).toThrow(/values don't meet the specifications of the schema/);
    }
  });
});

describe('chart files', () => {
  it("files/dbs-exporter.json is byte-identical to config/grafana/dbs-exporter.json (Helm can't read outside the chart)", () => {
    expect(readFileSync(`${CHART_DIR}/files/dbs-exporter.json`, 'utf8')).toBe(readFileSync(`${ROOT}config/grafana/dbs-exporter.json`, 'utf8'));
  });

  it('NOTES tell how to check the exporter is up', () => {
    expect(defaults.notes).toContain('kubectl -n monitoring port-forward service/dbs-exporter 9871:9871');
    expect(defaults.notes).toContain("curl -s -o /dev/null -w '%{http_code}\\n' http://127.0.0.1:9871/-/ready");
    expect(full.notes).toContain('curl -sk https://127.0.0.1:9871/metrics');
  });
});

describe('the heap (nodeOptions)', () => {
  /** V8's heap limit (old-space cap plus young generation) of a node started with these NODE_OPTIONS, in MiB. */
  const heapLimitMiB = (nodeOptions: string, cgroupProcs?: string) => {
    const script = 'process.stdout.write(String(v8.getHeapStatistics().heap_size_limit / 2 ** 20))';
    const result = cgroupProcs
      ? spawnSync('/bin/sh', ['-c', `echo $$ > ${cgroupProcs} && exec "$0" -e "$1"`, process.execPath, script], { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: nodeOptions } })
      : spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: nodeOptions } });
    expect(result.status, result.stderr).toBe(0);
    return Number(result.stdout);
  };
  /** A cgroup v1 memory cgroup this test may create (root with the memory controller mounted), or undefined. */
  const memoryCgroup = (() => {
    const dir = join('/sys/fs/cgroup/memory', `dbs-exporter-test-${process.pid}`);
    try {
      mkdirSync(dir);
      return dir;
    } catch {
      return undefined;
    }
  })();
  afterAll(() => {
    if (memoryCgroup) rmdirSync(memoryCgroup);
  });

  it("replaces the image's NODE_OPTIONS with one that has no old-space cap, which node accepts", () => {
    expect(container(defaults).env).toEqual([{ name: 'NODE_OPTIONS', value: '--max-semi-space-size=8' }]);
    expect(containerEnv(full).NODE_OPTIONS).toBe('--max-semi-space-size=8');
    // the young generation is 3 semi-spaces at most: 24 MiB over the old-space cap
    expect(heapLimitMiB('--max-semi-space-size=8 --max-old-space-size=256')).toBe(256 + 24);
  });

  it.runIf(memoryCgroup !== undefined)('so node caps its old space from the memory limit: at least 256 MiB, half of a larger limit', () => {
    const options = containerEnv(defaults).NODE_OPTIONS as string;
    const limitMiB = (q: string) => Number(/^(\d+)Mi$/.exec(q)?.[1] ?? Number.NaN);
    const expected = (limit: number) => Math.max(256, limit / 2) + 24;
    for (const limit of [limitMiB(container(defaults).resources.limits.memory), 512, 1024]) {
      writeFileSync(join(memoryCgroup as string, 'memory.limit_in_bytes'), String(limit * 2 ** 20));
      expect(heapLimitMiB(options, join(memoryCgroup as string, 'cgroup.procs')), `limit ${limit} MiB`).toBe(expected(limit));
    }
  });

  it('refuses NODE_OPTIONS in extraEnv while nodeOptions sets it; nodeOptions "" keeps the image setting', () => {
    expect(() => render([{ extraEnv: [{ name: 'NODE_OPTIONS', value: '--max-old-space-size=512' }] }])).toThrow(/extraEnv sets NODE_OPTIONS, which nodeOptions already sets: use nodeOptions/);
    expect(container(render([{ nodeOptions: '' }])).env).toBeUndefined();
    const custom = render([{ nodeOptions: '' , extraEnv: [{ name: 'NODE_OPTIONS', value: '--max-old-space-size=512' }] }]);
    expect(containerEnv(custom).NODE_OPTIONS).toBe('--max-old-space-size=512');
    expect(() => validateObject(workload(custom))).not.toThrow();
  });
});
