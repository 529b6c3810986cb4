/**
 * Shared by the fuzz tests: addressing a node of a plain JSON/YAML value by a number that
 * fast-check generates (so a mutation's target shrinks like any other integer), and
 * checks over every number a value holds.
 */

export type Path = Array<string | number>;

/** Every path in `value` (the root included), depth first, in a stable order. */
export function allPaths(value: unknown, prefix: Path = [], out: Path[] = []): Path[] {
  out.push(prefix);
  if (Array.isArray(value)) {
    // Long lists (10^4 copies) would make every later pick land in them: address only the first few.
    value.slice(0, 8).forEach((item, i) => allPaths(item, [...prefix, i], out));
  } else if (isPlainRecord(value)) {
    for (const key of Object.keys(value)) allPaths(value[key], [...prefix, key], out);
  }
  return out;
}

export function isPlainRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function getAt(root: unknown, path: Path): unknown {
  let node = root;
  for (const key of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string | number, unknown>)[key];
  }
  return node;
}

/** Sets (or with `value === DELETE` removes) the node at `path`; the root cannot be removed. */
export const DELETE = Symbol('delete');
export function setAt(root: unknown, path: Path, value: unknown): unknown {
  if (path.length === 0) return value === DELETE ? root : value;
  const parent = getAt(root, path.slice(0, -1));
  const key = path[path.length - 1] as string | number;
  if (Array.isArray(parent) && typeof key === 'number') {
    if (value === DELETE) parent.splice(key, 1);
    else parent[key] = value;
  } else if (isPlainRecord(parent)) {
    if (value === DELETE) delete parent[key];
    else parent[key] = value;
  }
  return root;
}

/** Picks one path by a generated index (modulo the number of paths). */
export function pickPath(root: unknown, index: number, filter: (path: Path, node: unknown) => boolean = () => true): Path | undefined {
  const paths = allPaths(root).filter((p) => filter(p, getAt(root, p)));
  return paths.length === 0 ? undefined : paths[index % paths.length];
}

/** Every number reachable from `value` that is not finite, as `path=value`. */
export function nonFiniteNumbers(value: unknown, prefix = '', seen = new Set<unknown>(), out: string[] = []): string[] {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) out.push(`${prefix || '<root>'}=${value}`);
    return out;
  }
  if (value === null || typeof value !== 'object' || seen.has(value)) return out;
  seen.add(value);
  // Like JSON.stringify: an object with toJSON (packed state, summaries) is walked as its public view.
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function' && !(value instanceof Map)) return nonFiniteNumbers(toJSON.call(value), prefix, seen, out);
  const entries: Array<[string, unknown]> =
    value instanceof Map ? [...value.entries()].map(([k, v]) => [String(k), v]) : Array.isArray(value) ? value.map((v, i) => [String(i), v]) : Object.entries(value);
  for (const [key, child] of entries) nonFiniteNumbers(child, prefix ? `${prefix}.${key}` : key, seen, out);
  return out;
}
