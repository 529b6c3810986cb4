/** Shared by the chart tests: render the chart with our subset renderer, parse and look objects up. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ConfigMap, Secret, Service, ServiceAccount } from 'kubernetes-models/v1';
import { Deployment, StatefulSet } from 'kubernetes-models/apps/v1';
import { PrometheusRule, ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import { loadChart, renderChart, type RenderOptions } from './render/chart.js';
import { parseManifests, parseYaml11 } from './render/yaml.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const CHART_DIR = `${ROOT}helm/dbs-exporter`;
export const chart = loadChart(CHART_DIR);

export function valuesFile(path: string): Record<string, unknown> {
  return parseYaml11(readFileSync(path, 'utf8')) as Record<string, unknown>;
}
export const FULL_VALUES = valuesFile(`${ROOT}test/helm/values-full.yaml`);

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [key: string]: any;
}

export interface RenderedChart {
  objects: K8sObject[];
  notes: string;
  values: Record<string, any>;
  get(kind: string, name?: string): K8sObject;
  find(kind: string): K8sObject[];
}

/**
 * The chart has no default image (none is published): every install names the one the user built and pushed,
 * as the README's deploy section does. `render` installs with this one; `renderAsIs` passes the values alone.
 */
export const PUSHED_IMAGE = { image: { repository: 'registry.example.com/dbs-exporter' } };

export function render(values: Array<Record<string, unknown>> = [], options: Omit<RenderOptions, 'values'> = {}): RenderedChart {
  return renderAsIs([PUSHED_IMAGE, ...values], options);
}

export function renderAsIs(values: Array<Record<string, unknown>>, options: Omit<RenderOptions, 'values'> = {}): RenderedChart {
  const rendered = renderChart(chart, { ...options, values });
  const objects = [...rendered.manifests.values()].flatMap((text) => parseManifests(text) as K8sObject[]);
  const find = (kind: string) => objects.filter((o) => o.kind === kind);
  return {
    objects,
    notes: rendered.notes,
    values: rendered.values,
    find,
    get(kind, name) {
      const found = find(kind).filter((o) => name === undefined || o.metadata.name === name);
      if (found.length !== 1) throw new Error(`expected one ${kind}${name ? ` ${name}` : ''}, found ${found.length}`);
      return found[0] as K8sObject;
    },
  };
}

const MODELS: Record<string, new (data: any) => { validate(): void }> = {
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'v1/ServiceAccount': ServiceAccount,
  'apps/v1/Deployment': Deployment,
  'apps/v1/StatefulSet': StatefulSet,
  'monitoring.coreos.com/v1/ServiceMonitor': ServiceMonitor,
  'monitoring.coreos.com/v1/PrometheusRule': PrometheusRule,
};

/** Validates one object against the OpenAPI schema of its apiVersion/kind (throws on errors; unknown kinds too). */
export function validateObject(object: K8sObject): void {
  const Model = MODELS[`${object.apiVersion}/${object.kind}`];
  if (!Model) throw new Error(`no schema for ${object.apiVersion} ${object.kind}`);
  new Model(object).validate();
}

/** The exporter's workload: the Deployment, or the StatefulSet with sharding.enabled (never both). */
export function workload(r: RenderedChart): K8sObject {
  const found = [...r.find('Deployment'), ...r.find('StatefulSet')];
  if (found.length !== 1) throw new Error(`expected one Deployment or StatefulSet, found ${found.map((o) => o.kind).join(', ') || 'none'}`);
  return found[0] as K8sObject;
}

/**
 * Kubernetes' expansion of $(VAR) in a container's command and args (and env values): a defined variable is
 * replaced, an undefined one is left as it is, $$ is a literal $.
 */
export function expandK8sVars(s: string, env: Record<string, string>): string {
  return s.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (m, name: string | undefined) => (name === undefined ? '$' : (env[name] ?? m)));
}

/**
 * The container's environment as the kubelet would build it: literal values (with $(VAR) references to
 * earlier variables expanded) and keys of rendered Secrets, and downward-API fieldRefs (metadata.name,
 * metadata.labels['…']) resolved against `pod` when given.
 */
export function containerEnv(
  r: RenderedChart,
  fromElsewhere: Record<string, string> = {},
  pod?: { name: string; labels: Record<string, string> },
): Record<string, string> {
  const container = workload(r).spec.template.spec.containers[0];
  const env: Record<string, string> = {};
  for (const entry of container.env ?? []) {
    if (typeof entry.value === 'string') env[entry.name] = expandK8sVars(entry.value, env);
    const ref = entry.valueFrom?.secretKeyRef;
    if (ref) {
      const secret = r.find('Secret').find((s) => s.metadata.name === ref.name);
      const value = secret?.stringData?.[ref.key] ?? fromElsewhere[`${ref.name}/${ref.key}`];
      if (value === undefined) throw new Error(`env ${entry.name}: secret ${ref.name} key ${ref.key} is neither rendered nor given`);
      env[entry.name] = value;
    }
    const field = entry.valueFrom?.fieldRef?.fieldPath as string | undefined;
    if (field && pod) {
      const label = /^metadata\.labels\['(.+)'\]$/.exec(field);
      if (field === 'metadata.name') env[entry.name] = pod.name;
      else if (label) env[entry.name] = pod.labels[label[1] as string] ?? ''; // the kubelet gives "" for a missing label
      else throw new Error(`env ${entry.name}: fieldRef ${field} is not modelled here`);
    }
  }
  return env;
}
