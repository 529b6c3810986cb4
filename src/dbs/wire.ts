/** Field shapes shared by every DBS response schema (schemas.ts, operations.ts). */
import { z } from 'zod';

/** A Long on the wire: a finite number, or a string of digits (some gateways stringify longs). */
export const long = z.union([
  z.number().finite(),
  z
    .string()
    .regex(/^-?\d+(\.\d+)?$/, 'expected a number')
    .transform(Number)
    .pipe(z.number().finite('expected a finite number')),
]);

/** Epoch milliseconds. Zero or absent means "not set" in DBS responses. */
export const epochMillis = long;

/** An optional, nullable field: DBS omits unset fields or sends null. */
export function opt<T extends z.ZodType>(schema: T) {
  return schema.nullish().transform((v) => (v === null ? undefined : v));
}

/** A boolean DBS sends as true/false or as the strings "true"/"false". */
export const wireBoolean = z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]);

/** Fields every paged DBS response carries. */
export const envelope = {
  RequestId: opt(z.string()),
  HttpStatusCode: opt(long),
  Success: opt(wireBoolean),
  ErrCode: opt(z.string()),
  ErrMessage: opt(z.string()),
  PageNum: opt(long),
  PageSize: opt(long),
  TotalPages: opt(long),
  TotalElements: opt(long),
};

/** `Items` is `{ <ItemName>: [...] }`; an empty page may omit it or send `{}`. */
export function itemsOf<T extends z.ZodType, K extends string>(key: K, item: T) {
  return opt(z.object({ [key]: opt(z.array(item)) } as Record<K, ReturnType<typeof opt<z.ZodArray<T>>>>)).transform(
    (items) => ((items as Record<K, z.infer<T>[] | undefined> | undefined)?.[key] ?? []) as z.infer<T>[],
  );
}

