/**
 * The sockets the tap's postgres.js connections run on (its `socket` option): TCP or a Unix
 * socket, TLS negotiated as libpq does (SSLRequest, then TLS per sslmode, plain text only where
 * the sslmode allows it), within connect_timeout; then watched for the server's FATAL message
 * (./fatal-message.ts), which postgres.js itself does not report, and for COPY rows to take
 * straight from the socket (./copy-socket.ts).
 */
import { connect as netConnect, isIP, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { connect as tlsConnect, type ConnectionOptions, type TLSSocket } from 'node:tls';
import { watchCopyOut } from './copy-socket';
import { reportFatalMessage } from './fatal-message';
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
  if (reply[0] !== 0x53 && reply[0] !== 0x4e) {
    throw Object.assign(new Error(`${target.host}:${target.port} did not answer the SSL request as a PostgreSQL server does`), { code: 'SSL_PROTOCOL' });
  }
  // Bytes after the one-byte answer were not encrypted: refused, as libpq does.
  if (reply.length !== 1) throw Object.assign(new Error('unexpected data after the server\'s answer to the SSL request'), { code: 'SSL_PROTOCOL' });
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

/** A TCP or Unix socket to the target, once connected. */
async function connectDirect(target: SocketTarget, opened: (raw: Socket) => void): Promise<Socket> {
  const unix = target.host.startsWith('/');
  const raw = unix ? netConnect({ path: `${target.host}/.s.PGSQL.${target.port}` }) : netConnect({ host: target.host, port: target.port });
  opened(raw);
  await once(raw, 'connect');
  return raw;
}

/**
 * A connected (and, per sslmode, encrypted) socket for one postgres.js connection; `openRaw`
 * gives the underlying stream instead of a direct connection (an SSH tunnel's channel).
 */
export async function openSocket(target: SocketTarget, openRaw?: () => Promise<Duplex>): Promise<Socket> {
  let raw: Socket | undefined;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    if (target.connectTimeout > 0) timer = setTimeout(() => reject(timeoutError(target)), target.connectTimeout * 1000);
  });
  try {
    const socket = await Promise.race([
      (async () => {
        const stream = openRaw ? ((raw = (await openRaw()) as Socket)) : await connectDirect(target, (opened) => (raw = opened));
        return target.ssl === false ? stream : negotiateTls(stream, target);
      })(),
      timeout,
    ]);
    reportFatalMessage(socket);
    watchCopyOut(socket);
    return socket;
  } catch (error) {
    raw?.destroy();
    throw error;
  } finally {
    clearTimeout(timer);
  }
}
