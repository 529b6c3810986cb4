/** Reading values from DBS records: timestamps, sizes and the strings repeated across many records. */

/** A timestamp DBS sends as 0, negative or absent means "not set". */
export function millis(value: number | undefined): number | undefined {
  return value !== undefined && Number.isFinite(value) && value > 0 ? value : undefined;
}

export function bytes(value: number | undefined): number {
  return value !== undefined && Number.isFinite(value) && value > 0 ? value : 0;
}

const interned = new Map<string, string>();

/**
 * One copy per distinct value of a field with a handful of values (BackupStatus, plan status,
 * database type), not one per parsed record. Bounded, so a DBS that sends a new value every time cannot grow it.
 */
export function internString(raw: string): string {
  const known = interned.get(raw);
  if (known !== undefined) return known;
  if (interned.size < 256 && raw.length <= 32) interned.set(raw, raw);
  return raw;
}
