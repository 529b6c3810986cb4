/**
 * A strict interpreter for the subset of Go's text/template that the Helm chart uses: actions with
 * `{{-` / `-}}` trimming, comments, pipelines, variables (`$x :=`, `$x =`, `$`), if / else if / else,
 * with / else, range (lists, and maps in sorted key order) / else, define / template, and field chains
 * on maps, structs and methods. Anything else (an unknown function, keyword, field of a struct, a
 * construct such as `block`, `break`, char constants) throws a TemplateError naming the template and
 * line, so the chart cannot drift outside what is verified without a test failing.
 *
 * Value model, as Helm sees values: maps are plain objects, lists arrays, numbers from values files are
 * float64 (JS number), integer literals in templates are Go ints (bigint), nil is null/undefined.
 */

export class TemplateError extends Error {
  constructor(where: string, message: string) {
    super(`template: ${where}: ${message}`);
    this.name = 'TemplateError';
  }
}

/** A Go struct: unknown fields are errors (as for Helm's .Chart, .Capabilities, .Files). */
export class GoStruct {
  constructor(
    readonly typeName: string,
    readonly fields: Record<string, unknown>,
  ) {}
}

/** A Go method on a struct, e.g. .Files.Get; called with the command's arguments. */
export class GoMethod {
  constructor(
    readonly name: string,
    readonly call: (args: unknown[]) => unknown,
  ) {}
}

/** A template function. `lazy` functions (and, or) receive thunks, like Go 1.18+. */
export interface TemplateFunction {
  (args: unknown[], ctx: CallContext): unknown;
  lazy?: boolean;
}
export interface CallContext {
  /** Renders a named template with data (for include). */
  execute(name: string, data: unknown): string;
}

// ---------------------------------------------------------------------------------------------
// Lexing

type Token =
  | { t: 'field'; name: string; adj: boolean }
  | { t: 'var'; name: string; adj: boolean }
  | { t: 'dot'; adj: boolean }
  | { t: 'ident'; name: string; adj: boolean }
  | { t: 'string'; value: string; adj: boolean }
  | { t: 'number'; value: number | bigint; adj: boolean }
  | { t: 'bool'; value: boolean; adj: boolean }
  | { t: 'nil'; adj: boolean }
  | { t: '(' | ')' | '|' | ',' | ':=' | '='; adj: boolean };

type Item =
  | { kind: 'text'; text: string; line: number }
  | { kind: 'action'; tokens: Token[]; line: number; trimLeft: boolean; trimRight: boolean }
  | { kind: 'comment'; line: number; trimLeft: boolean; trimRight: boolean };

const SPACE = /[ \t\r\n]/;
const KEYWORDS = new Set(['if', 'else', 'end', 'range', 'with', 'define', 'template', 'block', 'break', 'continue']);

function lineAt(src: string, pos: number): number {
  let n = 1;
  for (let i = 0; i < pos; i++) if (src[i] === '\n') n++;
  return n;
}

