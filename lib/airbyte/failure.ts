/**
 * What went wrong, as Airbyte wants it: a failure_type and one line saying what to do.
 * config_error: bad input, wrong credentials, missing privileges or set-up — the user must act;
 * transient_error: the server or network went away — running again may work;
 * system_error: anything else. Server errors keep their SQLSTATE and message.
 */
import type { TapConfig } from '../config/types';
import { AbortedError, describeError, InputError, SyncError, TapError } from '../errors';
import type { FailureType } from './types';

export interface Failure {
  failureType: FailureType;
  message: string;
}

/** A failure to connect, already put in words (connectionProblem). */
export class ConnectionFailed extends SyncError {
  constructor(readonly failure: Failure) {
    super('CONNECTION_FAILED', failure.message);
  }
}

const TRANSIENT_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'EPIPE',
  'CONNECT_TIMEOUT', 'CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECTION_DESTROYED', 'REPLICATION_ENDED',
  '57P01', '57P02', '57P03', '40001', '40P01', '55P03',
]);
const CONFIG_CODES = new Set(['42501', '42P01', '42703', '3D000', '28P01', '28000', 'ENOTFOUND', 'LOGICAL_SETUP']);

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** The code of the error underneath a stream failure (its cause, else the code its message quotes). */
function innerCode(error: unknown): string | undefined {
  const cause = (error as { cause?: unknown } | null)?.cause;
  if (cause !== undefined) return codeOf(cause) ?? innerCode(cause);
  const quoted = /failed: ([A-Za-z0-9_]+): /.exec(error instanceof Error ? error.message : '');
  return quoted ? quoted[1] : undefined;
}

function typeOfCode(code: string | undefined): FailureType | undefined {
  if (code === undefined) return undefined;
  if (TRANSIENT_CODES.has(code) || code.startsWith('08') || code.startsWith('53') || code.startsWith('58')) return 'transient_error';
  if (CONFIG_CODES.has(code) || code.startsWith('28')) return 'config_error';
  return undefined;
}

function isTlsFailure(error: unknown): boolean {
  const code = codeOf(error) ?? '';
  const message = error instanceof Error ? error.message : String(error);
  return /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY/.test(code) || /\b(SSL|TLS|certificate)\b/i.test(message);
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}

/** A failure to connect, in words that say what to check (check's FAILED message, read's error). */
export function connectionProblem(error: unknown, config: TapConfig): Failure {
  const code = codeOf(error);
  const where = `${config.host}:${config.port}`;
  const server = oneLine(describeError(error));
  if (code === 'ENOTFOUND') return { failureType: 'config_error', message: `host ${config.host} not found: check host (${server})` };
  if (code === '28P01') return { failureType: 'config_error', message: `authentication failed for user ${config.user}: check username and password (${server})` };
  if (code === '3D000') return { failureType: 'config_error', message: `database ${config.dbname} does not exist at ${where}: check database (${server})` };
  if (code?.startsWith('28')) {
    return { failureType: 'config_error', message: `the server refused user ${config.user}: allow this client in pg_hba.conf, or check ssl_mode (${server})` };
  }
  if (isTlsFailure(error)) {
    return { failureType: 'config_error', message: `TLS failure with ${where} (ssl_mode ${config.sslmode}): check ssl_mode and the certificates (${server})` };
  }
  if (typeOfCode(code) === 'transient_error') {
    return { failureType: 'transient_error', message: `cannot reach PostgreSQL at ${where}: check host and port, that the server runs and that it accepts connections from here (${server})` };
  }
  return { failureType: 'system_error', message: `cannot connect to PostgreSQL at ${where}: ${server}` };
}

/** Any error of a command, classified. */
export function failureOf(error: unknown): Failure {
  if (error instanceof ConnectionFailed) return error.failure;
  const message = oneLine(error instanceof TapError ? error.message : describeError(error));
  if (error instanceof InputError) return { failureType: 'config_error', message };
  if (error instanceof AbortedError) return { failureType: 'transient_error', message };
  const type = typeOfCode(codeOf(error)) ?? typeOfCode(innerCode(error));
  if (type) return { failureType: type, message };
  if (isTlsFailure(error)) return { failureType: 'config_error', message };
  return { failureType: 'system_error', message };
}
