import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

it('reads, by default, the file `pnpm demo` writes at the repository root', () => {
  const out = mkdtempSync(join(tmpdir(), 'presence-example-'));
  try {
    const result = spawnSync(
      process.execPath,
      ['--conditions=@presence-tracker/source', MAIN, '--out', out],
      { cwd: out, encoding: 'utf8', timeout: 120_000 },
    );
    // Either it found the demo's file and says so, or it says to run the demo that writes it.
    expect(result.stdout + result.stderr).toContain(join(ROOT, 'presence-tracker-demo', 'presence-demo.db'));
    if (result.status !== 0) expect(result.stderr).toMatch(/run `pnpm demo` first/);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}, 120_000);