function lex(name: string, src: string): Item[] {
  const items: Item[] = [];
  let pos = 0;
  while (pos < src.length) {
    const open = src.indexOf('{{', pos);
    if (open < 0) {
      items.push({ kind: 'text', text: src.slice(pos), line: lineAt(src, pos) });
      break;
    }
    if (open > pos) items.push({ kind: 'text', text: src.slice(pos, open), line: lineAt(src, pos) });
    const line = lineAt(src, open);
    const where = `${name}:${line}`;
    let i = open + 2;
    let trimLeft = false;
    if (src[i] === '-' && SPACE.test(src[i + 1] ?? '')) {
      trimLeft = true;
      i += 2;
    }
    // A comment starts right after the delimiter (and its trim marker) and ends with */ and the delimiter.
    const afterSpace = trimLeft ? skipSpace(src, i) : i;
    if (src.startsWith('/*', trimLeft ? afterSpace : i)) {
      const end = src.indexOf('*/', i + 2);
      if (end < 0) throw new TemplateError(where, 'unclosed comment');
      let j = end + 2;
      let trimRight = false;
      if (src.startsWith(' -}}', j) || src.startsWith('\t-}}', j) || src.startsWith('\n-}}', j)) {
        trimRight = true;
        j += 4;
      } else if (src.startsWith('}}', j)) j += 2;
      else throw new TemplateError(where, 'comment ends before closing delimiter');
      items.push({ kind: 'comment', line, trimLeft, trimRight });
      pos = j;
      continue;
    }
    const tokens: Token[] = [];
    let trimRight = false;
    let adj = false;
    for (;;) {
      if (i >= src.length) throw new TemplateError(where, 'unclosed action');
      const c = src[i] as string;
      if (SPACE.test(c)) {
        const j = skipSpace(src, i);
        if (src[j] === '-' && src.startsWith('}}', j + 1)) {
          trimRight = true;
          i = j + 3;
          break;
        }
        i = j;
        adj = false;
        continue;
      }
      if (src.startsWith('}}', i)) {
        i += 2;
        break;
      }
      const token = lexToken(src, i, where, adj);
      tokens.push(token.token);
      i = token.end;
      adj = true;
    }
    items.push({ kind: 'action', tokens, line, trimLeft, trimRight });
    pos = i;
  }
  // Trim markers remove the white space of the neighbouring text.
  for (let k = 0; k < items.length; k++) {
    const item = items[k] as Item;
    if (item.kind === 'text') continue;
    const prev = items[k - 1];
    const next = items[k + 1];
    if (item.trimLeft && prev?.kind === 'text') prev.text = prev.text.replace(/[ \t\r\n]+$/, '');
    if (item.trimRight && next?.kind === 'text') next.text = next.text.replace(/^[ \t\r\n]+/, '');
  }
  return items;
}

function skipSpace(src: string, i: number): number {
  while (i < src.length && SPACE.test(src[i] as string)) i++;
  return i;
}

const IDENT = /[A-Za-z0-9_]/;

function lexToken(src: string, i: number, where: string, adj: boolean): { token: Token; end: number } {
  const c = src[i] as string;
  const ident = (from: number) => {
    let j = from;
    while (j < src.length && IDENT.test(src[j] as string)) j++;
    return j;
  };
  if (c === '"') {
    let j = i + 1;
    let value = '';
    for (;;) {
      const d = src[j];
      if (d === undefined || d === '\n') throw new TemplateError(where, 'unterminated quoted string');
      if (d === '"') break;
      if (d === '\\') {
        const e = src[j + 1];
        const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', '"': '"', '\\': '\\', a: '\x07', b: '\b', f: '\f', v: '\v' };
        if (e !== undefined && e in simple) {
          value += simple[e];
          j += 2;
          continue;
        }
        const hex = e === 'x' ? 2 : e === 'u' ? 4 : e === 'U' ? 8 : 0;
        if (hex > 0) {
          const digits = src.slice(j + 2, j + 2 + hex);
          if (!new RegExp(`^[0-9a-fA-F]{${hex}}$`).test(digits)) throw new TemplateError(where, `bad escape \\${e}${digits}`);
          value += String.fromCodePoint(parseInt(digits, 16));
          j += 2 + hex;
          continue;
        }
        throw new TemplateError(where, `unsupported escape \\${e ?? ''} in string`);
      }
      value += d;
      j++;
    }
    return { token: { t: 'string', value, adj }, end: j + 1 };
  }
  if (c === '`') {
    const end = src.indexOf('`', i + 1);
    if (end < 0) throw new TemplateError(where, 'unterminated raw string');
    return { token: { t: 'string', value: src.slice(i + 1, end).replace(/\r/g, ''), adj }, end: end + 1 };
  }
  if (c === "'") throw new TemplateError(where, 'character constants are not supported');
  if (/[0-9]/.test(c) || ((c === '-' || c === '+') && /[0-9.]/.test(src[i + 1] ?? ''))) {
    const m = /^[-+]?(0[xX][0-9a-fA-F_]+|[0-9_]*\.?[0-9_]+([eE][-+]?[0-9_]+)?)/.exec(src.slice(i));
    if (!m) throw new TemplateError(where, 'bad number');
    const text = m[0].replace(/_/g, '');
    const isInt = /^[-+]?(0[xX][0-9a-fA-F]+|[0-9]+)$/.test(text);
    if (isInt && /^[-+]?0[0-7]+$/.test(text)) throw new TemplateError(where, `octal literal ${text} is not supported`);
    const value = isInt ? BigInt(text.replace(/^\+/, '')) : Number(text);
    return { token: { t: 'number', value, adj }, end: i + m[0].length };
  }
  if (c === '$') {
    const end = ident(i + 1);
    return { token: { t: 'var', name: src.slice(i, end), adj }, end };
  }
  if (c === '.') {
    const end = ident(i + 1);
    if (end === i + 1) return { token: { t: 'dot', adj }, end };
    if (/[0-9]/.test(src[i + 1] as string)) throw new TemplateError(where, 'bad number');
    return { token: { t: 'field', name: src.slice(i + 1, end), adj }, end };
  }
  if (/[A-Za-z_]/.test(c)) {
    const end = ident(i);
    const word = src.slice(i, end);
    if (word === 'true' || word === 'false') return { token: { t: 'bool', value: word === 'true', adj }, end };
    if (word === 'nil') return { token: { t: 'nil', adj }, end };
    return { token: { t: 'ident', name: word, adj }, end };
  }
  if (src.startsWith(':=', i)) return { token: { t: ':=', adj }, end: i + 2 };
  if (c === '(' || c === ')' || c === '|' || c === ',' || c === '=') return { token: { t: c, adj }, end: i + 1 };
  throw new TemplateError(where, `unexpected character ${JSON.stringify(c)} in action`);
}

