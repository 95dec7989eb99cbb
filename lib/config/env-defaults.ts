/**
 * libpq's fallbacks for unset connection keys: first the PG* environment variables (named by
 * `x-env` in the schema), then libpq's compiled-in defaults.
 */
import { existsSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { flatSettings, type ConfigSchema } from './schema';
import type { ValueSources } from './validate';

/** Debian/Ubuntu's socket directory first, then the upstream default. */
export const SOCKET_DIRS = ['/var/run/postgresql', '/tmp'];

export interface EnvValues {
  values: Record<string, string>;
  /** key (dotted inside groups: ssh_tunnel.host) -> the env var it came from, for error messages. */
  sources: ValueSources;
}

/** The env values of every schema key that has an `x-env` and is set (non-empty), by dotted name. */
export function envValues(schema: ConfigSchema, env: NodeJS.ProcessEnv): EnvValues {
  const values: Record<string, string> = {};
  const sources: ValueSources = {};
  for (const [key, setting] of flatSettings(schema)) {
    const name = setting['x-env'];
    const value = name ? env[name] : undefined;
    if (name && value !== undefined && value !== '') {
      values[key] = value;
      sources[key] = name;
    }
  }
  return { values, sources };
}

/** The local socket directory where a server listens on `port`, else localhost (as libpq). */
export function defaultHost(port: number, exists: (path: string) => boolean = existsSync): string {
  return SOCKET_DIRS.find((dir) => exists(join(dir, `.s.PGSQL.${port}`))) ?? 'localhost';
}

/** libpq's default user: the operating-system user running the tap. */
export function defaultUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? 'postgres';
  }
}

export const LIBPQ_DEFAULTS = {
  port: 5432,
  sslmode: 'prefer',
  application_name: 'tap-postgres-ts',
  connect_timeout: 30,
} as const;
