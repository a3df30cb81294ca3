#!/usr/bin/env node
import { keepStandardOutputForData } from './io.ts';
import { holdSignals } from './signals.ts';

// Plain syntax on purpose: an older Node must get this far to say which version is needed.
const major = Number(process.versions.node.split('.')[0]);
if (major < 22) {
  process.stderr.write(`presence-tracker needs Node 22 or newer; this is Node ${process.versions.node}.\n`);
  process.exit(1);
}
// A stop request while the command loads (a second or more) is kept for it, not fatal.
holdSignals();
keepStandardOutputForData();
// Loaded after the line above, so signals are held meanwhile; no top-level await, for the CommonJS build.
import('./program.ts')
  .then(({ run }) => run())
  .then((code) => {
    process.exitCode = code;
  });
