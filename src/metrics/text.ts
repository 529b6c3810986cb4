/** The text formats' shared pieces: content types, escaping, number formatting, label and family heads. */
import type { Snapshot } from '../collector/snapshot.js';
import type { ExtraLabels, FamilyDef } from './families.js';

export type ExpositionFormat = 'text' | 'openmetrics';
export const CONTENT_TYPES: Record<ExpositionFormat, string> = {
  text: 'text/plain; version=0.0.4; charset=utf-8',
  openmetrics: 'application/openmetrics-text; version=1.0.0; charset=utf-8',
};

export function escapeLabelValue(value: string): string {
  return /[\\"\n]/.test(value) ? value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n') : value;
}

export function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

export function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

/** A family's HELP and TYPE lines (OpenMetrics names a counter family without `_total`). */
export function familyHeader(family: FamilyDef, format: ExpositionFormat): string {
  const familyName = format === 'openmetrics' && family.type === 'counter' ? family.name.replace(/_total$/, '') : family.name;
  return `# HELP ${familyName} ${escapeHelp(family.help)}\n# TYPE ${familyName} ${family.type}\n`;
}

/** Families reuse their label objects, so each is escaped once. */
const extraLabelCache = new WeakMap<ExtraLabels, string>();

/** `,key="value"` for each extra label of a sample. */
export function extraLabels(extra: ExtraLabels | undefined): string {
  if (!extra) return '';
  let out = extraLabelCache.get(extra);
  if (out === undefined) {
    out = '';
    for (const key in extra) out += `,${key}="${escapeLabelValue(extra[key]!)}"`;
    extraLabelCache.set(extra, out);
  }
  return out;
}

/** Each plan's escaped label prefix, `{account="…",region="…",backup_plan_id="…"`, in snapshot order. */
export function labelPrefixes(snapshot: Snapshot | undefined): string[] {
  // join() makes one flat string; a template literal would keep a tree of ~7 string pieces per
  // plan alive as long as the snapshot (objects every full garbage collection walks).
  return (snapshot?.plans ?? []).map((p) =>
    ['{account="', escapeLabelValue(p.account), '",region="', escapeLabelValue(p.region), '",backup_plan_id="', escapeLabelValue(p.planId), '"'].join(''),
  );
}
