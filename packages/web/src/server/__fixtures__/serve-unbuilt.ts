// `serve` where the pages are not built, as in a fresh clone: says its URL on stdout and serves until
// killed. Usage: node --conditions=@presence-tracker/source serve-unbuilt.ts MISSING-UI-DIR
import { memoryStore } from '@presence-tracker/core';
import { serve } from '../serve.ts';

const dashboard = await serve({ store: memoryStore(), port: 0, token: 'the-token', uiDir: process.argv[2]! });
process.stdout.write(`${dashboard.url}\n`);
