import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The built pages: `dist/ui` in this package, found from this module whether it runs from `src`
 * (the sources) or from `dist` (the published build).
 */
export function defaultUiDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return join(dir, 'dist', 'ui');
}

/** What to say where the pages are not built, as in a fresh clone: where they were looked for, and how to build them. */
export function pagesNotBuilt(root: string): string {
  return `The pages are not built: no ${root}. Build them with \`pnpm --filter @presence-tracker/web build\`; the API answers under /api/v1.`;
}
