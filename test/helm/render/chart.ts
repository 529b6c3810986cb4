/**
 * `helm template` for this chart, in the subset the renderer supports: load the chart directory,
 * coalesce values (user values over values.yaml; null deletes a key), validate them against
 * values.schema.json (draft-07), check kubeVersion, and render every template with .Values, .Release,
 * .Chart, .Capabilities, .Template and .Files. Files whose name starts with `_` only define templates;
 * NOTES.txt is rendered separately, as Helm does.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { Ajv } from 'ajv';
import { helmFunctions } from './functions.js';
import { GoMethod, GoStruct, TemplateSet, isMap } from './template.js';
import { parseYaml11 } from './yaml.js';

export interface Chart {
  dir: string;
  metadata: Record<string, unknown>;
  values: Record<string, unknown>;
  schema: object;
  /** Template file paths relative to the chart (templates/…), with their text. */
  templates: Map<string, string>;
  /** Every other file, as .Files sees them. */
  files: Map<string, string>;
}

export interface RenderOptions {
  releaseName?: string;
  namespace?: string;
  /** Values files (or --set maps), applied in order over values.yaml. */
  values?: Array<Record<string, unknown>>;
  kubeVersion?: string;
  apiVersions?: string[];
}

export interface Rendered {
  /** Rendered manifests by template path (templates/deployment.yaml), only those that are not blank. */
  manifests: Map<string, string>;
  notes: string;
  values: Record<string, unknown>;
}

const NOT_FILES = new Set(['Chart.yaml', 'values.yaml', 'values.schema.json', '.helmignore']);

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

export function loadChart(dir: string): Chart {
  const metadata = parseYaml11(readFileSync(join(dir, 'Chart.yaml'), 'utf8'));
  const values = parseYaml11(readFileSync(join(dir, 'values.yaml'), 'utf8')) ?? {};
  if (!isMap(metadata) || metadata.apiVersion !== 'v2') throw new Error('Chart.yaml: apiVersion v2 expected');
  if (!isMap(values)) throw new Error('values.yaml is not a map');
  const schema = JSON.parse(readFileSync(join(dir, 'values.schema.json'), 'utf8')) as object;
  const templates = new Map<string, string>();
  const files = new Map<string, string>();
  for (const path of walk(dir)) {
    const rel = relative(dir, path).split('\\').join('/');
    if (rel.startsWith('templates/')) templates.set(rel, readFileSync(path, 'utf8'));
    else if (!NOT_FILES.has(rel) && !rel.startsWith('charts/')) files.set(rel, readFileSync(path, 'utf8'));
  }
  return { dir, metadata, values, schema, templates, files };
}

/** Helm's coalesce: maps merge key by key; a user null removes the default; anything else replaces it. */
export function coalesce(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = structuredClone(base);
  for (const [key, value] of Object.entries(over)) {
    if (value === null) delete out[key];
    else if (isMap(value) && isMap(out[key])) out[key] = coalesce(out[key] as Record<string, unknown>, value);
    else out[key] = structuredClone(value);
  }
  return out;
}

