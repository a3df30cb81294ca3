import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/**
 * The dashboard's pages, built into `dist/ui` beside the server's build. Preact's JSX through Vite's
 * own transform, so no Babel plugin is needed. No inline scripts or styles end up in the HTML, since the
 * server's Content-Security-Policy forbids them.
 */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: fileURLToPath(new URL('../dist/ui', import.meta.url)),
    emptyOutDir: true,
    // Inlined assets would be data: URLs, which the server's policy does not allow.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    target: 'es2022',
  },
  // `vite --config ui/vite.config.ts` serves the pages with live reload over a dashboard already
  // running on the default port (`presence-tracker serve`), whose API answers through this proxy.
  server: { proxy: { '/api': process.env.PRESENCE_TRACKER_URL ?? 'http://127.0.0.1:8080' } },
  logLevel: 'warn',
});
