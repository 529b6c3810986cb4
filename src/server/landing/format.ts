/** Durations for people, shared by the problems and the page. */

/** A short duration for people: 45s, 12m, 5h 3m, 6h, 3d 4h. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 90) return `${s}s`;
  const m = Math.round(s / 60);
  if (m < 90) return `${m}m`;
  const h = Math.floor(s / 3600);
  const [big, small] = h < 48 ? [`${h}h`, Math.floor((s % 3600) / 60)] : [`${Math.floor(s / 86_400)}d`, Math.floor((s % 86_400) / 3600)];
  return small === 0 ? big : `${big} ${small}${h < 48 ? 'm' : 'h'}`;
}

/** A size for people, in binary units: 512 B, 1.5 GiB, 2 TiB. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const text = unit === 0 || value >= 100 ? String(Math.round(value)) : String(Math.round(value * 10) / 10);
  return `${text} ${units[unit]}`;
}

/** A share as a whole percentage: 95%. */
export const formatPercent = (ratio: number): string => `${Math.round(ratio * 100)}%`;