// ---------------------------------------------------------------------------------------------
// Parsing

type Operand =
  | { k: 'dot' }
  | { k: 'nil' }
  | { k: 'literal'; value: unknown }
  | { k: 'field'; chain: string[] } // .a.b on dot
  | { k: 'var'; name: string; chain: string[] }
  | { k: 'func'; name: string }
  | { k: 'pipe'; pipe: Pipeline; chain: string[] };

interface Command {
  args: Operand[];
}
interface Pipeline {
  decl?: { vars: string[]; assign: boolean };
  cmds: Command[];
  where: string;
}

type Node =
  | { n: 'text'; text: string }
  | { n: 'action'; pipe: Pipeline }
  | { n: 'if' | 'with'; pipe: Pipeline; list: Node[]; elseList?: Node[] }
  | { n: 'range'; pipe: Pipeline; list: Node[]; elseList?: Node[] }
  | { n: 'template'; name: string; pipe?: Pipeline; where: string };

class Parser {
  private k = 0;
  constructor(
    private readonly name: string,
    private readonly items: Item[],
    private readonly defines: Map<string, Node[]>,
  ) {}

  parseTop(): Node[] {
    const { list, stop } = this.parseList(true);
    if (stop) throw new TemplateError(`${this.name}:${stop.line}`, `unexpected {{${stop.word}}}`);
    return list;
  }

  /** Parses until end/else (returned as `stop`) or the end of input (only allowed at top level). */
  private parseList(top: boolean): { list: Node[]; stop?: { word: 'end' | 'else'; tokens: Token[]; line: number } } {
    const list: Node[] = [];
    while (this.k < this.items.length) {
      const item = this.items[this.k++] as Item;
      if (item.kind === 'comment') continue;
      if (item.kind === 'text') {
        if (item.text !== '') list.push({ n: 'text', text: item.text });
        continue;
      }
      const where = `${this.name}:${item.line}`;
      const [first, ...rest] = item.tokens;
      if (!first) throw new TemplateError(where, 'missing value for command');
      const word = first.t === 'ident' && KEYWORDS.has(first.name) ? first.name : undefined;
      if (word === 'end' || word === 'else') return { list, stop: { word, tokens: rest, line: item.line } };
      if (word === 'if' || word === 'with' || word === 'range') {
        list.push(this.parseControl(word, rest, where));
        continue;
      }
      if (word === 'define') {
        if (!top) throw new TemplateError(where, 'unexpected define: not at top level');
        const nameToken = rest[0];
        if (rest.length !== 1 || nameToken?.t !== 'string') throw new TemplateError(where, 'define needs one quoted name');
        const body = this.parseList(false);
        if (body.stop?.word !== 'end' || body.stop.tokens.length > 0) throw new TemplateError(where, `define ${nameToken.value}: expected {{end}}`);
        this.defines.set(nameToken.value, body.list);
        continue;
      }
      if (word === 'template') {
        const nameToken = rest[0];
        if (nameToken?.t !== 'string') throw new TemplateError(where, 'template needs a quoted name');
        const node: Node = { n: 'template', name: nameToken.value, where };
        if (rest.length > 1) node.pipe = this.parsePipeline(rest.slice(1), where, false);
        list.push(node);
        continue;
      }
      if (word !== undefined) throw new TemplateError(where, `{{${word}}} is not supported by this renderer`);
      list.push({ n: 'action', pipe: this.parsePipeline(item.tokens, where, true) });
    }
    if (!top) throw new TemplateError(`${this.name}`, 'unexpected EOF: missing {{end}}');
    return { list };
  }

