#!/usr/bin/env node
import { run } from './program.ts';

// No top-level await: the CommonJS build of this file must load too.
run().then((code) => {
  process.exitCode = code;
});
