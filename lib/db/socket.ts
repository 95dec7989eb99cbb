/**
 * The sockets the tap's postgres.js connections run on (its `socket` option): TCP or a Unix
 * socket, TLS negotiated as libpq does (SSLRequest, then TLS per sslmode), and a watch on the
 * server's last message. When a backend ends the connection with a FATAL error
 * (pg_terminate_backend, a shutdown, a crash of another backend, a recovery conflict) while a
 * query runs, postgres.js keeps that ErrorResponse to itself and fails the query with its own
 * CONNECTION_CLOSED. The socket therefore reports that message as a socket error, so the failure
 * carries the server's code and message (57P01 terminating connection due to administrator
 * command). It costs a look at the last two bytes of each chunk received.
 */
import { connect as netConnect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions, type TLSSocket } from 'node:tls';
import type { SslOption } from './ssl-options';

export interface SocketTarget {
  host: string;
  port: number;
  /** Seconds for the TCP connection and TLS handshake (0 = no limit). */
  connectTimeout: number;
  ssl: SslOption;
  /** libpq's allow/prefer: fall back to plain text when the server does not offer TLS. */
  tlsOptional: boolean;
}

/** SSLRequest: length 8, code 80877103. */
const SSL_REQUEST = Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]);
const ERROR_RESPONSE = 0x45; // 'E'
/** How far back from the end of the stream a final ErrorResponse is looked for. */
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
    const type = String.fromCharCode(buf[i]);
    const zero = buf.indexOf(0, i + 1);
    if (zero === -1 || zero >= end) return undefined;
    const name = FIELD_NAMES[type];
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
 * The server's FATAL message, reported as a socket error. It is taken out of the chunk that
 * ends with it before postgres.js reads the chunk, which would otherwise keep it and fail the
 * first query after the pool reconnects with it. When it arrived split over two chunks (postgres.js
 * has read its start), it is still reported first, when the connection ends.
 */
function watchLastMessage(socket: Socket): void {
  let last: Buffer | undefined;
  let previous: Buffer | undefined;
  let reported = false;
  const emit = socket.emit.bind(socket);
  const report = (error: ServerError) => {
    reported = true;
    last = previous = undefined;
    emit('error', error);
  };
  socket.emit = (event: string | symbol, ...args: unknown[]): boolean => {
    if (event !== 'data' || reported) return emit(event, ...args);
    const chunk = args[0] as Buffer;
    const final = finalServerError(chunk);
    if (!final) {
      previous = last;
      last = chunk;
      return emit(event, chunk);
    }
    if (final.start > 0) emit(event, chunk.subarray(0, final.start));
    report(final.error);
    return true;
  };
  const atEnd = () => {
    if (reported || !last) return;
    const tail = previous && last.length < TAIL_BYTES ? Buffer.concat([previous, last]) : last;
    const final = finalServerError(tail);
    if (final) report(final.error);
  };
  socket.on('end', atEnd);
  // A reset after the message: the server's reason goes first, before Node's ECONNRESET.
  socket.prependListener('error', atEnd);
  socket.on('close', atEnd);
}

function timeoutError(target: SocketTarget): Error {
  return Object.assign(new Error(`could not connect to ${target.host}:${target.port} within ${target.connectTimeout} s (connect_timeout)`), {
    code: 'CONNECT_TIMEOUT',
  });
}

/** Resolves once `socket` emits `event`; rejects on its error or close first. */
function once(socket: Socket, event: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const done = (error?: unknown) => {
      socket.off(event, onEvent);
      socket.off('error', onError);
      socket.off('close', onClose);
      if (error) reject(error);
    };
    const onEvent = (value: unknown) => {
      done();
      resolve(value);
    };
    const onError = (error: unknown) => done(error);
    const onClose = () => done(Object.assign(new Error('the server closed the connection during start-up'), { code: 'CONNECTION_CLOSED' }));
    socket.on(event, onEvent);
    socket.on('error', onError);
    socket.on('close', onClose);
  });
}

async function negotiateTls(raw: Socket, target: SocketTarget): Promise<Socket> {
  raw.write(SSL_REQUEST);
  const reply = (await once(raw, 'data')) as Buffer;
  if (reply.length !== 1) throw Object.assign(new Error('unexpected data after the server\'s answer to SSLRequest'), { code: 'SSL_PROTOCOL' });
  if (reply[0] !== 0x53) {
    if (target.tlsOptional) return raw;
    throw Object.assign(new Error('the server does not support SSL, but the sslmode requires it'), { code: 'SSL_NOT_SUPPORTED' });
  }
  const options: ConnectionOptions = typeof target.ssl === 'object' ? { ...target.ssl } : { rejectUnauthorized: false };
  options.socket = raw;
  if (!isIP(target.host)) options.servername = target.host;
  const secure: TLSSocket = tlsConnect(options);
  await once(secure, 'secureConnect');
  return secure;
}

/** A connected (and, per sslmode, encrypted) socket for one postgres.js connection. */
export async function openSocket(target: SocketTarget): Promise<Socket> {
  const unix = target.host.startsWith('/');
  const raw = unix ? netConnect({ path: `${target.host}/.s.PGSQL.${target.port}` }) : netConnect({ host: target.host, port: target.port });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    if (target.connectTimeout > 0) timer = setTimeout(() => reject(timeoutError(target)), target.connectTimeout * 1000);
  });
  try {
    const socket = await Promise.race([
      (async () => {
        await once(raw, 'connect');
        return target.ssl === false ? raw : negotiateTls(raw, target);
      })(),
      timeout,
    ]);
    watchLastMessage(socket);
    return socket;
  } catch (error) {
    raw.destroy();
    throw error;
  } finally {
    clearTimeout(timer);
  }
}
