/**
 * The streaming replication transport: a postgres.js connection in `replication=database` mode
 * runs START_REPLICATION, whose COPY-both stream carries XLogData ('w') and primary keepalive
 * ('k') messages in, and standby status updates ('r') out. postgres.js's own subscribe() is not
 * used: it makes a temporary slot and confirms whatever the server has sent, where the tap must
 * confirm only what the target already has (WAL safety, see logical-sync.ts).
 */
import postgres from 'postgres';
import type { Duplex } from 'node:stream';
import type { TapConfig } from '../../config/types';
import { connectionOptions } from '../../db/connect';
import type { SshTunnel } from '../../db/ssh-tunnel';
import { SyncError } from '../../errors';
import type { Logger } from '../../log/logger';
import { quoteIdentifier, quoteLiteral } from '../queries';
import { formatLsn, pgTimestampFromDate } from './lsn';

export interface XLogData {
  tag: 'XLogData';
  walStart: bigint;
  walEnd: bigint;
  sendTime: bigint;
  /** The pgoutput message. */
  data: Buffer;
}

export interface PrimaryKeepalive {
  tag: 'PrimaryKeepalive';
  walEnd: bigint;
  sendTime: bigint;
  replyRequested: boolean;
}

export type ReplicationMessage = XLogData | PrimaryKeepalive;

/** One CopyData payload from the server → its message. */
export function parseCopyData(buf: Buffer): ReplicationMessage {
  const kind = buf[0];
  if (kind === 0x77 && buf.length >= 25) {
    return { tag: 'XLogData', walStart: buf.readBigUInt64BE(1), walEnd: buf.readBigUInt64BE(9), sendTime: buf.readBigInt64BE(17), data: buf.subarray(25) };
  }
  if (kind === 0x6b && buf.length >= 18) {
    return { tag: 'PrimaryKeepalive', walEnd: buf.readBigUInt64BE(1), sendTime: buf.readBigInt64BE(9), replyRequested: buf[17] === 1 };
  }
  throw new SyncError('REPLICATION_PROTOCOL', `replication stream: unexpected CopyData message 0x${(kind ?? 0).toString(16)} of ${buf.length} bytes`);
}

/**
 * StandbyStatusUpdate: written, flushed and applied positions (all `confirmed`), the client
 * clock, and whether the server should answer at once with a keepalive. The flushed position is
 * what the server may discard WAL up to; 0 (InvalidXLogRecPtr) confirms nothing.
 */
export function standbyStatusUpdate(confirmed: bigint, now: Date, replyRequested = false): Buffer {
  const buf = Buffer.alloc(34);
  buf[0] = 0x72; // 'r'
  buf.writeBigUInt64BE(confirmed, 1);
  buf.writeBigUInt64BE(confirmed, 9);
  buf.writeBigUInt64BE(confirmed, 17);
  buf.writeBigInt64BE(pgTimestampFromDate(now), 25);
  buf[33] = replyRequested ? 1 : 0;
  return buf;
}

/** `'"name"'`: a publication name as START_REPLICATION's option string (an identifier list). */
export function publicationNamesOption(publication: string): string {
  return quoteLiteral(quoteIdentifier(publication));
}

/**
 * Replication commands take no bind parameters: the slot name is checked against the config
 * schema's pattern, the LSN is formatted here and the publication name is quoted.
 */
export function startReplicationCommand(slot: string, startLsn: bigint, publication: string): string {
  if (!/^[a-z0-9_]{1,63}$/.test(slot)) throw new RangeError(`invalid replication slot name ${JSON.stringify(slot)}`);
  return `START_REPLICATION SLOT ${slot} LOGICAL ${formatLsn(startLsn)} (proto_version '1', publication_names ${publicationNamesOption(publication)})`;
}

export type Pulled = ReplicationMessage | 'idle' | 'end';

export interface ReplicationSession {
  /** The next message; 'idle' when none came within `waitMs`; 'end' when the server ended streaming. */
  next(waitMs: number): Promise<Pulled>;
  /** Sends a standby status update confirming `confirmed` (0 = confirm nothing); `replyRequested` asks for a keepalive. */
  sendStatus(confirmed: bigint, replyRequested?: boolean): void;
  /** Ends streaming (CopyDone) and closes the connection. */
  close(): Promise<void>;
}

export interface OpenOptions {
  slot: string;
  publication: string;
  startLsn: bigint;
  log: Logger;
  now: () => Date;
  /** The run's SSH tunnel: the replication connection is a channel through it too. */
  tunnel?: SshTunnel;
}

const QUEUE_HIGH = 1024;
const QUEUE_LOW = 256;

/**
 * Pulls CopyData payloads one at a time. The stream is read in flowing mode ('data' events),
 * which hands over each pushed message on its own — its async iterator would concatenate
 * buffered messages. A full queue pauses the stream, which pauses the socket.
 */
function puller(stream: Duplex): (waitMs: number) => Promise<Pulled> {
  const queue: Buffer[] = [];
  let ended = false;
  let failure: unknown;
  let wake: (() => void) | undefined;
  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  stream.on('data', (chunk: Buffer) => {
    queue.push(chunk);
    if (queue.length >= QUEUE_HIGH) stream.pause();
    notify();
  });
  stream.on('end', () => {
    ended = true;
    notify();
  });
  stream.on('close', () => {
    ended = true;
    notify();
  });
  stream.on('error', (error) => {
    failure ??= error;
    notify();
  });
  return async (waitMs) => {
    if (queue.length === 0 && !ended && failure === undefined) {
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        wake = resolve;
        timer = setTimeout(resolve, waitMs);
      });
      clearTimeout(timer);
      wake = undefined;
    }
    const chunk = queue.shift();
    if (chunk !== undefined) {
      if (queue.length <= QUEUE_LOW && stream.isPaused()) stream.resume();
      return parseCopyData(chunk);
    }
    if (failure !== undefined) throw failure;
    return ended ? 'end' : 'idle';
  };
}

export async function openReplicationStream(config: TapConfig, options: OpenOptions): Promise<ReplicationSession> {
  const base = connectionOptions(config, { max: 1, log: options.log, tunnel: options.tunnel });
  const sql = postgres({
    ...base,
    max: 1,
    fetch_types: false,
    idle_timeout: undefined,
    max_lifetime: null,
    connection: { ...base.connection, replication: 'database' },
  });
  const query = sql.unsafe(startReplicationCommand(options.slot, options.startLsn, options.publication));
  const started = query.writable();
  // The query settles when streaming ends; failures reach us through the stream.
  query.catch(() => undefined);
  let stream: Duplex;
  try {
    stream = (await started) as unknown as Duplex;
  } catch (error) {
    await sql.end({ timeout: 0 }).catch(() => undefined);
    throw error;
  }
  let closed = false;
  return {
    next: puller(stream),
    sendStatus(confirmed: bigint, replyRequested = false): void {
      if (!closed && stream.writable) stream.write(standbyStatusUpdate(confirmed, options.now(), replyRequested));
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      // What the server still sends is read and dropped, so the socket is never left paused;
      // CopyDone ends streaming, and the server's CommandComplete ends the query.
      stream.on('data', () => undefined);
      stream.resume();
      stream.end();
      await sql.end({ timeout: 2 }).catch(() => undefined);
    },
  };
}
