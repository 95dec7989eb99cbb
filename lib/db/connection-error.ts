/**
 * Turns a failure to connect into one clear line: where the tap tried to connect (host, port,
 * database, user) and why — never the password.
 */
import { SyncError } from '../errors';
import type { TapConfig } from '../config/types';

function reason(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  const message = error.message.replace(/\s+/g, ' ').trim();
  return typeof code === 'string' && !message.includes(code) ? `${code}: ${message}` : message;
}

export function connectionFailure(error: unknown, config: TapConfig): SyncError {
  const where = `host=${config.host} port=${config.port} dbname=${config.dbname} user=${config.user} sslmode=${config.sslmode}`;
  return new SyncError('CONNECTION_FAILED', `cannot connect to PostgreSQL (${where}): ${reason(error)}`);
}
