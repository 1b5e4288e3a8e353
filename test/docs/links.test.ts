import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseConfig } from '../../functions/config/schema';

const ROOT = path.resolve(__dirname, '../..');

/** The documentation a reader finds from the README: the README, the changelog and every page under docs/. */
const DOCUMENTS = [
  'README.md',
  'CHANGELOG.md',
  ...readdirSync(path.join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

/** The text outside fenced code blocks and inline code spans, where `[x](y)` is a link. */
function prose(markdown: string): string {
  return markdown.replace(/^```[^\n]*\n[\s\S]*?^```$/gm, '').replace(/`[^`\n]*`/g, '``');
}

/**
 * The anchors GitHub gives a document's headings: the heading as rendered (no code marks, emphasis or link
 * targets), lower-cased, everything but letters, digits, `_`, `-` and spaces removed, spaces made hyphens;
 * a repeated slug gets `-1`, `-2`, ... (github-slugger's rules).
 */
function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const match of markdown
    .replace(/^```[^\n]*\n[\s\S]*?^```$/gm, '')
    .matchAll(/^#{1,6}[ \t]+(.+?)[ \t]*#*[ \t]*$/gm)) {
    const text = (match[1] as string)
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .replace(/[`*]/g, '')
      .toLowerCase();
    const slug = text.replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '').replace(/ /g, '-');
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    anchors.add(n === 0 ? slug : `${slug}-${n}`);
  }
  return anchors;
}

interface Link {
  from: string;
  line: number;
  target: string;
}

function relativeLinks(document: string): Link[] {
  const text = prose(readFileSync(path.join(ROOT, document), 'utf8'));
  const links: Link[] = [];
  text.split('\n').forEach((line, i) => {
    for (const match of line.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
      const target = match[1] as string;
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto: ...: not a file of this repository
      links.push({ from: document, line: i + 1, target });
    }
  });
  return links;
}

/** Why a link does not resolve, or undefined when it does. */
function problem(link: Link): string | undefined {
  const [file = '', anchor] = link.target.split('#');
  const resolved = file === '' ? link.from : path.posix.normalize(path.posix.join(path.posix.dirname(link.from), file));
  const absolute = path.join(ROOT, resolved);
  if (!existsSync(absolute)) return `${resolved} does not exist`;
  if (anchor === undefined) return undefined;
  if (statSync(absolute).isDirectory() || !resolved.endsWith('.md')) return `#${anchor} on ${resolved}, not a document`;
  return headingAnchors(readFileSync(absolute, 'utf8')).has(anchor)
    ? undefined
    : `${resolved} has no heading with the anchor #${anchor}`;
}

describe('the documentation', () => {
  it('is a short README and pages under docs/', () => {
    expect(readFileSync(path.join(ROOT, 'README.md'), 'utf8').split('\n').length).toBeLessThanOrEqual(150);
    expect(DOCUMENTS.length).toBeGreaterThan(2);
  });

  it.each(DOCUMENTS)('%s: every relative link names a file that exists, and every anchor a heading in it', (doc) => {
    const links = relativeLinks(doc);
    const broken = links.flatMap((link) => {
      const why = problem(link);
      return why ? [`${link.from}:${link.line}: (${link.target}) ${why}`] : [];
    });
    expect(broken).toEqual([]);
  });

  it('links the README to every page under docs/', () => {
    const fromReadme = new Set(relativeLinks('README.md').map((l) => l.target.split('#')[0]));
    expect(DOCUMENTS.filter((d) => d.startsWith('docs/') && !fromReadme.has(d))).toEqual([]);
  });

  it("takes GitHub's anchors for headings with code, punctuation and repeats", () => {
    expect([
      ...headingAnchors(
        '# The Node reader (`reader/`)\n## Fleets: the work queue\n### `npm run status`\n## Setup\n## Setup\n' +
          '```md\n## Inside a fence\n```\n## [Linked](x.md) and **bold**',
      ),
    ]).toEqual([
      'the-node-reader-reader',
      'fleets-the-work-queue',
      'npm-run-status',
      'setup',
      'setup-1',
      'linked-and-bold',
    ]);
  });

  it('finds a link to a missing heading (the check can fail)', () => {
    expect(problem({ from: 'README.md', line: 1, target: 'docs/deploying.md#no-such-heading' })).toBe(
      'docs/deploying.md has no heading with the anchor #no-such-heading',
    );
    expect(problem({ from: 'docs/design.md', line: 1, target: 'missing.md' })).toBe('docs/missing.md does not exist');
  });

  it("README's configuration example is a valid configuration", () => {
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const example = readme.match(/^## Configuration\n[\s\S]*?```json\n([\s\S]*?)```/m)?.[1];
    expect(example).toBeDefined();
    expect(parseConfig(JSON.parse(example as string)).tokens.map((t) => t.secretName)).toEqual([
      'bigcommerce/abc123xyz/headless-storefront',
    ]);
  });
});
