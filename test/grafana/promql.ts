/**
 * A small PromQL reader for dashboard checks: which metric selectors an expression uses,
 * with their label matchers, and which functions. It does not validate syntax (promtool
 * does that for real); it only has to tell metric names apart from functions, keywords,
 * label names, strings, numbers, durations and Grafana variables.
 */

export interface Matcher {
  label: string;
  op: '=' | '!=' | '=~' | '!~';
  value: string;
}

export interface Selector {
  /** The metric name; undefined for a bare `{...}` selector. */
  metric: string | undefined;
  matchers: Matcher[];
}

export interface Analysis {
  selectors: Selector[];
  functions: string[];
  /** Identifiers used as functions that PromQL does not have, and other oddities. */
  problems: string[];
}

/** PromQL functions (Prometheus 2.42). */
export const PROMQL_FUNCTIONS = new Set([
  'abs', 'absent', 'absent_over_time', 'acos', 'acosh', 'asin', 'asinh', 'atan', 'atanh', 'avg_over_time', 'ceil', 'changes',
  'clamp', 'clamp_max', 'clamp_min', 'cos', 'cosh', 'count_over_time', 'day_of_month', 'day_of_week', 'day_of_year',
  'days_in_month', 'deg', 'delta', 'deriv', 'exp', 'floor', 'histogram_quantile', 'holt_winters', 'hour', 'idelta',
  'increase', 'irate', 'label_join', 'label_replace', 'last_over_time', 'ln', 'log10', 'log2', 'max_over_time',
  'min_over_time', 'minute', 'month', 'pi', 'predict_linear', 'present_over_time', 'quantile_over_time', 'rad', 'rate',
  'resets', 'round', 'scalar', 'sgn', 'sin', 'sinh', 'sort', 'sort_desc', 'sqrt', 'stddev_over_time', 'stdvar_over_time',
  'sum_over_time', 'tan', 'tanh', 'time', 'timestamp', 'vector', 'year',
]);

/** Aggregation operators; they may be followed by `by (...)` before their argument list. */
export const PROMQL_AGGREGATIONS = new Set(['sum', 'min', 'max', 'avg', 'group', 'stddev', 'stdvar', 'count', 'count_values', 'bottomk', 'topk', 'quantile']);

/** Keywords followed by a list of label names. */
const LABEL_LIST_KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right']);
/** Other keywords and constants. */
const KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'atan2', 'inf', 'nan', 'start', 'end', ...LABEL_LIST_KEYWORDS]);

type Token =
  | { kind: 'ident'; text: string }
  | { kind: 'string'; text: string }
  | { kind: 'number'; text: string }
  | { kind: 'variable'; text: string }
  | { kind: 'punct'; text: string };

function tokenize(expr: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < expr.length) {
    const rest = expr.slice(i);
    const c = expr[i]!;
    if (/\s/.test(c)) {
      i += 1;
      continue;
    }
    if (c === '"' || c === "'" || c === '`') {
      let j = i + 1;
      let text = '';
      while (j < expr.length && expr[j] !== c) {
        if (expr[j] === '\\' && c !== '`') {
          text += expr[j + 1] ?? '';
          j += 2;
        } else {
          text += expr[j];
          j += 1;
        }
      }
      tokens.push({ kind: 'string', text });
      i = j + 1;
      continue;
    }
    const variable = /^(\$\{[^}]*\}|\$[A-Za-z0-9_]+|\[\[[^\]]*\]\])/.exec(rest);
    if (variable) {
      tokens.push({ kind: 'variable', text: variable[0] });
      i += variable[0].length;
      continue;
    }
    const number = /^(0x[0-9a-fA-F]+|(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?([a-zA-Z]+\d*)*)/.exec(rest);
    if (number && /[0-9.]/.test(c)) {
      tokens.push({ kind: 'number', text: number[0] });
      i += number[0].length;
      continue;
    }
    const ident = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(rest);
    if (ident) {
      tokens.push({ kind: 'ident', text: ident[0] });
      i += ident[0].length;
      continue;
    }
    const op = /^(=~|!~|!=|==|>=|<=)/.exec(rest);
    if (op) {
      tokens.push({ kind: 'punct', text: op[0] });
      i += op[0].length;
      continue;
    }
    tokens.push({ kind: 'punct', text: c });
    i += 1;
  }
  return tokens;
}

export function analyse(expr: string): Analysis {
  const tokens = tokenize(expr);
  const selectors: Selector[] = [];
  const functions: string[] = [];
  const problems: string[] = [];
  const at = (k: number) => tokens[k];
  const isPunct = (k: number, text: string) => at(k)?.kind === 'punct' && at(k)!.text === text;

  /** Parses `{ label op "value", ... }` starting at the `{`; returns the index after `}`. */
  const readMatchers = (start: number, matchers: Matcher[]): number => {
    let k = start + 1;
    while (k < tokens.length && !isPunct(k, '}')) {
      const label = at(k);
      const op = at(k + 1);
      const value = at(k + 2);
      if (label?.kind === 'ident' && op?.kind === 'punct' && ['=', '!=', '=~', '!~'].includes(op.text) && value?.kind === 'string') {
        matchers.push({ label: label.text, op: op.text as Matcher['op'], value: value.text });
        k += 3;
        if (isPunct(k, ',')) k += 1;
      } else {
        problems.push(`cannot read label matcher near token ${k} of: ${expr}`);
        k += 1;
      }
    }
    return k + 1;
  };

  let k = 0;
  while (k < tokens.length) {
    const token = tokens[k]!;
    if (token.kind === 'punct' && token.text === '[') {
      // Range or subquery: durations and variables only.
      while (k < tokens.length && !isPunct(k, ']')) k += 1;
      k += 1;
      continue;
    }
    if (token.kind === 'punct' && token.text === '{') {
      const matchers: Matcher[] = [];
      k = readMatchers(k, matchers);
      const name = matchers.find((m) => m.label === '__name__' && m.op === '=');
      selectors.push({ metric: name?.value, matchers: matchers.filter((m) => m !== name) });
      continue;
    }
    if (token.kind !== 'ident') {
      k += 1;
      continue;
    }
    const word = token.text;
    if (LABEL_LIST_KEYWORDS.has(word) && isPunct(k + 1, '(')) {
      while (k < tokens.length && !isPunct(k, ')')) k += 1;
      k += 1;
      continue;
    }
    if (KEYWORDS.has(word)) {
      k += 1;
      continue;
    }
    if (PROMQL_AGGREGATIONS.has(word)) {
      functions.push(word);
      k += 1;
      continue;
    }
    if (isPunct(k + 1, '(')) {
      functions.push(word);
      if (!PROMQL_FUNCTIONS.has(word)) problems.push(`unknown function ${word}() in: ${expr}`);
      k += 1;
      continue;
    }
    const matchers: Matcher[] = [];
    k = isPunct(k + 1, '{') ? readMatchers(k + 1, matchers) : k + 1;
    selectors.push({ metric: word, matchers });
  }
  return { selectors, functions, problems };
}
