/**
 * The tap's one error hierarchy. Every error the tap raises on purpose carries a stable `code`
 * and the exit code it maps to: 2 for bad input found before any record is written,
 * 1 for a failure during the sync. Messages say what is wrong and what to do; they never hold a
 * secret (values of secret config keys are redacted before they reach an error).
 */
export type ExitCode = 1 | 2;

export class TapError extends Error {
  readonly code: string;
  readonly exitCode: ExitCode;

  constructor(code: string, message: string, exitCode: ExitCode) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.exitCode = exitCode;
  }
}

/** Bad config, catalog, state or flags: exit 2, nothing written to stdout. */
export class InputError extends TapError {
  constructor(code: string, message: string) {
    super(code, message, 2);
  }
}

/** A failure while syncing (connection lost, table dropped, permission revoked): exit 1. */
export class SyncError extends TapError {
  constructor(code: string, message: string) {
    super(code, message, 1);
  }
}

/** The run was stopped by a signal (SIGTERM/SIGINT) after writing a resumable STATE. */
export class AbortedError extends TapError {
  constructor(signal: string) {
    super('ABORTED', `stopped by ${signal}; the last STATE on stdout resumes the sync`, 1);
  }
}

/** The reader of stdout went away: every later write fails; the last STATE it got stands. */
export class PipeClosedError extends TapError {
  constructor(cause?: unknown) {
    const detail = cause instanceof Error && cause.message ? ` (${cause.message})` : '';
    super('EPIPE', `the reader of the output closed the pipe${detail}; stopping`, 1);
  }
}

/** A PipeClosedError, or Node's own EPIPE from a write to stdout: nothing more can be written. */
export function isPipeClosed(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 'EPIPE';
}

/** One line for stderr, whatever was thrown. Never includes a stack for expected errors. */
export function describeError(error: unknown): string {
  if (error instanceof TapError) return `${error.code}: ${error.message}`;
  if (error instanceof Error) {
    const pgCode = (error as { code?: unknown }).code;
    return typeof pgCode === 'string' ? `${pgCode}: ${error.message}` : error.message;
  }
  return String(error);
}
