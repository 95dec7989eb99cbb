/**
 * COPY … TO STDOUT through postgres.js, as large batches of bytes: the one place that knows how
 * the driver (postgres 3.4.9, pinned exactly in package.json) hands out COPY data.
 * tests/integration/copy-out-contract.test.ts fails when a driver update changes any of it.
 *
 * What the driver does (node_modules/postgres/cjs/src/…):
 * - query.js `readable()` (lines 62-66): the query goes out as a simple query; the query is a
 *   Promise whose `resolve` is an instance property (query.js line 26), which the connection
 *   calls with the COPY's Readable when the server answers CopyOutResponse.
 * - connection.js `CopyOutResponse` (lines 877-882): creates that Readable, whose `read()` is
 *   `socket.resume()` and nothing else, and calls `query.resolve(stream)` at once.
 * - connection.js `CopyData` (lines 906-908): every CopyData message (one row in text COPY) is
 *   `stream.push(payload)`, and the socket is paused when push returns false. The payload is a
 *   view into the driver's receive buffer.
 * - connection.js `CopyDone` (lines 910-913): `stream.push(null)`, the end.
 * - connection.js `errored` (lines 390-391): a server error (at ReadyForQuery, lines 535-542) or
 *   a lost connection destroys the stream with the error ('error' event, on the next tick).
 *
 * So the Readable machinery (a buffer, a 'data' event per row) is skipped: `query.resolve` is
 * wrapped so that the moment the Readable exists — before any row or error reaches it — an
 * 'error' listener is attached and the rows are claimed:
 * - on the tap's own sockets (./socket.ts), where `resolve` runs while ./copy-socket.ts hands the
 *   CopyOutResponse to the driver, the CopyData messages never reach the driver: each run of
 *   them in a socket read is copied as it is (headers included, one copy per run) into a batch
 *   buffer (two alternate, 256 KiB or larger) and the socket is paused once the batch is full,
 *   until the consumer is done with it. The driver still sees CopyDone and errors, and ends or
 *   fails the stream as above.
 * - on any other socket, the stream's `push` is replaced by one that writes each row into the
 *   batch as its CopyData message and answers false once it is full (which pauses the socket;
 *   the rows of the socket read in progress still come), and `_read(0)` resumes it.
 */
import type { PendingQuery, Row } from 'postgres';
import { Readable } from 'node:stream';
import { claimCopyOut, type CopyClaim } from './copy-socket';

type Push = (chunk: unknown) => boolean;

/** The default size of a batch (a batch grows past it only by the socket read that fills it). */
export const COPY_BATCH_BYTES = 256 * 1024;

const COPY_DATA = 0x64; // 'd'
/** A message's type byte and length: the length counts itself and the payload. */
const HEADER = 5;

/**
 * Resumes the socket under a postgres.js COPY stream (its `_read`, connection.js line 879). The
 * socket is paused when a batch is full and resumed only from here: call it after taking a full
 * batch, and once the stream is done with (ended, failed or abandoned) — when the pause falls on
 * the last rows, nothing else resumes it, and the connection never hears the answer to its next
 * query. Once the connection is gone the driver has no socket left and `_read` throws a
 * TypeError; the stream has then already failed with the connection's error, which is the one
 * to report.
 */
function resumeSocket(stream: Readable): void {
  try {
    stream._read(0);
  } catch {
    // The connection closed: the stream's own error tells why.
  }
}

/**
 * Runs `query` (a `COPY … TO STDOUT`) and yields its output as batches of whole CopyData
 * messages as the protocol frames them: each a type byte `d`, its length (4 bytes, big-endian,
 * counting itself) and its payload — one whole row in text format (the `\\.` end marker of old
 * servers included). A batch is only valid until the next one is asked for. Errors (the
 * server's, a lost connection) are thrown from the iteration. Nothing is sent before the
 * iteration starts. Leaving early destroys the stream and resumes the socket; on the tap's
 * sockets the rest of the rows are read and dropped, so the connection is usable again once the
 * COPY ends.
 */
export function copyOutBatches(query: PendingQuery<Row[]>, batchBytes = COPY_BATCH_BYTES): AsyncGenerator<Buffer> {
  return batches(query, batchBytes);
}

