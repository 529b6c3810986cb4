/** Building blocks of the configuration's schemas (schema.ts, sources.ts, expectations-schema.ts). */
import { z } from 'zod';
import { DURATION_PATTERN, formatDuration, parseDuration } from './duration.js';

export const DAY_MS = 24 * 3_600_000;

interface DurationOptions {
  min?: number;
  max?: number;
  /** JSON Schema annotations; zod keeps them only on the string side of the transform. */
  meta?: { default?: string; description?: string };
}

/** A Prometheus-style duration string, parsed to milliseconds. */
export function duration({ min = 0, max = Number.MAX_SAFE_INTEGER, meta = {} }: DurationOptions = {}) {
  return z
    .string({ error: 'expected a duration such as 30s, 5m or 1h30m' })
    .regex(DURATION_PATTERN, 'expected a duration such as 500ms, 30s, 5m, 1h30m, 72h or 7d (units ms, s, m, h, d, w, y)')
    .superRefine((text, ctx) => {
      if (!DURATION_PATTERN.test(text)) return; // already reported by the pattern
      let ms: number;
      try {
        ms = parseDuration(text);
      } catch {
        ctx.addIssue({ code: 'custom', message: `duration is too large (at most ${formatDuration(max)})` });
        return;
      }
      if (ms > max) ctx.addIssue({ code: 'custom', message: `duration is too large (at most ${formatDuration(max)})` });
      else if (ms < min) ctx.addIssue({ code: 'custom', message: `duration is too small (at least ${formatDuration(min)})` });
    })
    .meta(meta)
    .transform(parseDuration);
}

export const nonEmpty = z.string().min(1);
export function validRegex(pattern: string, ctx: z.core.$RefinementCtx<string>): void {
  try {
    new RegExp(pattern);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: `invalid regular expression: ${(err as Error).message.replace(/^Invalid regular expression: /, '')}` });
  }
}

