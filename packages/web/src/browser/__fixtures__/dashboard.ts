import { rm } from 'node:fs/promises';
import type { PresenceStore } from '@presence-tracker/core';
import { sqliteStore } from '@presence-tracker/store-sqlite';
import type { Browser } from 'playwright-core';
import type { ServeOptions } from '../../server/serve.ts';
import { type RunningDashboard, serve } from '../../server/serve.ts';
import { buildUi } from '../build-ui.ts';
import { launchChromium } from '../chromium.ts';
import { type TrackedDays, trackedDays } from './tracked-days.ts';

export interface DashboardUnderTest {
  data: TrackedDays;
  /** The store the server reads, opened read-only as `presence-tracker serve` opens it. */
  store: PresenceStore;
  dashboard: RunningDashboard;
  browser: Browser;
  uiDir: string;
  close(): Promise<void>;
}

/** The built pages served over a tracked SQLite file on a loopback port, and a headless Chromium. */
export async function dashboardUnderTest(
  options: Partial<ServeOptions> & { clock?: 'fixed' | 'system' } = {},
): Promise<DashboardUnderTest> {
  const [uiDir, data, browser] = await Promise.all([buildUi(), trackedDays(), launchChromium()]);
  const store = sqliteStore({ path: data.database, readOnly: true });
  const { clock = 'fixed', ...rest } = options;
  const dashboard = await serve({
    store,
    uiDir,
    port: 0,
    timeZone: data.timeZone,
    ...(clock === 'fixed' && { now: () => data.now }),
    ...rest,
  });
  return {
    data,
    store,
    dashboard,
    browser,
    uiDir,
    async close() {
      await browser.close();
      await dashboard.close();
      await store.close();
      await rm(uiDir, { recursive: true, force: true });
      await rm(data.dir, { recursive: true, force: true });
    },
  };
}
