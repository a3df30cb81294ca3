import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';

const FOLDER = fileURLToPath(new URL('../../screenshots/', import.meta.url));

/**
 * With `UPDATE_SCREENSHOTS=1`, the page as it looks now is written to `packages/web/screenshots/`,
 * for the README; otherwise nothing is written, so a test run leaves the work tree as it was.
 */
export async function screenshot(page: Page, name: string): Promise<void> {
  if (process.env.UPDATE_SCREENSHOTS !== '1') return;
  await mkdir(FOLDER, { recursive: true });
  await page.screenshot({ path: `${FOLDER}${name}.png`, fullPage: true, animations: 'disabled' });
}
