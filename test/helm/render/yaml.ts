/**
 * YAML as Helm reads and writes it. Helm parses values files and manifests with sigs.k8s.io/yaml
 * (go-yaml v2: YAML 1.1, so `on`/`yes` are booleans; every number becomes a float64), and `toYaml` is
 * yaml.Marshal: JSON first (so maps are sorted, ints and floats print alike), then go-yaml v2's emitter
 * (block style, sequences not indented under their key, map keys in go-yaml's "natural" order).
 * Not reproduced byte for byte: go-yaml folds long plain strings at 80 columns and picks single quotes
 * where this emitter picks double quotes; both parse to the same data.
 */
import { parse, parseAllDocuments, stringify, type Pair } from 'yaml';
import { GoMethod, GoStruct } from './template.js';

/** Parses a values file or a manifest the way Helm / Kubernetes do (YAML 1.1). */
export function parseYaml11(text: string): unknown {
  return parse(text, { version: '1.1', merge: true, uniqueKeys: true });
}

/** Every non-empty document of a rendered manifest. */
export function parseManifests(text: string): unknown[] {
  return parseAllDocuments(text, { version: '1.1', uniqueKeys: true })
    .map((doc) => {
      if (doc.errors.length > 0) throw new Error(`invalid YAML in rendered manifest: ${doc.errors[0]?.message}\n${text}`);
      return doc.toJS() as unknown;
    })
    .filter((doc) => doc !== null && doc !== undefined);
}

/** JSON round trip as encoding/json does it: ints are numbers, structs and functions refused. */
function toJsonValue(v: unknown): unknown {
  if (v === undefined || v === null) return null;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'number' && !Number.isFinite(v)) throw new Error(`json: unsupported value: ${v}`);
  if (typeof v !== 'object') return v;
  if (v instanceof GoStruct || v instanceof GoMethod) throw new Error('toYaml of a Go struct is not supported by this renderer');
  if (Array.isArray(v)) return v.map(toJsonValue);
  return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, toJsonValue(x)]));
}

const isLetter = (c: string) => /\p{L}/u.test(c);
const isDigit = (c: string) => /\p{Nd}/u.test(c);

/** go-yaml v2's keyList.Less for string keys: letters after other runes, digit runs compared as numbers. */
export function goYamlKeyLess(a: string, b: string): boolean {
  const ar = [...a];
  const br = [...b];
  for (let i = 0; i < ar.length && i < br.length; i++) {
    const ac = ar[i] as string;
    const bc = br[i] as string;
    if (ac === bc) continue;
    const al = isLetter(ac);
    const bl = isLetter(bc);
    if (al && bl) return ac < bc;
    if (al || bl) return bl;
    let an = 0;
    let bn = 0;
    if (ac === '0' || bc === '0') {
      for (let j = i - 1; j >= 0 && isDigit(ar[j] as string); j--) {
        if (ar[j] !== '0') {
          an = 1;
          bn = 1;
          break;
        }
      }
    }
    let ai = i;
    let bi = i;
    for (; ai < ar.length && isDigit(ar[ai] as string); ai++) an = an * 10 + Number(ar[ai]);
    for (; bi < br.length && isDigit(br[bi] as string); bi++) bn = bn * 10 + Number(br[bi]);
    if (an !== bn) return an < bn;
    if (ai !== bi) return ai < bi;
    return ac < bc;
  }
  return ar.length < br.length;
}

function keyCompare(a: Pair, b: Pair): number {
  const ak = String((a.key as { value?: unknown }).value ?? a.key);
  const bk = String((b.key as { value?: unknown }).value ?? b.key);
  if (ak === bk) return 0;
  return goYamlKeyLess(ak, bk) ? -1 : 1;
}

/** Helm's toYaml: yaml.Marshal without the trailing newline. */
export function toYaml(v: unknown): string {
  const text = stringify(toJsonValue(v), {
    version: '1.1',
    sortMapEntries: keyCompare,
    indentSeq: false,
    lineWidth: 0,
    minContentWidth: 0,
    aliasDuplicateObjects: false,
    nullStr: 'null',
  });
  return text.replace(/\n$/, '');
}
