/** Small pieces the strategies share: opening a COPY stream, warning summaries, failure STATE. */
import type { PendingQuery, Row } from 'postgres';
import type { StreamPlan } from '../catalog/plan';
import type { RunContext } from '../context';
import { isPipeClosed } from '../errors';
import { Readable } from 'node:stream';

/**
 * The COPY's stream, heard from the moment postgres.js makes it. An error the server sends with
 * the first rows (a recovery conflict, a failing expression in a view) reaches postgres.js in the
 * same chunk as the COPY's start, and it fails the stream before `readable()` resolves here: an
 * 'error' event nobody listens to would end the process. The error stays in `stream.errored`,
 * where copyBatches finds it.
 */
export async function readCopy(query: PendingQuery<Row[]>): Promise<Readable> {
  const pending = query as unknown as { resolve: (value: unknown) => void };
  const resolve = pending.resolve;
  pending.resolve = (value) => {
    if (value instanceof Readable) value.on('error', () => undefined);
    resolve(value);
  };
  return (await query.readable()) as Readable;
}

/**
 * Resumes the socket under a postgres.js COPY stream (its `_read`). postgres.js pauses its socket
 * when the stream's buffer is full and resumes it only from the stream's read(): call this after
 * taking a full batch, and once the stream is done with (ended, failed or abandoned) — when the
 * pause falls on the last rows, nothing else calls read(), and the connection never hears the
 * answer to its next query. Once the connection is gone postgres.js has no socket left and its
 * `_read` throws a TypeError; the stream has then already failed with the connection's error,
 * which is the one to report.
 */
export function releaseCopyStream(stream: Readable): void {
  try {
    stream._read(0);
  } catch {
    // The connection closed: the stream's own error tells why.
  }
}

export function logWarnings(ctx: RunContext, plan: StreamPlan, warnings: Map<string, number>): void {
  for (const [what, count] of warnings) {
    ctx.log.warn(`${plan.tapStreamId}: ${count} value(s) of column ${what} have no JSON form and were written as null`);
  }
}

/**
 * After a failure mid-stream (signal, lost connection, dropped table), writes one more STATE with
 * the position reached, so the next run resumes as late as possible. When the pipe itself is
 * gone (EPIPE) nothing can be written; the last STATE the reader got stands.
 */
export async function checkpointAfterFailure(checkpoint: () => void | Promise<void>, error: unknown): Promise<void> {
  if (isPipeClosed(error)) return;
  try {
    await checkpoint();
  } catch {
    // The original error is the one to report.
  }
}

type Push = (chunk: unknown) => boolean;

/**
 * The bytes of a postgres.js COPY stream in large batches of whole CopyData messages (one row
 * each), without the Readable machinery per row: postgres.js calls `stream.push(row)` for every
 * row and pauses its socket when that returns false, and the stream's `_read` resumes it. This
 * takes those pushes directly: rows are copied into a batch buffer (two alternate, 256 KiB or
 * larger), push answers false once a batch is full, and after the consumer is done with a batch
 * the socket is resumed — the same back-pressure as the Readable's own buffer. Rows pushed
 * before this took over (in the Readable's buffer) come first; the end and errors come through
 * push(null), 'end' and 'error' as before. Leaving early destroys the stream, as a for-await
 * loop over it does.
 */
export async function* copyBatches(stream: Readable, batchBytes = 256 * 1024): AsyncGenerator<Buffer> {
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
  const push: Push = (chunk) => {
    if (chunk === null) {
      ended = true;
      notify();
      return false;
    }
    const row = chunk as Buffer;
    if (used + row.length > fill.length) {
      const larger = Buffer.allocUnsafe(Math.max(fill.length * 2, used + row.length));
      fill.copy(larger, 0, 0, used);
      fill = larger;
    }
    fill.set(row, used);
    used += row.length;
    if (!notifying) {
      notifying = true;
      queueMicrotask(notify);
    }
    return used < batchBytes;
  };
  const onError = (error: unknown) => {
    failure = error;
    notify();
  };
  const onEnd = () => {
    ended = true;
    notify();
  };
  stream.on('error', onError);
  stream.once('end', onEnd);
  // Failed before anyone read it (see readCopy): its 'error' has gone by.
  if (stream.errored) failure = stream.errored;
  const early = stream.read() as Buffer | null;
  (stream as unknown as { push: Push }).push = push;
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
        releaseCopyStream(stream); // if a full batch paused it
      } else if (failure !== undefined) {
        throw failure;
      } else if (ended) {
        return;
      } else {
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
      }
    }
  } finally {
    Reflect.deleteProperty(stream, 'push'); // back to Readable's own
    // Left early (abort, EPIPE, a failed row): destroyed as a for-await loop would, so a later
    // error from the connection finds a finished stream instead of an unhandled 'error'.
    if (!ended) stream.destroy();
    stream.off('error', onError);
    stream.off('end', onEnd);
  }
}
