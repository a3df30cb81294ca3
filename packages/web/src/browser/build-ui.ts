import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

const CONFIG = fileURLToPath(new URL('../../ui/vite.config.ts', import.meta.url));

/**
 * The pages built from the sources into a fresh folder, as `pnpm build` builds them into `dist/ui`:
 * a clean clone has no build, and a stale `dist/ui` must not be what the tests look at.
 */
export async function buildUi(): Promise<string> {
  const outDir = await mkdtemp(join(tmpdir(), 'presence-web-ui-'));
  await build({ configFile: CONFIG, logLevel: 'error', build: { outDir, emptyOutDir: true } });
  return outDir;
}
