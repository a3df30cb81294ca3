// Loaded with `--import` after preload.mjs and before the command's own sources: says so on fd 3,
// then keeps those sources from loading until a SIGTERM has come, so the signal reliably arrives
// while the command is still loading. It listens only when signals are already held (preload.mjs
// holds them in a registry): without that a listener here would itself keep SIGTERM from killing
// the process, and the test could not tell a command that holds signals from one that does not.
import { closeSync, writeSync } from 'node:fs';

const held = globalThis[Symbol.for('@presence-tracker/cli:held-signals')];
writeSync(3, 'loading\n');
closeSync(3);
// A pending promise alone would not keep the process alive.
const alive = setInterval(() => {}, 1 << 30);
// Without held signals nothing keeps SIGTERM from ending the process, which is what the test checks.
if (held !== undefined) await new Promise((resolve) => process.once('SIGTERM', resolve));
else await new Promise(() => {});
clearInterval(alive);
