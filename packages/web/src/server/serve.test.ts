import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Logger, memoryStore } from '@presence-tracker/core';
import { describe, expect, it, vi } from 'vitest';
import { serve } from './serve.ts';
import { pagesNotBuilt } from './ui-dir.ts';

const SERVE_UNBUILT = fileURLToPath(new URL('./__fixtures__/serve-unbuilt.ts', import.meta.url));

describe('serve where the pages are not built', () => {
  it('says once on stderr how to build them, and so does GET /', { timeout: 60_000 }, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'presence-web-unbuilt-'));
    const uiDir = join(dir, 'dist', 'ui');
    const child = spawn(process.execPath, ['--conditions=@presence-tracker/source', SERVE_UNBUILT, uiDir]);
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk) => {
      stderr += chunk;
    });
    try {
      const [line] = (await once(child.stdout.setEncoding('utf8'), 'data')) as [string];
      const url = line.trim();
      const hint = `The pages are not built: no ${uiDir}. Build them with \`pnpm --filter @presence-tracker/web build\`; the API answers under /api/v1.`;

      const page = await fetch(`${url}/`, { headers: { authorization: 'Bearer the-token' } });
      expect(page.status).toBe(404);
      expect(await page.text()).toBe(hint);
      // The sign-in form still answers; its stylesheet is not there to serve.
      expect((await fetch(`${url}/login`)).status).toBe(200);
      expect((await fetch(`${url}/login.css`)).status).toBe(404);

      child.kill('SIGTERM');
      await once(child, 'exit');
      expect(stderr).toBe(`${hint}\n`);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('serve with a logger', () => {
  it('says that the pages are not built to the logger, as a warning with the folder, and not to the console', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'presence-web-unbuilt-'));
    const uiDir = join(dir, 'dist', 'ui');
    const lines: { level: string; fields: Record<string, unknown>; message: string | undefined }[] = [];
    const at =
      (level: string) =>
      (fields: Record<string, unknown>, message?: string): void => {
        lines.push({ level, fields, message });
      };
    const logger: Logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
    const warn = vi.spyOn(console, 'warn');
    try {
      const running = await serve({ store: memoryStore(), host: '127.0.0.1', port: 0, uiDir, logger });
      await running.close();
    } finally {
      warn.mockRestore();
      await rm(dir, { recursive: true, force: true });
    }
    expect(lines).toEqual([{ level: 'warn', fields: { uiDir }, message: pagesNotBuilt(uiDir) }]);
    expect(warn).not.toHaveBeenCalled();
  });
});
