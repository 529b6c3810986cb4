/**
 * The Helm and sprig functions the chart uses, with their Go semantics, and nothing else: a template
 * calling any other function fails to render. Argument types are checked as Go's reflection-based call
 * does (a string parameter refuses a number, an int parameter refuses a float64 from values).
 */
import { createHash } from 'node:crypto';
import { GoStruct, isMap, isTrue, printValue, type TemplateFunction } from './template.js';
import { toYaml } from './yaml.js';

type Kind = 'string' | 'int' | 'any' | 'map';

function typeName(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (typeof v === 'bigint') return 'int';
  if (typeof v === 'number') return 'float64';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'string') return 'string';
  if (Array.isArray(v)) return '[]interface {}';
  if (v instanceof GoStruct) return v.typeName;
  return 'map[string]interface {}';
}

/** A function with a fixed Go signature: arity and parameter types are enforced. */
function fn(params: Kind[], body: (...args: any[]) => unknown, variadic?: Kind): TemplateFunction {
  return (args) => {
    if (variadic ? args.length < params.length : args.length !== params.length) {
      throw new Error(`wrong number of args: want ${variadic ? 'at least ' : ''}${params.length} got ${args.length}`);
    }
    args.forEach((arg, i) => check(params[i] ?? (variadic as Kind), arg, i));
    return body(...args);
  };
}

function check(kind: Kind, arg: unknown, i: number): void {
  const ok =
    kind === 'any' ||
    (kind === 'string' && typeof arg === 'string') ||
    (kind === 'int' && typeof arg === 'bigint') ||
    (kind === 'map' && isMap(arg));
  if (!ok) throw new Error(`wrong type for value; expected ${kind === 'map' ? 'map[string]interface {}' : kind}; got ${typeName(arg)} (argument ${i + 1})`);
}

/** sprig's strval: strings as they are, anything else as Go's %v. */
export function strval(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  return printValue(v, 'strval');
}

/** sprig's empty: nil, "", 0, false, and empty lists and maps; a struct is never empty. */
export function empty(v: unknown): boolean {
  return !isTrue(v);
}