  private parseControl(word: 'if' | 'with' | 'range', tokens: Token[], where: string): Node {
    const pipe = this.parsePipeline(tokens, where, word !== 'range' ? 'single' : 'range');
    const body = this.parseList(false);
    if (!body.stop) throw new TemplateError(where, `unexpected EOF in ${word}`);
    const node: Extract<Node, { n: 'if' | 'with' | 'range' }> = { n: word, pipe, list: body.list };
    if (body.stop.word === 'end') {
      if (body.stop.tokens.length > 0) throw new TemplateError(where, 'unexpected tokens after end');
      return node;
    }
    // {{else}} or {{else if ...}}
    const elseTokens = body.stop.tokens;
    if (elseTokens.length > 0) {
      const [kw, ...rest] = elseTokens;
      if (word !== 'if' || kw?.t !== 'ident' || kw.name !== 'if') throw new TemplateError(`${this.name}:${body.stop.line}`, `{{else ${kw?.t === 'ident' ? kw.name : '...'}}} is not supported here`);
      // else if: a nested if that shares our {{end}}.
      node.elseList = [this.parseControl('if', rest, `${this.name}:${body.stop.line}`)];
      return node;
    }
    const elseBody = this.parseList(false);
    if (elseBody.stop?.word !== 'end' || elseBody.stop.tokens.length > 0) throw new TemplateError(where, `expected {{end}} after {{else}} of ${word}`);
    node.elseList = elseBody.list;
    return node;
  }

  private parsePipeline(tokens: Token[], where: string, declMode: boolean | 'single' | 'range'): Pipeline {
    let pos = 0;
    const pipe: Pipeline = { cmds: [], where };
    // Declarations: $x := / $x = / $k, $v := (range)
    const declEnd = tokens.findIndex((t) => t.t === ':=' || t.t === '=');
    if (declEnd > 0 && tokens.slice(0, declEnd).every((t) => t.t === 'var' || t.t === ',')) {
      if (declMode === false) throw new TemplateError(where, 'declaration not allowed here');
      const vars = tokens.slice(0, declEnd).filter((t): t is Extract<Token, { t: 'var' }> => t.t === 'var').map((t) => t.name);
      const max = declMode === 'range' ? 2 : 1;
      if (vars.length === 0 || vars.length > max || declEnd !== vars.length * 2 - 1) throw new TemplateError(where, 'bad variable declaration');
      pipe.decl = { vars, assign: tokens[declEnd]?.t === '=' };
      pos = declEnd + 1;
    }
    const stream = new TokenStream(tokens.slice(pos), where);
    this.parseCommands(stream, pipe, false);
    if (!stream.done()) throw new TemplateError(where, `unexpected ${describe(stream.peek())}`);
    return pipe;
  }

  private parseCommands(stream: TokenStream, pipe: Pipeline, inParens: boolean): void {
    for (;;) {
      const cmd: Command = { args: [] };
      while (!stream.done()) {
        const t = stream.peek() as Token;
        if (t.t === '|' || t.t === ')') break;
        cmd.args.push(this.parseOperand(stream, pipe.where));
      }
      if (cmd.args.length === 0) throw new TemplateError(pipe.where, 'missing command in pipeline');
      pipe.cmds.push(cmd);
      const next = stream.peek();
      if (next?.t === '|') {
        stream.next();
        continue;
      }
      if (next?.t === ')' && !inParens) throw new TemplateError(pipe.where, 'unexpected )');
      return;
    }
  }

