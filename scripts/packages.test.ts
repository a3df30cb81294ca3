import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/* What every published package carries besides its code: licence, repository, and working doc links. */

const root = join(import.meta.dirname, '..');
const packages = readdirSync(join(root, 'packages')).filter((name) =>
  existsSync(join(root, 'packages', name, 'package.json')),
);

interface Manifest {
  name: string;
  license?: string;
  private?: boolean;
  files?: string[];
  repository?: { type?: string; url?: string; directory?: string };
}

const manifest = (dir: string) =>
  JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8')) as Manifest;

describe.each(packages)('packages/%s', (name) => {
  const dir = `packages/${name}`;
  const pkg = manifest(dir);

  it('ships an MIT LICENSE and names its repository and folder', () => {
    expect(pkg.license).toBe('MIT');
    expect(pkg.files).toContain('LICENSE');
    const licence = readFileSync(join(root, dir, 'LICENSE'), 'utf8');
    expect(licence).toMatch(/^MIT License/);
    expect(licence).toContain('presence-tracker contributors');
    expect(pkg.repository).toEqual({
      type: 'git',
      url: 'git+https://github.com/presence-tracker/presence-tracker.git',
      directory: dir,
    });
  });

  it('links from its README only to files inside its tarball, or to absolute addresses', () => {
    const shipped = (path: string) =>
      (pkg.files ?? []).some((f) => path === f || path.startsWith(`${f}/`)) || path === 'README.md';
    const seen = new Set<string>();
    const visit = (doc: string) => {
      if (seen.has(doc)) return;
      seen.add(doc);
      const text = readFileSync(join(root, dir, doc), 'utf8');
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^(https?:|mailto:|#)/.test(target!)) continue;
        const path = target!.split('#')[0]!.replace(/^\.\//, '');
        expect({ doc, link: target, shipped: shipped(path) }).toEqual({ doc, link: target, shipped: true });
        expect(existsSync(join(root, dir, path))).toBe(true);
        if (path.endsWith('.md')) visit(path);
      }
    };
    visit('README.md');
  });
});

it('every package.json in the repository names the repository', () => {
  const dirs = ['.', ...packages.map((n) => `packages/${n}`)];
  for (const example of readdirSync(join(root, 'examples'))) {
    if (existsSync(join(root, 'examples', example, 'package.json'))) dirs.push(`examples/${example}`);
  }
  for (const dir of dirs) {
    expect({ dir, url: manifest(dir).repository?.url }).toEqual({
      dir,
      url: 'git+https://github.com/presence-tracker/presence-tracker.git',
    });
  }
  expect(readFileSync(join(root, 'LICENSE'), 'utf8')).toMatch(/^MIT License/);
});
