/**
 * The server's FATAL message, reported. When a backend ends its connection with a FATAL error
 * (pg_terminate_backend, a shutdown, a crash of another backend, a recovery conflict) while a
 * query runs, postgres.js keeps that ErrorResponse to itself, fails the query with its own
 * CONNECTION_CLOSED, and hands the kept error to the first query after the pool reconnects.
 * The socket watch below takes the message out of the data before postgres.js reads it and
 * reports it as a socket error instead, so the failure carries the server's code and message
 * (57P01 terminating connection due to administrator command) and the reconnected connection
 * starts clean. It costs a look at the last two bytes of each chunk received.
 */
import type { Socket } from 'node:net';

const ERROR_RESPONSE = 0x45; // 'E'
/** How far back from the end of the data a final ErrorResponse is looked for. */
const TAIL_BYTES = 16 * 1024;

/** The server's error as postgres.js reports one: an Error with the ErrorResponse fields. */
export interface ServerError extends Error {
  severity: string;
  code: string;
  detail?: string;
  hint?: string;
}

const FIELD_NAMES: Record<string, string> = { S: 'severity_local', V: 'severity', C: 'code', M: 'message', D: 'detail', H: 'hint' };

function errorFields(buf: Buffer, start: number, end: number): Record<string, string> | undefined {
  const fields: Record<string, string> = {};
  let i = start;
  while (i < end - 1) {
    const zero = buf.indexOf(0, i + 1);
    if (zero === -1 || zero >= end) return undefined;
    const name = FIELD_NAMES[String.fromCharCode(buf[i])];
    if (name) fields[name] = buf.toString('utf8', i + 1, zero);
    i = zero + 1;
  }
  return i === end - 1 && buf[i] === 0 ? fields : undefined;
}

/** Where a FATAL or PANIC ErrorResponse that ends `tail` exactly starts, and the error; else undefined. */
export function finalServerError(tail: Buffer): { start: number; error: ServerError } | undefined {
  // Every ErrorResponse ends with a field's NUL and the terminating NUL; COPY rows end with LF.
  if (tail.length < 8 || tail[tail.length - 1] !== 0 || tail[tail.length - 2] !== 0) return undefined;
  for (let i = tail.length - 6; i >= Math.max(0, tail.length - TAIL_BYTES); i -= 1) {
    if (tail[i] !== ERROR_RESPONSE || tail.readUInt32BE(i + 1) !== tail.length - i - 1) continue;
    const fields = errorFields(tail, i + 5, tail.length);
    const severity = fields?.severity ?? fields?.severity_local;
    if (!fields || !fields.code || !fields.message || (severity !== 'FATAL' && severity !== 'PANIC')) continue;
    const error = Object.assign(new Error(fields.message), {
      name: 'PostgresError',
      severity,
      code: fields.code,
      ...(fields.detail ? { detail: fields.detail } : {}),
      ...(fields.hint ? { hint: fields.hint } : {}),
    });
    return { start: i, error };
  }
  return undefined;
}

/**
 * Watches `socket`'s data (its `emit`, ahead of postgres.js's 'data' listener). A chunk that ends
 * with a FATAL ErrorResponse reaches postgres.js without it, and the error is emitted as the
 * socket's 'error'. When the message began in the previous chunk, postgres.js holds that partial
 * start until the connection closes, then drops it.
 */
export function reportFatalMessage(socket: Socket): void {
  const emit = socket.emit.bind(socket);
  let previous: Buffer | undefined;
  let reported = false;
  socket.emit = (event: string | symbol, ...args: unknown[]): boolean => {
    if (event !== 'data' || reported) return emit(event, ...args);
    const chunk = args[0] as Buffer;
    let final = finalServerError(chunk);
    let before = 0;
    if (!final && previous && chunk.length >= 2 && chunk[chunk.length - 1] === 0 && chunk[chunk.length - 2] === 0) {
      const head = previous.subarray(Math.max(0, previous.length - TAIL_BYTES));
      final = finalServerError(Buffer.concat([head, chunk]));
      before = head.length;
    }
    if (!final) {
      previous = chunk;
      return emit(event, chunk);
    }
    reported = true;
    previous = undefined;
    const start = final.start - before;
    if (start > 0) emit(event, chunk.subarray(0, start));
    return emit('error', final.error);
  };
}
