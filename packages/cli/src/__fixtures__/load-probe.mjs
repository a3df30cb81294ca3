// Reads a configuration as the command does and makes its store, then tells which adapter packages
// were loaded along the way: argv is the config module's URL, the working folder and the environment.
import { registerHooks } from 'node:module';

const loaded = [];
registerHooks({
  resolve(specifier, context, next) {
    const resolved = next(specifier, context);
    loaded.push(resolved.url);
    return resolved;
  },
});
const [moduleUrl, cwd, env] = process.argv.slice(2);
const { resolveConfig } = await import(moduleUrl);
const config = await resolveConfig({ env: JSON.parse(env), cwd }, undefined);
const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const store = await config.plugins.store.create({
  baseDir: cwd,
  env: {},
  logger: quiet,
  clock: { now: () => new Date() },
});
await store.close();
const count = (pattern) => loaded.filter((url) => pattern.test(url)).length;
console.log(
  JSON.stringify({
    azure: count(/@azure|microsoft-graph|provider-graph/),
    mattermost: count(/provider-mattermost|@mattermost/),
    postgres: count(/store-postgres|\/pg\//),
    sqlite: count(/store-sqlite|better-sqlite3/),
  }),
);