/** strconv.Quote: Go's double-quoted string with Go escapes (all valid YAML double-quoted escapes). */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0) as number;
    const named: Record<string, string> = { '"': '\\"', '\\': '\\\\', '\x07': '\\a', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\v': '\\v' };
    if (named[ch]) out += named[ch];
    else if (cp < 0x20 || cp === 0x7f) out += `\\x${cp.toString(16).padStart(2, '0')}`;
    else if (ch !== ' ' && /[\p{C}\p{Z}]/u.test(ch)) out += cp > 0xffff ? `\\U${cp.toString(16).padStart(8, '0')}` : `\\u${cp.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

/** fmt.Sprintf for the verbs the chart uses (%s %d %v %q %%); anything Go would print as %!… throws. */
export function sprintf(format: string, args: unknown[]): string {
  let i = 0;
  const out = format.replace(/%([a-zA-Z%])/g, (_m, verb: string) => {
    if (verb === '%') return '%';
    if (i >= args.length) throw new Error(`printf ${JSON.stringify(format)}: missing argument for %${verb}`);
    const arg = args[i++];
    switch (verb) {
      case 's':
        if (typeof arg !== 'string') throw new Error(`printf %s of a ${typeName(arg)}`);
        return arg;
      case 'q':
        if (typeof arg !== 'string') throw new Error(`printf %q of a ${typeName(arg)}`);
        return goQuote(arg);
      case 'd':
        if (typeof arg !== 'bigint') throw new Error(`printf %d of a ${typeName(arg)}`);
        return arg.toString();
      case 'v':
        if (arg === null || arg === undefined) throw new Error('printf %v of nil');
        return printValue(arg, 'printf');
      default:
        throw new Error(`printf verb %${verb} is not supported by this renderer`);
    }
  });
  if (i !== args.length) throw new Error(`printf ${JSON.stringify(format)}: ${args.length - i} extra argument(s)`);
  return out;
}

type BasicKind = 'nil' | 'bool' | 'int' | 'float' | 'string' | 'other';
function basicKind(v: unknown): BasicKind {
  if (v === null || v === undefined) return 'nil';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'bigint') return 'int';
  if (typeof v === 'number') return 'float';
  if (typeof v === 'string') return 'string';
  return 'other';
}

/** text/template's eq: true when arg1 equals any other argument; mixing kinds (int vs float64, string vs number) is an error. */
function eq(arg1: unknown, ...others: unknown[]): boolean {
  if (others.length === 0) throw new Error('missing argument for comparison');
  const k1 = basicKind(arg1);
  for (const arg of others) {
    const k2 = basicKind(arg);
    if (k1 === 'other' || k2 === 'other') throw new Error(`non-comparable types ${typeName(arg1)}, ${typeName(arg)}`);
    if (k1 !== k2) {
      if (k1 !== 'nil' && k2 !== 'nil') throw new Error(`incompatible types for comparison: ${typeName(arg1)} and ${typeName(arg)}`);
      continue;
    }
    if (arg1 === arg || (k1 === 'nil' && k2 === 'nil')) return true;
  }
  return false;
}

function indent(spaces: bigint, text: string): string {
  const pad = ' '.repeat(Number(spaces));
  return pad + text.replaceAll('\n', `\n${pad}`);
}

export function helmFunctions(): Record<string, TemplateFunction> {
  const and: TemplateFunction = (thunks) => {
    const args = thunks as Array<() => unknown>;
    if (args.length < 2) throw new Error('and needs at least 2 arguments');
    let v: unknown;
    for (const a of args) {
      v = a();
      if (!isTrue(v)) return v;
    }
    return v;
  };
  and.lazy = true;
  const or: TemplateFunction = (thunks) => {
    const args = thunks as Array<() => unknown>;
    if (args.length < 2) throw new Error('or needs at least 2 arguments');
    let v: unknown;
    for (const a of args) {
      v = a();
      if (isTrue(v)) return v;
    }
    return v;
  };
  or.lazy = true;

  return {
    // text/template builtins
    and,
    or,
    not: fn(['any'], (v) => !isTrue(v)),
    eq: fn(['any', 'any'], (a, ...rest) => eq(a, ...rest), 'any'),
    ne: fn(['any', 'any'], (a, b) => !eq(a, b)),
    print: (args) => {
      // fmt.Sprint: a space between operands when neither is a string.
      let out = '';
      args.forEach((a, i) => {
        if (a === null || a === undefined) throw new Error('print of nil');
        if (i > 0 && typeof a !== 'string' && typeof args[i - 1] !== 'string') out += ' ';
        out += printValue(a, 'print');
      });
      return out;
    },
    printf: fn(['string'], (format: string, ...args: unknown[]) => sprintf(format, args), 'any'),
    // Helm
    include: (args, ctx) => {
      if (args.length !== 2) throw new Error(`wrong number of args for include: want 2 got ${args.length}`);
      check('string', args[0], 0);
      return ctx.execute(args[0] as string, args[1]);
    },
    required: fn(['string', 'any'], (message: string, v: unknown) => {
      if (v === null || v === undefined || v === '') throw new Error(message);
      return v;
    }),
    fail: fn(['string'], (message: string) => {
      throw new Error(message);
    }),
    toYaml: fn(['any'], (v) => toYaml(v)),
    // sprig
    default: fn(['any'], (dflt: unknown, ...given: unknown[]) => (given.length === 0 || empty(given[0]) ? dflt : given[0]), 'any'),
    empty: fn(['any'], empty),
    quote: (args) =>
      args
        .filter((a) => a !== null && a !== undefined)
        .map((a) => goQuote(strval(a)))
        .join(' '),
    toString: fn(['any'], strval),
    indent: fn(['int', 'string'], indent),
    nindent: fn(['int', 'string'], (n: bigint, s: string) => `\n${indent(n, s)}`),
    trunc: fn(['int', 'string'], (c: bigint, s: string) => {
      const n = Number(c);
      if (n < 0 && s.length + n > 0) return s.slice(s.length + n);
      if (n >= 0 && s.length > n) return s.slice(0, n);
      return s;
    }),
    trimSuffix: fn(['string', 'string'], (suffix: string, s: string) => (suffix !== '' && s.endsWith(suffix) ? s.slice(0, -suffix.length) : s)),
    replace: fn(['string', 'string', 'string'], (old: string, neu: string, s: string) => (old === '' ? insertEverywhere(s, neu) : s.replaceAll(old, neu))),
    contains: fn(['string', 'string'], (substr: string, s: string) => s.includes(substr)),
    hasKey: fn(['map', 'string'], (m: Record<string, unknown>, key: string) => Object.prototype.hasOwnProperty.call(m, key)),
    sha256sum: fn(['string'], (s: string) => createHash('sha256').update(s, 'utf8').digest('hex')),
    b64enc: fn(['string'], (s: string) => Buffer.from(s, 'utf8').toString('base64')),
    semverCompare: fn(['string', 'string'], semverCompare),
    dict: (args) => {
      const out: Record<string, unknown> = {};
      for (let i = 0; i < args.length; i += 2) out[strval(args[i])] = i + 1 < args.length ? args[i + 1] : '';
      return out;
    },
    list: (args) => [...args],
    merge: fn(['map', 'map'], (dst: Record<string, unknown>, ...srcs: Array<Record<string, unknown>>) => srcs.reduce(mergeNoOverride, dst), 'map'),
  };
}

/** sprig's merge (mergo.Merge without override): keys already in dst win; nested maps merge; dst is changed and returned. */
function mergeNoOverride(dst: Record<string, unknown>, src: Record<string, unknown>): Record<string, unknown> {
  for (const [key, value] of Object.entries(src)) {
    const have = dst[key];
    if (isMap(have) && isMap(value)) mergeNoOverride(have, value);
    else if (have === undefined || have === null) dst[key] = value;
  }
  return dst;
}

/** strings.Replace(s, "", new, -1) inserts `new` around every rune. */
function insertEverywhere(s: string, neu: string): string {
  return neu + [...s].join(neu) + (s.length > 0 ? neu : '');
}

/**
 * sprig's semverCompare (Masterminds semver v3), for the one constraint form the chart uses: `>=X.Y[.Z]`,
 * optionally with `-0` so that pre-release versions (v1.28.3-gke.100) are compared too; without it a
 * pre-release version never matches. Build metadata (+k3s1) is ignored. Any other constraint throws.
 */
export function semverCompare(constraint: string, version: string): boolean {
  const c = /^>=\s*(\d+)\.(\d+)(?:\.(\d+))?(-0)?$/.exec(constraint.trim());
  if (!c) throw new Error(`semverCompare: constraint ${JSON.stringify(constraint)} is not supported by this renderer`);
  // NewVersion is lenient: v prefix, missing minor or patch (1.28 is 1.28.0)
  const v = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/.exec(version.trim());
  if (!v) throw new Error(`Invalid Semantic Version: ${version}`);
  const want = [Number(c[1]), Number(c[2]), Number(c[3] ?? 0)];
  const have = [Number(v[1]), Number(v[2] ?? 0), Number(v[3] ?? 0)];
  if (v[4] !== undefined && c[4] === undefined) return false;
  for (let i = 0; i < 3; i++) {
    if ((have[i] as number) !== (want[i] as number)) return (have[i] as number) > (want[i] as number);
  }
  // equal X.Y.Z: a pre-release (1.28.0-rc.1) is below 1.28.0 but at or above 1.28.0-0
  return true;
}
