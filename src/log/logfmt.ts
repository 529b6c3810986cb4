/**
 * pino's JSON records as logfmt lines: `ts=… level=info msg="…" key=value …`, one event per line,
 * with go-logfmt's quoting and escapes (what Loki's and Promtail's logfmt parsers read). Written
 * here because npm's encoders are not lossless: `logfmt` leaves newlines raw and prints objects
 * as [object Object], `@jclem/logfmt2` folds newlines into spaces, `pino-logfmt` wraps `logfmt`
 * in a worker-thread transport.
 */
import { pino } from 'pino';

/** Fields every record carries (pino's `base`): after the event's own, so a line reads event first. */
const BASE_FIELDS = ['app', 'pid', 'hostname'];

/** Anything but a plain token must be quoted: blanks, `=`, quotes, backslashes, control characters. */
const NEEDS_QUOTES = /[\s="\\\u0000-\u001f\u007f\u2028\u2029]/;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '"': '\\"', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function quoted(text: string): string {
  if (text !== '' && text !== 'null' && !NEEDS_QUOTES.test(text)) return text;
  const escaped = text.replace(/["\\\u0000-\u001f\u007f\u2028\u2029]/g, (c) => ESCAPES[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return `"${escaped}"`;
}

/** A key is a token: anything that would end it or start a value becomes `_`. */
function key(name: string): string {
  return name === '' ? '_' : name.replace(/[\s="\\\u0000-\u001f\u007f]/g, '_');
}

/** Nested objects (an `err`) flatten to dotted keys; arrays stay whole, as JSON text. */
function pairs(prefix: string, value: unknown, out: string[]): void {
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length > 0) {
    for (const [name, inner] of Object.entries(value)) pairs(prefix === '' ? name : `${prefix}.${name}`, inner, out);
    return;
  }
  const text = value === null ? 'null' : typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
  // A string "null" is quoted, so that it is told apart from a null.
  out.push(`${key(prefix)}=${value === null ? 'null' : quoted(text)}`);
}

/** One pino record (the parsed JSON line, already redacted) as one logfmt line, newline included. */
export function logfmtLine(record: Record<string, unknown>): string {
  const { time, level, msg, ...fields } = record;
  const out: string[] = [];
  if (typeof time === 'number') out.push(`ts=${new Date(time).toISOString()}`);
  if (level !== undefined) pairs('level', typeof level === 'number' ? (pino.levels.labels[level] ?? level) : level, out);
  if (msg !== undefined) pairs('msg', msg, out);
  for (const [name, value] of Object.entries(fields)) if (!BASE_FIELDS.includes(name)) pairs(name, value, out);
  for (const name of BASE_FIELDS) if (name in fields) pairs(name, fields[name], out);
  return `${out.join(' ')}\n`;
}
