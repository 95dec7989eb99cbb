/**
 * Turns a failure to connect into one clear line: where the tap tried to connect (host, port,
 * database, user) and why — never the password.
 */
import { SyncError, TapError } from '../errors';
import type { TapConfig } from '../config/types';

function reason(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  const message = error.message.replace(/\s+/g, ' ').trim();
  return typeof code === 'string' && !message.includes(code) ? `${code}: ${message}` : message;
}

export function connectionFailure(error: unknown, config: TapConfig): TapError {
  // The SSH tunnel's own failures (bastion, forward) already say where and why.
  if (error instanceof TapError) return error;
  const tunnel = config.ssh_tunnel ? ` via SSH bastion ${config.ssh_tunnel.username}@${config.ssh_tunnel.host}:${config.ssh_tunnel.port}` : '';
  const where = `host=${config.host} port=${config.port} dbname=${config.dbname} user=${config.user} sslmode=${config.sslmode}${tunnel}`;
  return new SyncError('CONNECTION_FAILED', `cannot connect to PostgreSQL (${where}): ${reason(error)}`);
}