  private parseOperand(stream: TokenStream, where: string): Operand {
    const t = stream.next();
    let operand: Operand;
    switch (t.t) {
      case 'dot':
        operand = { k: 'dot' };
        break;
      case 'nil':
        operand = { k: 'nil' };
        break;
      case 'string':
      case 'number':
      case 'bool':
        operand = { k: 'literal', value: t.value };
        break;
      case 'field':
        operand = { k: 'field', chain: [t.name, ...this.chain(stream)] };
        return operand;
      case 'var':
        return { k: 'var', name: t.name, chain: this.chain(stream) };
      case 'ident':
        if (KEYWORDS.has(t.name)) throw new TemplateError(where, `unexpected keyword ${t.name}`);
        return { k: 'func', name: t.name };
      case '(': {
        const inner: Pipeline = { cmds: [], where };
        this.parseCommands(stream, inner, true);
        if (stream.next().t !== ')') throw new TemplateError(where, 'unclosed (');
        return { k: 'pipe', pipe: inner, chain: this.chain(stream) };
      }
      default:
        throw new TemplateError(where, `unexpected ${describe(t)} in operand`);
    }
    if (stream.peek()?.t === 'field' && stream.peek()?.adj) throw new TemplateError(where, 'field chains on literals are not supported');
    return operand;
  }

  /** Fields written right after a term, without space: $x.a.b, (pipe).a */
  private chain(stream: TokenStream): string[] {
    const names: string[] = [];
    for (let t = stream.peek(); t?.t === 'field' && t.adj; t = stream.peek()) {
      names.push(t.name);
      stream.next();
    }
    return names;
  }
}

class TokenStream {
  private i = 0;
  constructor(
    private readonly tokens: Token[],
    private readonly where: string,
  ) {}
  peek(): Token | undefined {
    return this.tokens[this.i];
  }
  next(): Token {
    const t = this.tokens[this.i++];
    if (!t) throw new TemplateError(this.where, 'unexpected end of action');
    return t;
  }
  done(): boolean {
    return this.i >= this.tokens.length;
  }
}

function describe(t: Token | undefined): string {
  if (!t) return 'end of action';
  return 'name' in t ? `${t.t} ${t.name}` : t.t;
}

// ---------------------------------------------------------------------------------------------
// Execution

interface Scope {
  vars: Array<{ name: string; value: unknown }>;
}

/** Go's truth: false, 0, nil, and empty strings, lists and maps are false; structs are true. */
export function isTrue(v: unknown): boolean {
  if (v === null || v === undefined) return false;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0;
  if (typeof v === 'bigint') return v !== 0n;
  if (typeof v === 'string' || Array.isArray(v)) return v.length > 0;
  if (v instanceof GoStruct || v instanceof GoMethod) return true;
  if (isMap(v)) return Object.keys(v).length > 0;
  throw new Error(`isTrue: unexpected value ${String(v)}`);
}

export function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof GoStruct) && !(v instanceof GoMethod);
}

/**
 * Go's %v for a float64 (strconv.FormatFloat(f, 'g', -1, 64)): the shortest digits, in exponent form
 * when the exponent is < -4 or >= 6 (so a values.yaml 1209600 prints as 1.2096e+06, as in Helm).
 */