/**
 * The same batches from a COPY's Readable already opened (`await query.readable()`), by the
 * push takeover; rows the Readable buffered before come first. For callers that open the stream
 * themselves: copyOutBatches(query) is cheaper on the tap's sockets.
 */
export function readableBatches(stream: Readable, batchBytes = COPY_BATCH_BYTES): AsyncGenerator<Buffer> {
  return batches(stream, batchBytes);
}

async function* batches(source: PendingQuery<Row[]> | Readable, batchBytes: number): AsyncGenerator<Buffer> {
  let fill: Buffer = Buffer.allocUnsafe(batchBytes);
  let spare: Buffer | undefined = Buffer.allocUnsafe(batchBytes);
  let used = 0;
  let ended = false;
  let failure: unknown;
  let wake: (() => void) | undefined;
  let notifying = false;
  const notify = () => {
    notifying = false;
    const resume = wake;
    wake = undefined;
    resume?.();
  };
  /** Makes room for `length` more bytes in the batch. */
  const reserve = (length: number) => {
    if (used + length <= fill.length) return;
    const larger = Buffer.allocUnsafe(Math.max(fill.length * 2, used + length));
    fill.copy(larger, 0, 0, used);
    fill = larger;
  };
  const filled = (): boolean => {
    if (!notifying) {
      notifying = true;
      queueMicrotask(notify);
    }
    return used < batchBytes;
  };
  /** Appends whole CopyData messages `src[start, end)` (the socket's run) to the batch; false once full. */
  const take = (src: Buffer, start: number, end: number): boolean => {
    reserve(end - start);
    used += src.copy(fill, used, start, end);
    return filled();
  };
  /** Appends one row payload as the CopyData message it came in. */
  const takePayload = (row: Buffer, start: number, end: number): void => {
    const length = end - start;
    reserve(HEADER + length);
    fill[used] = COPY_DATA;
    fill.writeUInt32BE(length + 4, used + 1);
    used += HEADER;
    used += row.copy(fill, used, start, end);
  };
  const push: Push = (chunk) => {
    if (chunk === null) {
      ended = true;
      notify();
      return false;
    }
    const row = chunk as Buffer;
    takePayload(row, 0, row.length);
    return filled();
  };
  const onError = (error: unknown) => {
    failure = error;
    notify();
  };
  let stream: Readable | undefined;
  let claim: CopyClaim | undefined;
  if (source instanceof Readable) {
    stream = source;
    stream.on('error', onError);
    stream.once('end', () => {
      ended = true;
      notify();
    });
    // Rows the Readable buffered before, joined: each ends with LF (text COPY escapes any other).
    const early = stream.read() as Buffer | null;
    for (let start = 0, end = 0; early !== null && start < early.length; start = end) {
      end = early.indexOf(0x0a, start) + 1 || early.length;
      takePayload(early, start, end);
    }
    (stream as unknown as { push: Push }).push = push;
  } else {
    const driverQuery = source as unknown as { resolve(value: unknown): void };
    const resolve = driverQuery.resolve;
    driverQuery.resolve = (value: unknown) => {
      if (stream === undefined && value instanceof Readable) {
        stream = value;
        (stream as unknown as { push: Push }).push = push;
        stream.on('error', onError);
        claim = claimCopyOut({ data: take });
      }
      resolve(value);
    };
    await source.readable();
    if (stream === undefined) throw new Error('postgres.js answered a COPY … TO STDOUT without a readable stream');
  }
  const copy: Readable = stream;
  try {
    for (;;) {
      if (used > 0) {
        const batch = fill.subarray(0, used);
        const taken = fill;
        fill = spare ?? Buffer.allocUnsafe(batchBytes);
        spare = undefined;
        used = 0;
        yield batch;
        if (taken.length === batchBytes) spare = taken;
        // If a full batch paused the socket.
        if (claim) claim.resume();
        else resumeSocket(copy);
      } else if (failure !== undefined) {
        throw failure;
      } else if (ended) {
        return;
      } else {
        await new Promise<void>((resolved) => {
          wake = resolved;
        });
      }
    }
  } finally {
    Reflect.deleteProperty(copy, 'push'); // back to Readable's own
    // Left early (abort, EPIPE, a failed row): destroyed as a for-await loop would, so a later
    // error from the connection finds a finished stream instead of an unhandled 'error'.
    if (!ended) copy.destroy();
    if (claim) claim.abandon();
    else resumeSocket(copy);
  }
}
