/**
 * The subset renderer itself: Go text/template and sprig semantics the chart relies on, and its
 * refusal of anything outside the subset (so the chart cannot silently leave what is verified).
 */
import { describe, expect, it } from 'vitest';
import { helmFunctions } from './render/functions.js';
import { GoStruct, TemplateSet } from './render/template.js';
import { toYaml } from './render/yaml.js';

function run(src: string, data: unknown = {}, defines: Record<string, string> = {}): string {
  const set = new TemplateSet(helmFunctions());
  for (const [name, text] of Object.entries(defines)) set.add(name, text);
  set.add('t', src);
  return set.execute('t', data);
}

describe('subset renderer: strictness', () => {
  it('throws on an unknown function', () => {
    expect(() => run('{{ upper "x" }}')).toThrow('template: t:1: function "upper" not defined');
  });

  it('throws on an unknown field of a struct (.Chart)', () => {
    const data = { Chart: new GoStruct('*chart.Metadata', { Name: 'dbs-exporter' }) };
    expect(run('{{ .Chart.Name }}', data)).toBe('dbs-exporter');
    expect(() => run('{{ .Chart.Nmae }}', data)).toThrow("can't evaluate field Nmae in type *chart.Metadata");
  });

  it('renders a missing map key as empty, but throws on a field of nil', () => {
    expect(run('[{{ .Values.missing }}]', { Values: {} })).toBe('[]');
    expect(() => run('{{ .Values.missing.key }}', { Values: {} })).toThrow('nil pointer evaluating interface {}.key');
  });

  it('refuses to print a map or a list (Go would print map[...])', () => {
    expect(() => run('{{ .Values }}', { Values: { a: 1 } })).toThrow('refusing to print a map');
  });

  it('throws on unsupported constructs and unknown templates', () => {
    expect(() => run('{{ block "x" . }}{{ end }}')).toThrow('{{block}} is not supported');
    expect(() => run('{{ include "nope" . }}')).toThrow('no template "nope"');
    expect(() => run('{{ if true }}x')).toThrow('missing {{end}}');
    expect(() => run("{{ 'a' }}")).toThrow('character constants are not supported');
  });

  it('checks argument types as Go does: an int parameter refuses a float64 from values, eq refuses int vs float64', () => {
    expect(() => run('{{ nindent .Values.n "x" }}', { Values: { n: 4 } })).toThrow('expected int; got float64');
    expect(() => run('{{ eq .Values.n 4 }}', { Values: { n: 4 } })).toThrow('incompatible types for comparison');
    expect(() => run('{{ trimSuffix "-" .Values.missing }}', { Values: {} })).toThrow('expected string; got <nil>');
  });

  it('scopes variables to their block', () => {
    expect(() => run('{{ if true }}{{ $x := 1 }}{{ end }}{{ $x }}')).toThrow('undefined variable: $x');
    expect(run('{{ $x := "a" }}{{ if true }}{{ $x = "b" }}{{ end }}{{ $x }}')).toBe('b');
  });

  it('required throws its message on nil and ""', () => {
    expect(() => run('{{ required "x is required" .Values.x }}', { Values: { x: '' } })).toThrow('x is required');
    expect(run('{{ required "x is required" .Values.x }}', { Values: { x: false } })).toBe('false');
  });
});