export function formatFloat64(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (!Number.isFinite(n)) return n > 0 ? '+Inf' : '-Inf';
  if (n === 0) return Object.is(n, -0) ? '-0' : '0';
  const [mantissa, expText] = n.toExponential().split('e') as [string, string];
  const exp = Number(expText);
  if (exp < -4 || exp >= 6) return `${mantissa}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  return n.toFixed(Math.max(0, (mantissa.split('.')[1]?.length ?? 0) - exp));
}

/** How Go's text/template prints a value (Helm then drops "<no value>", so nil prints as ""). */
export function printValue(v: unknown, where: string): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') return formatFloat64(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  throw new TemplateError(where, `refusing to print a ${Array.isArray(v) ? 'list' : 'map'} (Go would print its %v form); use toYaml`);
}

export class TemplateSet {
  readonly defines = new Map<string, Node[]>();
  private readonly depth = new Map<string, number>();

  constructor(private readonly funcs: Record<string, TemplateFunction>) {}

  /** Parses a file: its defines become global, and the file itself a template named `name`. */
  add(name: string, src: string): void {
    const items = lex(name, src);
    const parser = new Parser(name, items, this.defines);
    const body = parser.parseTop();
    this.defines.set(name, body);
  }

  execute(name: string, data: unknown): string {
    const body = this.defines.get(name);
    if (!body) throw new TemplateError(name, `no template ${JSON.stringify(name)} associated with template`);
    const depth = (this.depth.get(name) ?? 0) + 1;
    if (depth > 1000) throw new TemplateError(name, `rendering template has a nested reference name: ${name}`);
    this.depth.set(name, depth);
    try {
      const out: string[] = [];
      this.walk(body, data, { vars: [{ name: '$', value: data }] }, out);
      return out.join('');
    } finally {
      this.depth.set(name, depth - 1);
    }
  }

  private walk(list: Node[], dot: unknown, scope: Scope, out: string[]): void {
    for (const node of list) {
      switch (node.n) {
        case 'text':
          out.push(node.text);
          break;
        case 'action': {
          const value = this.evalPipeline(node.pipe, dot, scope);
          if (!node.pipe.decl) out.push(printValue(value, node.pipe.where));
          break;
        }
        case 'if':
        case 'with': {
          const mark = scope.vars.length;
          const value = this.evalPipeline(node.pipe, dot, scope);
          if (isTrue(value)) this.walk(node.list, node.n === 'with' ? value : dot, scope, out);
          else if (node.elseList) this.walk(node.elseList, dot, scope, out);
          scope.vars.length = mark;
          break;
        }
        case 'range':
          this.walkRange(node, dot, scope, out);
          break;
        case 'template': {
          const data = node.pipe ? this.evalPipeline(node.pipe, dot, scope) : undefined;
          out.push(this.execute(node.name, data));
          break;
        }
      }
    }
  }

  private walkRange(node: Extract<Node, { n: 'range' }>, dot: unknown, scope: Scope, out: string[]): void {
    const mark = scope.vars.length;
    const decl = node.pipe.decl;
    const value = this.evalPipeline({ ...node.pipe, decl: undefined }, dot, scope);
    let entries: Array<[unknown, unknown]>;
    if (value === null || value === undefined) entries = [];
    else if (Array.isArray(value)) entries = value.map((v, i) => [BigInt(i), v]);
    else if (isMap(value)) entries = Object.keys(value).sort().map((k) => [k, value[k]]);
    else throw new TemplateError(node.pipe.where, `range can't iterate over ${printValue(value, node.pipe.where)}`);
    if (decl?.assign) throw new TemplateError(node.pipe.where, 'range with = is not supported');
    for (const [key, elem] of entries) {
      const iterMark = scope.vars.length;
      if (decl) {
        if (decl.vars.length === 1) scope.vars.push({ name: decl.vars[0] as string, value: elem });
        else scope.vars.push({ name: decl.vars[0] as string, value: key }, { name: decl.vars[1] as string, value: elem });
      }
      this.walk(node.list, elem, scope, out);
      scope.vars.length = iterMark;
    }
    if (entries.length === 0 && node.elseList) this.walk(node.elseList, dot, scope, out);
    scope.vars.length = mark;
  }

  private evalPipeline(pipe: Pipeline, dot: unknown, scope: Scope): unknown {
    let value: unknown;
    let hasFinal = false;
    for (const cmd of pipe.cmds) {
      value = this.evalCommand(cmd, dot, scope, pipe.where, hasFinal ? { value } : undefined);
      hasFinal = true;
    }
    if (pipe.decl) {
      const name = pipe.decl.vars[0] as string;
      if (pipe.decl.assign) {
        const slot = findVar(scope, name);
        if (!slot) throw new TemplateError(pipe.where, `undefined variable: ${name}`);
        slot.value = value;
      } else {
        scope.vars.push({ name, value });
      }
    }
    return value;
  }

  private evalCommand(cmd: Command, dot: unknown, scope: Scope, where: string, final?: { value: unknown }): unknown {
    const [first, ...rest] = cmd.args;
    if (!first) throw new TemplateError(where, 'empty command');
    const argThunks = rest.map((op) => () => this.evalOperand(op, dot, scope, where));
    if (final) argThunks.push(() => final.value);
    switch (first.k) {
      case 'func': {
        const fn = this.funcs[first.name];
        if (!fn) throw new TemplateError(where, `function ${JSON.stringify(first.name)} not defined`);
        const ctx: CallContext = { execute: (name, data) => this.execute(name, data) };
        try {
          return fn.lazy ? fn(argThunks, ctx) : fn(argThunks.map((a) => a()), ctx);
        } catch (err) {
          if (err instanceof TemplateError) throw err;
          throw new TemplateError(where, `error calling ${first.name}: ${(err as Error).message}`);
        }
      }
      case 'field':
        return this.walkChain(dot, first.chain, argThunks, where, '');
      case 'var':
        return this.walkChain(this.variable(scope, first.name, where), first.chain, argThunks, where, first.name);
      case 'pipe':
        return this.walkChain(this.evalPipeline(first.pipe, dot, scope), first.chain, argThunks, where, '(pipeline)');
      default:
        if (argThunks.length > 0) throw new TemplateError(where, `can't give argument to non-function ${first.k}`);
        return this.evalOperand(first, dot, scope, where);
    }
  }

  private evalOperand(op: Operand, dot: unknown, scope: Scope, where: string): unknown {
    switch (op.k) {
      case 'dot':
        return dot;
      case 'nil':
        throw new TemplateError(where, 'nil is not a command');
      case 'literal':
        return op.value;
      case 'field':
        return this.walkChain(dot, op.chain, [], where, '');
      case 'var':
        return this.walkChain(this.variable(scope, op.name, where), op.chain, [], where, op.name);
      case 'pipe':
        return this.walkChain(this.evalPipeline(op.pipe, dot, scope), op.chain, [], where, '(pipeline)');
      case 'func': {
        // A function name as an argument is a call without arguments.
        const fn = this.funcs[op.name];
        if (!fn) throw new TemplateError(where, `function ${JSON.stringify(op.name)} not defined`);
        return fn([], { execute: (name, data) => this.execute(name, data) });
      }
    }
  }

  private variable(scope: Scope, name: string, where: string): unknown {
    const slot = findVar(scope, name);
    if (!slot) throw new TemplateError(where, `undefined variable: ${name}`);
    return slot.value;
  }

  /** Field access as Go does it: map keys (missing: nil), struct fields (missing: error), methods (called). */
  private walkChain(receiver: unknown, chain: string[], args: Array<() => unknown>, where: string, prefix: string): unknown {
    let value = receiver;
    chain.forEach((field, index) => {
      const last = index === chain.length - 1;
      const path = `${prefix}.${chain.slice(0, index + 1).join('.')}`;
      if (value === null || value === undefined) throw new TemplateError(where, `at <${path}>: nil pointer evaluating interface {}.${field}`);
      if (value instanceof GoStruct) {
        if (!(field in value.fields)) throw new TemplateError(where, `at <${path}>: can't evaluate field ${field} in type ${value.typeName}`);
        const member = value.fields[field];
        if (member instanceof GoMethod) {
          value = member.call(last ? args.map((a) => a()) : []);
          if (last) args = [];
          return;
        }
        value = member;
        return;
      }
      if (isMap(value)) {
        value = Object.prototype.hasOwnProperty.call(value, field) ? value[field] : undefined;
        return;
      }
      throw new TemplateError(where, `at <${path}>: can't evaluate field ${field} in type ${Array.isArray(value) ? '[]interface {}' : typeof value}`);
    });
    if (args.length > 0) throw new TemplateError(where, `${prefix}${chain.length ? '.' + chain.join('.') : ''} is not a method but has arguments`);
    return value;
  }
}

function findVar(scope: Scope, name: string): { name: string; value: unknown } | undefined {
  for (let i = scope.vars.length - 1; i >= 0; i--) {
    const slot = scope.vars[i] as { name: string; value: unknown };
    if (slot.name === name) return slot;
  }
  return undefined;
}
