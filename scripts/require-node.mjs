// Plain JavaScript in syntax any Node parses, loaded before the repository's TypeScript sources (by
// `node --import`, and by vitest.config.ts): an older Node gets one line naming the version needed
// instead of ERR_UNKNOWN_FILE_EXTENSION, a hanging test run or a crash in a native module.
const NEEDED = [22, 18];
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < NEEDED[0] || (major === NEEDED[0] && minor < NEEDED[1])) {
  process.stderr.write(
    `presence-tracker: the repository needs Node ${NEEDED.join('.')} or newer to run its TypeScript sources; this is Node ${process.versions.node}.\n`,
  );
  process.exit(1);
}
