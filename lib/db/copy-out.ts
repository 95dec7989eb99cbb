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
 *   CopyOutResponse to the driver, the CopyData messages never reach the driver: their payloads
 *   are copied from the socket's reads into a batch buffer (two alternate, 256 KiB or larger)
 *   and the socket is paused once the batch is full, until the consumer is done with it. The
 *   driver still sees CopyDone and errors, and ends or fails the stream as above.
 * - on any other socket, the stream's `push` is replaced by one that copies each row into the
 *   batch and answers false once it is full (which pauses the socket; the rows of the socket
 *   read in progress still come), and `_read(0)` resumes it.
 */
import type { PendingQuery, Row } from 'postgres';
import { Readable } from 'node:stream';
import { claimCopyOut, type CopyClaim } from './copy-socket';

type Push = (chunk: unknown) => boolean;

/** The default size of a batch (a batch grows past it only by the row that fills it). */
export const COPY_BATCH_BYTES = 256 * 1024;

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
 * messages (whole rows in text format; the `\\.` end marker of old servers included). A batch is
 * only valid until the next one is asked for. Errors (the server's, a lost connection) are
 * thrown from the iteration. Nothing is sent before the iteration starts. Leaving early destroys
 * the stream and resumes the socket; on the tap's sockets the rest of the rows are read and
 * dropped, so the connection is usable again once the COPY ends.
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
  /** Appends `src[start, end)` (a row, or part of one) to the batch; false once the batch is full. */
  const take = (src: Buffer, start: number, end: number): boolean => {
    const length = end - start;
    if (used + length > fill.length) {
      const larger = Buffer.allocUnsafe(Math.max(fill.length * 2, used + length));
      fill.copy(larger, 0, 0, used);
      fill = larger;
    }
    if (length > 64) {
      used += src.copy(fill, used, start, end);
    } else {
      // Short rows: a plain loop (on locals) costs less than a call into the native copy.
      const target = fill;
      let at = used;
      for (let i = start; i < end; i += 1) target[at++] = src[i];
      used = at;
    }
    if (!notifying) {
      notifying = true;
      queueMicrotask(notify);
    }
    return used < batchBytes;
  };
  const push: Push = (chunk) => {
    if (chunk === null) {
      ended = true;
      notify();
      return false;
    }
    const row = chunk as Buffer;
    return take(row, 0, row.length);
  };
  const onError = (error: unknown) => {
    failure = error;
    notify();
  };
  let stream: Readable | undefined;
  let claim: CopyClaim | undefined;
  let early: Buffer | null = null;
  if (source instanceof Readable) {
    stream = source;
    stream.on('error', onError);
    stream.once('end', () => {
      ended = true;
      notify();
    });
    early = stream.read() as Buffer | null;
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
    if (early !== null && early.length > 0) yield early;
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
