/**
 * One BATCH file being written: JSON lines (one record object each), gzip-compressed or plain.
 *
 * Bytes are gathered into a chunk of `CHUNK_BYTES` and handed to the file (through a gzip stream
 * when compressed) a chunk at a time; when the file's buffer is full, `add` returns a promise
 * that settles on `drain` — the caller must await it before adding more. `close()` writes the
 * rest and settles once the file is complete on disk (from this process's view: in the OS's
 * hands), so the file may then be announced. The file is created exclusively: an existing file
 * is never overwritten. A failed write (disk full, no permission) rejects the pending `add` or
 * `close` with a SyncError naming the file; the file is then never complete.
 */
import { createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip, type ZlibOptions } from 'node:zlib';
import { SyncError } from '../errors';

const CHUNK_BYTES = 256 * 1024;
const BUFFERED_BYTES = 4 * CHUNK_BYTES;

export type BatchCompression = 'gzip' | 'none';

export class BatchFile {
  /** Records in the file, counted by the caller. */
  records = 0;
  private chunk: Buffer = Buffer.allocUnsafe(CHUNK_BYTES);
  private used = 0;
  /** Chunks the file has finished with. */
  private readonly spare: Buffer[] = [];
  private readonly sink: Writable;
  private readonly done: Promise<void>;
  private failure: SyncError | undefined;

  constructor(readonly path: string, compression: BatchCompression, gzipLevel?: number) {
    // Room for a few chunks in flight, so compressing and writing overlap with encoding the next rows.
    const file = createWriteStream(path, { flags: 'wx', highWaterMark: BUFFERED_BYTES });
    if (compression === 'gzip') {
      // zlib streams take the Transform options too.
      const options: ZlibOptions & { writableHighWaterMark: number } = { writableHighWaterMark: BUFFERED_BYTES };
      if (gzipLevel !== undefined) options.level = gzipLevel;
      const gzip = createGzip(options);
      this.sink = gzip;
      this.done = pipeline(gzip, file);
    } else {
      this.sink = file;
      this.done = new Promise<void>((resolve, reject) => {
        file.once('error', reject);
        file.once('close', resolve);
      });
    }
    // Failures are kept and reported by the next add or close.
    this.done.catch((error: unknown) => {
      this.failure ??= fileError(path, error);
    });
  }

  /** Adds `data[start, end)`: whole lines, each ending with LF. */
  add(data: Uint8Array, start = 0, end = data.length): void | Promise<void> {
    if (this.failure) throw this.failure;
    let ready = true;
    while (start < end) {
      if (this.used === CHUNK_BYTES) ready = this.send() && ready;
      const take = Math.min(end - start, CHUNK_BYTES - this.used);
      this.chunk.set(data.subarray(start, start + take), this.used);
      this.used += take;
      start += take;
    }
    return ready ? undefined : this.drained();
  }

  /** Adds one line (a record object's JSON text) and its LF. */
  addLine(line: string): void | Promise<void> {
    if (this.failure) throw this.failure;
    const worstCase = line.length * 3 + 1; // UTF-8 bytes of a UTF-16 string, plus LF
    let ready = true;
    if (worstCase > CHUNK_BYTES - this.used && this.used > 0) ready = this.send();
    if (worstCase > CHUNK_BYTES) ready = this.sink.write(Buffer.from(line + '\n')) && ready; // a line larger than a chunk goes alone
    else this.append(line);
    return ready ? undefined : this.drained();
  }

  /** Writes the rest and waits until the file is complete. */
  async close(): Promise<void> {
    if (this.failure) throw this.failure;
    if (this.used > 0) this.send();
    this.sink.end();
    try {
      await this.done;
    } catch {
      // Reported below, as the file's error.
    }
    if (this.failure) throw this.failure;
  }

  /** Stops writing (the run failed): the file stays incomplete and is never announced. */
  abandon(): void {
    this.sink.destroy();
  }

  private append(line: string): void {
    this.used += this.chunk.write(line, this.used);
    this.chunk[this.used] = 0x0a;
    this.used += 1;
  }

  /** Hands the filled chunk to the file; false when the file asks to wait for `drain`. */
  private send(): boolean {
    const whole = this.chunk;
    const data = whole.subarray(0, this.used);
    this.chunk = this.spare.pop() ?? Buffer.allocUnsafe(CHUNK_BYTES);
    this.used = 0;
    // Once the file (or gzip) has taken the bytes, the chunk is reused.
    return this.sink.write(data, (error?: Error | null) => {
      if (!error && this.spare.length < 2) this.spare.push(whole);
    });
  }

  private drained(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const onDrain = () => resolve();
      this.sink.once('drain', onDrain);
      this.done.then(
        () => undefined,
        () => {
          this.sink.off('drain', onDrain);
          reject(this.failure);
        },
      );
    });
  }
}

function fileError(path: string, error: unknown): SyncError {
  const detail = error instanceof Error ? error.message : String(error);
  return new SyncError('BATCH_FILE_FAILED', `batch file ${path} could not be written: ${detail}`);
}
