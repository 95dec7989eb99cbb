/**
 * Which failures are transient — worth reconnecting and carrying on from the last row written —
 * and which are not. Transient: the connection was lost or refused, the backend was terminated
 * (57P01 admin_shutdown, 57P02 crash_shutdown, 57P05 idle_session_timeout), the server is
 * starting or stopping (57P03), it has too many connections (53300), a hot standby cancelled the
 * query for a recovery conflict (40001 or 40P01 "conflict with recovery"), a lock wait hit the
 * session's lock_timeout (55P03), or the socket failed (ECONNRESET, ECONNREFUSED, ETIMEDOUT,
 * EPIPE, …). Everything else is permanent: privileges (42501), missing objects (42P01), bad
 * input, a statement_timeout the user configured (57014), and every error the tap raises itself
 * (a closed output pipe included).
 */
import { TapError } from '../errors';

const TRANSIENT_SQLSTATES = new Set([
  '57P01', '57P02', '57P03', '57P05', '53300', '55P03',
  '08000', '08001', '08003', '08004', '08006', '08007',
]);

/** Failures of the server connection as postgres.js and Node report them. */
const CONNECTION_CODES = new Set([
  'CONNECTION_CLOSED', 'CONNECT_TIMEOUT',
  'ECONNRESET', 'ECONNREFUSED', 'ECONNABORTED', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENETDOWN', 'EAI_AGAIN',
]);

const RECOVERY_CONFLICT = /conflict with recovery/i;

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

export function isTransient(error: unknown): boolean {
  if (!(error instanceof Error) || error instanceof TapError) return false;
  const code = codeOf(error);
  if (code === undefined) return false;
  if (TRANSIENT_SQLSTATES.has(code) || CONNECTION_CODES.has(code)) return true;
  return (code === '40001' || code === '40P01') && RECOVERY_CONFLICT.test(error.message);
}

/**
 * Whether the failure ended the connection itself (a FATAL or PANIC from the server, a lost or
 * reset socket), rather than one statement on a live connection (a lock timeout, a cancelled
 * query). postgres.js must not be handed such a connection back as a reserved session: it would
 * reuse the dead connection.
 */
export function isConnectionLost(error: unknown): boolean {
  const severity = (error as { severity?: unknown } | null)?.severity;
  if (severity === 'FATAL' || severity === 'PANIC') return true;
  const code = codeOf(error);
  return code !== undefined && (CONNECTION_CODES.has(code) || code.startsWith('08'));
}

/** One line for a failure: the server's `code: message`, or what happened to the connection. */
export function describeFailure(error: unknown): string {
  const code = codeOf(error);
  const message = error instanceof Error ? error.message.replace(/\s+/g, ' ').trim() : String(error);
  if (code === 'CONNECTION_CLOSED') {
    // postgres.js says "write CONNECTION_CLOSED host:port".
    return `the connection to the server was lost (${message.replace(/^write /, '')})`;
  }
  if (code === undefined || message.includes(code)) return message;
  return `${code}: ${message}`;
}
