/** Reading the Prometheus text exposition the way a scraper does, for assertions. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

export function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = LINE.exec(line);
    if (!m) throw new Error(`unparseable exposition line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, value] of (m[2] ?? '').matchAll(LABEL)) labels[key!] = value!.replace(/\\"/g, '"').replace(/\\n/g, '\n').replace(/\\\\/g, '\\');
    const raw = m[3]!;
    samples.push({ name: m[1]!, labels, value: raw === 'NaN' ? NaN : raw === '+Inf' ? Infinity : raw === '-Inf' ? -Infinity : Number(raw) });
  }
  return samples;
}

/** Samples of one metric whose labels include `match`. */
export function find(samples: Sample[], name: string, match: Record<string, string> = {}): Sample[] {
  return samples.filter((s) => s.name === name && Object.entries(match).every(([k, v]) => s.labels[k] === v));
}

/** The single value of a series; throws when there is not exactly one. */
export function valueOf(samples: Sample[], name: string, match: Record<string, string> = {}): number {
  const found = find(samples, name, match);
  if (found.length !== 1) throw new Error(`expected exactly one ${name}${JSON.stringify(match)}, found ${found.length}`);
  return found[0]!.value;
}

/** Whether any series of `name` carries these labels. */
export function has(samples: Sample[], name: string, match: Record<string, string> = {}): boolean {
  return find(samples, name, match).length > 0;
}

/** Gauges true only at the poll's time: dropped once a plan's last good poll is older than the max staleness. */
export const POINT_IN_TIME_FAMILIES = [
  'dbs_backup_jobs',
  'dbs_backup_sets',
  'dbs_backup_set_bytes',
  'dbs_backup_running_since_timestamp_seconds',
  'dbs_backup_running_last_progress_timestamp_seconds',
  'dbs_backup_running_size_bytes',
] as const;
