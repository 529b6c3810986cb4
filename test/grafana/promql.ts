/**
 * What a dashboard query uses, read from the syntax tree of Prometheus' own PromQL grammar
 * (@prometheus-io/lezer-promql): its metric selectors with their label matchers, its
 * functions and aggregations, and every place where it does not parse.
 */
import { parser } from '@prometheus-io/lezer-promql';
import { substituteIntervals } from './dashboard-queries.js';

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
  /** Syntax errors (lezer's ⚠ nodes), unknown functions included: the grammar names every function. */
  problems: string[];
}

type SyntaxNode = ReturnType<typeof parser.parse>['topNode'];

/** A PromQL string literal's value: backquoted strings are raw, the others use Go's escapes. */
const unquote = (literal: string): string =>
  literal.startsWith('`') ? literal.slice(1, -1) : literal.slice(1, -1).replace(/\\(.)/g, (_, c: string) => ({ n: '\n', t: '\t', r: '\r' })[c] ?? c);

/**
 * Reads a query as the dashboard stores it: Grafana's interval variables (`$__rate_interval`)
 * become durations so it parses; `$account` and the like stay in the label values.
 */
export function analyse(expr: string): Analysis {
  const source = substituteIntervals(expr);
  const text = (node: { from: number; to: number }) => source.slice(node.from, node.to);
  const analysis: Analysis = { selectors: [], functions: [], problems: [] };
  parser.parse(source).iterate({
    enter(node) {
      if (node.type.isError) analysis.problems.push(`syntax error at offset ${node.from} (${JSON.stringify(source.slice(node.from, node.from + 20))}) of: ${expr}`);
      else if (node.name === 'FunctionIdentifier' || node.name === 'AggregateOp') analysis.functions.push(text(node));
      else if (node.name === 'VectorSelector') analysis.selectors.push(readSelector(node.node, text));
    },
  });
  return analysis;
}

function readSelector(selector: SyntaxNode, text: (node: SyntaxNode) => string): Selector {
  const identifier = selector.getChild('Identifier');
  let metric = identifier ? text(identifier) : undefined;
  const matchers: Matcher[] = [];
  for (let child = selector.getChild('LabelMatchers')?.firstChild; child; child = child.nextSibling) {
    // `{"metric.name"}`: Prometheus 3's quoted metric name.
    if (child.name === 'QuotedLabelName') metric = unquote(text(child));
    const name = child.getChild('LabelName') ?? child.getChild('QuotedLabelName');
    const op = child.getChild('MatchOp');
    const value = child.getChild('StringLiteral');
    // An incomplete matcher is already a syntax error.
    if (!name || !op || !value) continue;
    const label = name.name === 'LabelName' ? text(name) : unquote(text(name));
    if (label === '__name__' && text(op) === '=') metric = unquote(text(value));
    else matchers.push({ label, op: text(op) as Matcher['op'], value: unquote(text(value)) });
  }
  return { metric, matchers };
}
