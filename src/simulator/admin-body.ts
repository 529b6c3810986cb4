/** What the admin routes share: their answer and JSON body parsing. */
import type { z } from 'zod';

export interface AdminAnswer {
  status: number;
  body: unknown;
}

/** The JSON body checked against `schema`, or the 400 answer. */
export function parseBody<T>(body: Buffer, schema: z.ZodType<T>): { data: T } | AdminAnswer {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    return { status: 400, body: { error: 'body must be JSON' } };
  }
  const parsed = schema.safeParse(json);
  return parsed.success ? { data: parsed.data } : { status: 400, body: { error: parsed.error.message } };
}
