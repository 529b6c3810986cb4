/** The README as tests read it: one section by its `## ` heading, and the fenced code blocks of a text. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const README = readFileSync(join(import.meta.dirname, '../../README.md'), 'utf8');

/** The body of the README section under `## heading`, up to the next `## `; throws if there is none. */
export function readmeSection(heading: string): string {
  const start = README.indexOf(`\n## ${heading}\n`);
  if (start < 0) throw new Error(`README has no "## ${heading}" section`);
  const end = README.indexOf('\n## ', start + 1);
  return README.slice(start, end < 0 ? undefined : end);
}

/** Fenced code blocks of `text` whose info string is exactly `info` (e.g. `sh`, `yaml config`). */
export function codeBlocks(text: string, info: string): string[] {
  return [...text.matchAll(/^```([^\n]*)\n([\s\S]*?)^```$/gm)].filter((m) => m[1]!.trim() === info).map((m) => m[2]!);
}
