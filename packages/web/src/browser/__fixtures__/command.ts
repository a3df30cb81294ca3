import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const BIN = fileURLToPath(new URL('../../../../cli/src/bin.ts', import.meta.url));
const PRELOAD = fileURLToPath(new URL('../../../../cli/src/preload.mjs', import.meta.url));

/** `presence-tracker ARGS` from the sources, as `pnpm presence-tracker` runs it; its standard output. */
export async function presenceTracker(args: string[], cwd: string): Promise<string> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', PRELOAD, '--conditions=@presence-tracker/source', BIN, ...args],
    { cwd, maxBuffer: 64 * 1024 * 1024 },
  );
  return stdout;
}
