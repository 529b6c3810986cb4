/**
 * The README's "Runtime dependencies" table names exactly the packages in package.json's `dependencies`,
 * each with a reason: a dependency added or dropped without saying why fails here.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readmeSection } from './readme.js';

const REPO = join(import.meta.dirname, '../..');
const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };

function tableRows(heading: string): Array<[string, string]> {
  return readmeSection(heading)
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .map((line) => {
      const [packages, why] = line.split('|').slice(1, 3).map((cell) => cell.trim());
      return [packages!, why!];
    });
}

describe('README: runtime dependencies', () => {
  const rows = tableRows('Runtime dependencies');

  it('lists every package of package.json dependencies, and no other', () => {
    const listed = rows.flatMap(([packages]) => [...packages.matchAll(/`([^`]+)`/g)].map((m) => m[1]!));
    expect([...listed].sort()).toEqual(Object.keys(pkg.dependencies).sort());
  });

  it('says why for each', () => {
    for (const [packages, why] of rows) expect(why.length, packages).toBeGreaterThan(15);
  });
});
