// First, so an older Node stops here with one line instead of hanging the run.
import './scripts/require-node.mjs';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    conditions: ['@presence-tracker/source'],
  },
  ssr: {
    resolve: {
      conditions: ['@presence-tracker/source'],
      externalConditions: ['@presence-tracker/source'],
    },
  },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'examples/*/src/**/*.test.ts', 'scripts/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
  },
});