/** Validates values as Helm does before rendering; returns the error list ([] when valid). */
export function validateValues(schema: object, values: unknown): string[] {
  const ajv = new Ajv({ allErrors: true, strict: true });
  const validate = ajv.compile(schema);
  if (validate(values)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || '(root)'}: ${e.message}${e.params && 'additionalProperty' in e.params ? ` (${String(e.params.additionalProperty)})` : ''}`);
}

/** Only the `>=X.Y.Z[-0]` constraint form this chart uses. */
function checkKubeVersion(constraint: unknown, version: string): void {
  if (constraint === undefined) return;
  const m = /^>=\s*(\d+)\.(\d+)\.(\d+)(-0)?$/.exec(String(constraint));
  if (!m) throw new Error(`kubeVersion constraint ${String(constraint)} is not supported by this renderer`);
  const v = /^v?(\d+)\.(\d+)\.(\d+)/.exec(version);
  if (!v) throw new Error(`bad kube version ${version}`);
  const want = [Number(m[1]), Number(m[2]), Number(m[3])];
  const have = [Number(v[1]), Number(v[2]), Number(v[3])];
  for (let i = 0; i < 3; i++) {
    if ((have[i] as number) > (want[i] as number)) return;
    if ((have[i] as number) < (want[i] as number)) throw new Error(`chart requires kubeVersion: ${String(constraint)} which is incompatible with Kubernetes ${version}`);
  }
}

const CHART_FIELDS: Record<string, string> = {
  Name: 'name',
  Version: 'version',
  AppVersion: 'appVersion',
  Description: 'description',
  APIVersion: 'apiVersion',
  KubeVersion: 'kubeVersion',
  Type: 'type',
  Home: 'home',
  Sources: 'sources',
  Keywords: 'keywords',
  Annotations: 'annotations',
  Icon: 'icon',
  Maintainers: 'maintainers',
  Deprecated: 'deprecated',
};

export function renderChart(chart: Chart, options: RenderOptions = {}): Rendered {
  const values = (options.values ?? []).reduce(coalesce, chart.values);
  const errors = validateValues(chart.schema, values);
  if (errors.length > 0) throw new Error(`values don't meet the specifications of the schema(s):\n${errors.join('\n')}`);
  const kubeVersion = options.kubeVersion ?? 'v1.30.0';
  checkKubeVersion(chart.metadata.kubeVersion, kubeVersion);

  const name = String(chart.metadata.name);
  const set = new TemplateSet(helmFunctions());
  for (const [path, text] of chart.templates) set.add(`${name}/${path}`, text);

  const chartStruct = new GoStruct(
    '*chart.Metadata',
    Object.fromEntries(Object.entries(CHART_FIELDS).map(([field, key]) => [field, chart.metadata[key] ?? (key === 'deprecated' ? false : key.endsWith('s') ? null : '')])),
  );
  const [major, minor] = kubeVersion.replace(/^v/, '').split('.');
  const apiVersions = new Set(options.apiVersions ?? []);
  const capabilities = new GoStruct('*chartutil.Capabilities', {
    KubeVersion: new GoStruct('chartutil.KubeVersion', { Version: kubeVersion, Major: major, Minor: minor, GitVersion: kubeVersion }),
    APIVersions: new GoStruct('chartutil.VersionSet', {
      Has: new GoMethod('Has', (args) => {
        if (args.length !== 1 || typeof args[0] !== 'string') throw new Error('APIVersions.Has takes one string');
        return apiVersions.has(args[0]);
      }),
    }),
  });
  const files = new GoStruct('engine.files', {
    Get: new GoMethod('Get', (args) => {
      const [path] = args;
      if (args.length !== 1 || typeof path !== 'string') throw new Error('Files.Get takes one string');
      const text = chart.files.get(path);
      // Helm returns "" for a missing file; that would render silently wrong, so it is an error here.
      if (text === undefined) throw new Error(`.Files.Get ${JSON.stringify(path)}: no such file in the chart`);
      return text;
    }),
  });
  const release = { Name: options.releaseName ?? 'dbs-exporter', Namespace: options.namespace ?? 'monitoring', IsInstall: true, IsUpgrade: false, Revision: 1n, Service: 'Helm' };
  const top = (path: string) => ({
    Values: values,
    Release: release,
    Chart: chartStruct,
    Capabilities: capabilities,
    Files: files,
    Template: { Name: `${name}/${path}`, BasePath: `${name}/templates` },
  });

  const manifests = new Map<string, string>();
  let notes = '';
  for (const path of [...chart.templates.keys()].sort()) {
    if (basename(path).startsWith('_')) continue;
    const out = set.execute(`${name}/${path}`, top(path));
    if (path === 'templates/NOTES.txt') notes = out;
    else if (out.trim() !== '') manifests.set(path, out);
  }
  return { manifests, notes, values };
}
