/** Families rendered in full for the plans of a snapshot, in slices that yield to the event loop. */
import type { Snapshot } from '../collector/snapshot.js';
import { type FamilyDef, covers } from './families.js';
import { CHUNK_BYTES } from './pool.js';
import { type ExpositionFormat, extraLabels, familyHeader, formatValue, labelPrefixes } from './text.js';

export const yieldToEventLoop = (): Promise<void> => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Family by family (the format wants each family's samples together), as Buffers of about
 * CHUNK_BYTES, yielding every `sliceSamples` samples; no whole-exposition string is built.
 */
export async function renderFamilies(
  families: readonly FamilyDef[],
  snapshot: Snapshot | undefined,
  nowMs: number,
  format: ExpositionFormat,
  sliceSamples = 5_000,
  /** labelPrefixes(snapshot), when the caller keeps them between renders. */
  prefixes: readonly string[] = labelPrefixes(snapshot),
  /** Takes each chunk as it is made (and the result is empty): a consumer that streams them on holds few at a time. */
  sink?: (chunk: Buffer) => void | Promise<void>,
): Promise<Buffer[]> {
  const plans = snapshot?.plans ?? [];
  const chunks: Buffer[] = [];
  const emit = sink ?? ((chunk: Buffer) => void chunks.push(chunk));
  let body = '';
  let samples = 0;
  for (const family of families) {
    body += familyHeader(family, format);
    for (let i = 0; i < plans.length; i++) {
      const plan = plans[i]!;
      if (!covers(family, plan)) continue;
      const prefix = prefixes[i]!;
      family.collect(plan, nowMs, (value, extra) => {
        body += `${family.name}${prefix}${extraLabels(extra)}} ${formatValue(value)}\n`;
        samples += 1;
      });
      if (body.length >= CHUNK_BYTES - 2048) {
        const chunk = Buffer.from(body, 'utf8');
        body = '';
        await emit(chunk);
      }
      if (samples >= sliceSamples) {
        samples = 0;
        await yieldToEventLoop();
      }
    }
  }
  if (body) await emit(Buffer.from(body, 'utf8'));
  return chunks;
}
