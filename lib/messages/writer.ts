/**
 * Writes message lines to a stream (stdout) in batches, honouring back-pressure.
 *
 * `write(line)` appends the line and a LF, UTF-8 encoded, to an in-memory chunk of `chunkBytes`
 * (default 1 MiB). When the next line may not fit, the chunk goes to the stream; if the stream
 * answers that its buffer is full, `write` returns a promise that settles on `drain` — the caller
 * must await it (and only then). Otherwise `write` returns undefined. Memory stays bounded by one
 * chunk plus the stream's own buffer. `flush()` writes the rest and waits until the stream has
 * taken it. Nothing reaches the stream before a chunk fills or `flush()` is called.
 *
 * `writeBytes(data)` does the same for lines already encoded (the COPY reader's RECORDs).
 * Sent chunks are reused once the stream has written them, so a long sync allocates no new ones.
 *
 * When the reader goes away (EPIPE, any 'error' on the stream, a destroyed or ended stream),
 * every later `write`/`flush` throws a PipeClosedError; the writer's own 'error' listener keeps
 * the error from escaping as an unhandled event.
 */
import type { Writable } from 'node:stream';
import { PipeClosedError, TapError } from '../errors';
import type { StreamRecordFormat } from './record-format';

const LF = 0x0a;

export interface MessageWriter {
  write(line: string): void | Promise<void>;
  flush(): Promise<void>;
  /**
   * Lines already encoded (the COPY reader's RECORDs): `data` holds whole lines, UTF-8, each
   * ending with LF. The writer copies it (the caller may reuse `data` at once). Same
   * back-pressure contract as `write`.
   */
  writeBytes(data: Uint8Array): void | Promise<void>;
  /** Optional: how this writer's RECORD lines are framed (lib/messages/record-format.ts); Singer's when absent. */
  recordFormat?(stream: string): StreamRecordFormat;
  /** Optional: every record of `stream` was written and it succeeded; a later STATE holds its final bookmark. */
  endStream?(stream: string): void;
}

export interface StreamWriterOptions {
  chunkBytes?: number;
  /**
   * Reuse a chunk once the stream's write callback ran. Only safe for streams that are done
   * with the bytes by then (files, pipes, sockets: process.stdout), not for e.g. a PassThrough,
   * whose reader gets the very Buffer. Default: true for process.stdout only.
   */
  reuseChunks?: boolean;
}

export function createStreamWriter(stream: NodeJS.WritableStream, options: StreamWriterOptions = {}): MessageWriter {
  const chunkBytes = options.chunkBytes ?? 1024 * 1024;
  const reuseChunks = options.reuseChunks ?? stream === process.stdout;
  const state = stream as NodeJS.WritableStream & Partial<Pick<Writable, 'destroyed' | 'writableEnded' | 'writableNeedDrain'>>;
  // Lines are UTF-8 encoded straight into a preallocated chunk: encoding each line once is about
  // three times faster than concatenating lines into one big string and encoding that.
  let chunk: Buffer = Buffer.allocUnsafe(chunkBytes);
  let used = 0;
  /** Chunks the stream has finished with, ready for reuse (at most two are kept). */
  const spare: Buffer[] = [];
  let failure: PipeClosedError | undefined;

  const fail = (cause?: unknown): PipeClosedError => {
    failure ??= new PipeClosedError(cause);
    return failure;
  };
  stream.on('error', (error: unknown) => {
    fail(error);
  });

  const isClosed = (): boolean => failure !== undefined || state.destroyed === true || state.writableEnded === true;

  /** Settles when `start`'s callback runs, or rejects with PipeClosedError on error/close first. */
  const waitFor = (start: (done: () => void) => () => void): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      let stop = (): void => undefined;
      const cleanup = () => {
        stream.off('error', onError);
        stream.off('close', onClose);
        stop();
      };
      const onError = (error: unknown) => {
        cleanup();
        reject(fail(error));
      };
      const onClose = () => {
        cleanup();
        reject(fail());
      };
      stream.on('error', onError);
      stream.on('close', onClose);
      stop = start(() => {
        cleanup();
        if (failure) reject(failure);
        else resolve();
      });
    });

  const waitForDrain = (): Promise<void> =>
    waitFor((done) => {
      stream.once('drain', done);
      return () => stream.off('drain', done);
    });

  const send = (data: Buffer, whole?: Buffer): boolean => {
    if (isClosed()) throw fail();
    try {
      const recycle = reuseChunks && whole && ((error?: Error | null) => {
        if (!error && spare.length < 2) spare.push(whole);
      });
      return recycle ? stream.write(data, recycle) : stream.write(data);
    } catch (error) {
      throw fail(error);
    }
  };

  /** Sends the filled part of the chunk and continues in a spare or fresh one. */
  const sendChunk = (): boolean => {
    const whole = chunk;
    const data = chunk.subarray(0, used);
    chunk = spare.pop() ?? Buffer.allocUnsafe(chunkBytes);
    used = 0;
    return send(data, whole);
  };

  /** The filled part of the chunk, replaced by a fresh chunk (the stream may keep the old one). */
  const takeChunk = (): Buffer => {
    const data = chunk.subarray(0, used);
    chunk = spare.pop() ?? Buffer.allocUnsafe(chunkBytes);
    used = 0;
    return data;
  };

  return {
    write(line: string): void | Promise<void> {
      if (failure) throw failure;
      const worstCase = line.length * 3 + 1; // UTF-8 bytes of a UTF-16 string, plus LF
      if (worstCase <= chunkBytes - used) {
        used += chunk.write(line, used);
        chunk[used] = LF;
        used += 1;
        return undefined;
      }
      let ready = true;
      if (used > 0) ready = sendChunk();
      if (worstCase > chunkBytes) {
        ready = send(Buffer.from(line + '\n')) && ready; // a line larger than a chunk goes alone
      } else {
        used = chunk.write(line, 0);
        chunk[used] = LF;
        used += 1;
      }
      return ready ? undefined : waitForDrain();
    },

    writeBytes(data: Uint8Array): void | Promise<void> {
      if (failure) throw failure;
      const length = data.length;
      if (length <= chunkBytes - used) {
        chunk.set(data, used);
        used += length;
        return undefined;
      }
      let ready = true;
      if (used > 0) ready = sendChunk();
      if (length > chunkBytes) {
        ready = send(Buffer.from(data)) && ready; // larger than a chunk: a copy goes alone
      } else {
        chunk.set(data, 0);
        used = length;
      }
      return ready ? undefined : waitForDrain();
    },

    async flush(): Promise<void> {
      if (failure) throw failure;
      if (used === 0) {
        if (state.writableNeedDrain === true) await waitForDrain();
        return;
      }
      const whole = chunk;
      const data = takeChunk();
      if (isClosed()) throw fail();
      await waitFor((done) => {
        try {
          stream.write(data, (error?: Error | null) => {
            if (error) fail(error);
            else if (reuseChunks && spare.length < 2) spare.push(whole);
            done();
          });
        } catch (error) {
          fail(error);
          done();
        }
        return () => undefined;
      });
    },
  };
}

/** Collects lines in memory (tests, and callers that post-process messages). */
export function createMemoryWriter(): MessageWriter & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    write(line: string): void {
      lines.push(line);
    },
    writeBytes(data: Uint8Array): void {
      const text = Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8');
      for (const line of text.split('\n')) if (line !== '') lines.push(line);
    },
    async flush(): Promise<void> {
      // Nothing is buffered.
    },
  };
}