describe('subset renderer: Go and sprig semantics', () => {
  it('trims white space around {{- and -}}, and drops comments (even ones containing {{ }})', () => {
    expect(run('a  \n {{- "b" -}} \n  c')).toBe('abc');
    expect(run('a {{- /* a {{ $labels.x }} comment */ -}} b')).toBe('ab');
    expect(run('{{-3}}')).toBe('-3');
  });

  it('ranges over maps in sorted key order with $k, $v, over lists, and runs else when empty', () => {
    expect(run('{{ range $k, $v := .M }}{{ $k }}={{ $v }};{{ end }}', { M: { b: '2', a: '1', C: '3' } })).toBe('C=3;a=1;b=2;');
    expect(run('{{ range $i, $v := .L }}{{ $i }}:{{ . }} {{ end }}', { L: ['x', 'y'] })).toBe('0:x 1:y ');
    expect(run('{{ range .L }}x{{ else }}none{{ end }}', { L: [] })).toBe('none');
  });

  it('if / else if / else and with use Go truth (empty map, 0, "" and nil are false)', () => {
    const t = '{{ if .A }}a{{ else if .B }}b{{ else }}c{{ end }}';
    expect(run(t, { A: {}, B: 0 })).toBe('c');
    expect(run(t, { A: [], B: 'x' })).toBe('b');
    expect(run('{{ with .M }}{{ .k }}{{ else }}none{{ end }}', { M: { k: 'v' } })).toBe('v');
  });

  it('default treats empty values as unset', () => {
    expect(run('{{ default "d" .V }}', { V: '' })).toBe('d');
    expect(run('{{ default "d" .V }}', { V: false })).toBe('d');
    expect(run('{{ .V | default "d" }}', { V: 0 })).toBe('d');
    expect(run('{{ default "d" .V }}', { V: 'x' })).toBe('x');
  });

  it('prints float64 values as Go does (1209600 from a values file is 1.2096e+06), integers literally', () => {
    expect(run('{{ .A }} {{ .B }} {{ .C }} {{ .D }} {{ 63 }}', { A: 7200, B: 1.5, C: 1209600, D: 0.2 })).toBe('7200 1.5 1.2096e+06 0.2 63');
    expect(run('{{ toString .C }}', { C: 604800 })).toBe('604800');
  });

  it('quote, printf, trunc, trimSuffix, replace, contains, indent, nindent, sha256sum, and/or', () => {
    expect(run('{{ quote "a\\"b" }} {{ .V | quote }}', { V: true })).toBe('"a\\"b" "true"');
    expect(run('{{ printf "%s-%s" "a" "b" | trunc 3 | trimSuffix "-" }}')).toBe('a-b');
    expect(run('{{ "abcdef" | trunc 4 }}')).toBe('abcd');
    expect(run('{{ replace "__x__" "1" "a __x__ b __x__" }}')).toBe('a 1 b 1');
    expect(run('{{ contains "exp" "dbs-exporter" }}')).toBe('true');
    expect(run('{{ "a\\nb" | nindent 2 }}')).toBe('\n  a\n  b');
    expect(() => run('{{ "a\nb" }}')).toThrow('unterminated quoted string');
    expect(run('{{ sha256sum "" }}')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(run('{{ and .A .B.C }}', { A: false })).toBe('false'); // short-circuit: .B.C never evaluated
    expect(run('{{ or .A "y" }}', { A: '' })).toBe('y');
  });

  it('fail throws its message; semverCompare supports only >=X.Y[.Z][-0], as Masterminds semver treats pre-releases', () => {
    expect(() => run('{{ fail "no way" }}')).toThrow('no way');
    expect(() => run('{{ fail 1 }}')).toThrow('expected string; got int');
    expect(run('{{ semverCompare ">=1.28.0-0" "v1.28.0" }} {{ semverCompare ">=1.28.0-0" "v1.27.9" }} {{ semverCompare ">=1.28-0" "v1.30.2" }}')).toBe('true false true');
    expect(run('{{ semverCompare ">=1.28.0-0" "v1.28.3-gke.1286000" }} {{ semverCompare ">=1.28.0" "v1.28.3-gke.1286000" }}')).toBe('true false');
    expect(run('{{ semverCompare ">=1.28.0-0" "v1.29.1+k3s1" }} {{ semverCompare ">=1.28.0-0" "v2.0.0" }}')).toBe('true true');
    expect(() => run('{{ semverCompare "^1.28" "v1.28.0" }}')).toThrow('is not supported by this renderer');
    expect(run('{{ semverCompare ">=1.28.0-0" "1.28" }}')).toBe('true'); // lenient, as NewVersion
    expect(() => run('{{ semverCompare ">=1.28.0-0" "latest" }}')).toThrow('Invalid Semantic Version');
  });

  it('include and define, with $ bound to the included data', () => {
    expect(run('{{ include "x" (dict "v" "w") }}', {}, { helpers: '{{- define "x" -}}[{{ $.v }}]{{- end }}' })).toBe('[w]');
  });

  it('toYaml is Helm-like: sorted keys, sequences not indented, YAML 1.1 booleans and numbers quoted when strings', () => {
    expect(toYaml({ b: [1, 'x'], a: { on: 'on', t: 'true', e: '', n: '9871', f: 1.5, big: 1209600 } })).toBe(
      ['a:', '  big: 1209600', '  e: ""', '  f: 1.5', '  "n": "9871"', '  "on": "on"', '  t: "true"', 'b:', '- 1', '- x'].join('\n'),
    );
    expect(toYaml({})).toBe('{}');
  });
});
