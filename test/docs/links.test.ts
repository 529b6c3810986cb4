/**
 * Every relative link in the user documentation (README.md, docs/**, bench/README.md, the chart and its tests'
 * READMEs) points at a file or folder that exists, and every #anchor at a heading of the target, slugged as
 * GitHub does. Links inside code (fenced blocks, `inline code`) are not links and are skipped.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const REPO = join(import.meta.dirname, '../..');

function markdownUnder(dir: string): string[] {
  return readdirSync(join(REPO, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return markdownUnder(path);
    return entry.name.endsWith('.md') ? [path] : [];
  });
}

const DOCUMENTS = ['README.md', 'bench/README.md', 'test/helm/README.md', ...markdownUnder('docs')].filter((f) => existsSync(join(REPO, f)));

/** The text without fenced code blocks and inline code, so only real links remain. */
function prose(markdown: string): string {
  return markdown.replace(/^```[^\n]*\n[\s\S]*?^```$/gm, '').replace(/`[^`\n]*`/g, '``');
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens; repeats get -1, -2, … */
export function anchorsOf(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  const withoutFences = markdown.replace(/^```[^\n]*\n[\s\S]*?^```$/gm, '');
  for (const [, text] of withoutFences.matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const plain = text!.replace(/\[([^\]]*)\]\([^)]*\)/g, '$1').replace(/<[^>]+>/g, '');
    const slug = plain.toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-');
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    anchors.add(n === 0 ? slug : `${slug}-${n}`);
  }
  return anchors;
}

interface Link {
  from: string;
  target: string;
}

function relativeLinks(file: string): Link[] {
  const text = prose(readFileSync(join(REPO, file), 'utf8'));
  const targets = [...text.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g), ...text.matchAll(/^\[[^\]]+\]:\s+(\S+)/gm)].map((m) => m[1]!);
  return targets.filter((t) => !/^[a-z][a-z0-9+.-]*:/i.test(t)).map((target) => ({ from: file, target }));
}

const links = DOCUMENTS.flatMap(relativeLinks);

describe('documentation links', () => {
  it('finds the documents and their links', () => {
    expect(DOCUMENTS).toEqual(expect.arrayContaining(['README.md', 'docs/architecture.md', 'docs/performance.md', 'docs/runbooks.md']));
    expect(links.length).toBeGreaterThan(30);
  });

  it('slugs headings as GitHub does', () => {
    const anchors = anchorsOf('# Title\n## Alerts and the dashboard\n## `--log.format` & friends\n## Title\n```\n## not a heading\n```\n');
    expect([...anchors]).toEqual(['title', 'alerts-and-the-dashboard', '--logformat--friends', 'title-1']);
  });

  it.each(DOCUMENTS.map((d) => [d] as const))('%s: every relative link resolves, and every anchor exists', (document) => {
    const broken: string[] = [];
    for (const { from, target } of links.filter((l) => l.from === document)) {
      const [pathPart, anchor] = target.split('#') as [string, string | undefined];
      const path = pathPart === '' ? join(REPO, from) : join(REPO, dirname(from), decodeURIComponent(pathPart));
      if (!existsSync(path)) {
        broken.push(`${target}: ${relative(REPO, path)} does not exist`);
        continue;
      }
      if (anchor !== undefined) {
        if (statSync(path).isDirectory() || !path.endsWith('.md')) {
          broken.push(`${target}: an anchor into something that is not a markdown file`);
        } else if (!anchorsOf(readFileSync(path, 'utf8')).has(anchor)) {
          broken.push(`${target}: no heading with anchor #${anchor} in ${relative(REPO, path)}`);
        }
      }
    }
    expect(broken).toEqual([]);
  });
});
