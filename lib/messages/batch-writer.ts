/**
 * The BATCH writer (Singer SDK `batch_config`): records go to JSON-lines files of `batchSize`
 * records each, and a `BATCH` message naming each finished file goes to the output in their
 * place. Every other message (SCHEMA, STATE, ACTIVATE_VERSION) stays a line on the output.
 *
 * The engine frames records with this writer's record format: a record "line" is the record
 * object alone, marked by a leading U+001E (a byte JSON text never holds unescaped), so records
 * (bytes or strings) and messages (strings) tell apart without parsing. The format's `tail`
 * runs just before a stream's records are written and names the stream they belong to.
 *
 * Order: the output is the RECORD-line output with each run of records replaced by the BATCH
 * messages of their files, and a STATE held back until every record written before it is in an
 * announced file: while a file is open, the newest STATE waits (it replaces an older waiting
 * one) and goes out right after the next BATCH messages — when a file fills (then every open
 * file is closed and announced first), before any other message, and on `flush`. So a STATE
 * never claims a row that is only in an unannounced file; a killed run leaves at most files no
 * BATCH message names. A file is announced only once it is completely written, and the lines
 * written when a file fills go to the output at once (not when its buffer fills).
 */
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { InputError } from '../errors';
import { BatchFile, type BatchCompression } from './batch-files';
import { SINGER_CHANGE_COLUMNS, type StreamRecordFormat } from './record-format';
import type { MessageWriter } from './writer';

export interface BatchOptions {
  /** Absolute path of the folder the files go to. */
  directory: string;
  /** Put before every file name as it is (`a/` makes a subfolder). */
  prefix: string;
  compression: BatchCompression;
  /** Records per file. */
  batchSize: number;
  /** Part of every file name of the run (default: a random UUID), so runs never collide. */
  runId?: string;
  /**
   * zlib level 0-9 of gzip files. Default 1: about 2.5 times as fast as zlib's own default (6)
   * for files about a fifth larger, so compressing keeps up with reading.
   */
  gzipLevel?: number;
}

const MARK = 0x1e;
const MARK_TEXT = '\u001e';
const LF = 0x0a;
const STATE = '{"type":"STATE"';
const DEFAULT_GZIP_LEVEL = 1;

type Pending = void | Promise<void>;

/** `{"type":"BATCH","stream":…,"encoding":{"format":"jsonl","compression":…},"manifest":[…]}` */
export function batchMessage(stream: string, compression: BatchCompression, manifest: string[]): string {
  return JSON.stringify({ type: 'BATCH', stream, encoding: { format: 'jsonl', compression }, manifest });
}

/** A file system name for a stream: anything but letters, digits, `.`, `_` and `-` becomes `_`. */
function fileSafe(stream: string): string {
  return stream.replace(/[^A-Za-z0-9._-]/g, '_');
}

/** Creates the folder of the files (with the prefix's subfolders), then the writer. */
export async function createBatchWriter(out: MessageWriter, options: BatchOptions): Promise<BatchWriter> {
  const folder = dirname(join(options.directory, options.prefix + 'x'));
  try {
    await mkdir(folder, { recursive: true });
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new InputError('CONFIG_INVALID', `config: /batch_config/storage: the folder ${folder} cannot be created (${detail})`);
  }
  return new BatchWriter(out, options);
}

export class BatchWriter implements MessageWriter {
  private readonly runId: string;
  private readonly extension: string;
  /** The open file of each stream that has one. */
  private readonly files = new Map<string, BatchFile>();
  private readonly fileCount = new Map<string, number>();
  /** The stream whose records come next (set by its format's tail). */
  private stream: string | undefined;
  /** The newest STATE line not yet written. */
  private heldState: string | undefined;
  /** The last step still running; later steps run after it. */
  private running: Promise<void> | undefined;
  private failure: unknown;

  constructor(private readonly out: MessageWriter, private readonly options: BatchOptions) {
    this.runId = options.runId ?? randomUUID();
    this.extension = options.compression === 'gzip' ? '.jsonl.gz' : '.jsonl';
  }

  recordFormat(stream: string): StreamRecordFormat {
    return {
      prefix: MARK_TEXT,
      tail: () => {
        this.stream = stream;
        return '';
      },
      changeColumns: SINGER_CHANGE_COLUMNS,
    };
  }

  write(line: string): Pending {
    if (line.charCodeAt(0) === MARK) {
      const stream = this.recordStream();
      return this.serial(() => this.addLine(stream, line.slice(1)));
    }
    if (line.startsWith(STATE)) return this.serial(() => this.holdState(line));
    return this.serial(() => this.message(line));
  }

  /** Record lines only (the COPY byte path), each `U+001E {record} LF`. */
  writeBytes(data: Uint8Array): Pending {
    const stream = this.recordStream();
    // Taken later: a copy, since the caller may reuse `data` at once.
    if (this.running) return this.serial(() => this.addBytes(stream, Buffer.from(data), 0));
    return this.serial(() => this.addBytes(stream, data, 0));
  }

  async flush(): Promise<void> {
    await this.serial(async () => {
      await this.closeAll();
      await this.writeHeldState();
    });
    await this.out.flush();
  }

  private recordStream(): string {
    if (this.failure) throw this.failure;
    if (this.stream === undefined) throw new Error('BatchWriter: a record came before its stream\'s format named it');
    return this.stream;
  }

  /** Runs `step` now, or after the step still running; a failed step fails every later one. */
  private serial(step: () => Pending): Pending {
    if (this.failure) throw this.failure;
    let result: Pending;
    try {
      result = this.running ? this.running.then(step) : step();
    } catch (error) {
      throw this.fail(error);
    }
    if (!result) return undefined;
    const tracked: Promise<void> = result.then(
      () => {
        if (this.running === tracked) this.running = undefined;
      },
      (error: unknown) => {
        if (this.running === tracked) this.running = undefined;
        throw this.fail(error);
      },
    );
    this.running = tracked;
    return tracked;
  }

  /** Keeps the first failure; open files are left incomplete and the held STATE is dropped. */
  private fail(error: unknown): unknown {
    if (this.failure === undefined) {
      this.failure = error;
      this.heldState = undefined;
      for (const file of this.files.values()) file.abandon();
      this.files.clear();
    }
    return this.failure;
  }

  private fileOf(stream: string): BatchFile {
    let file = this.files.get(stream);
    if (!file) {
      const n = (this.fileCount.get(stream) ?? 0) + 1;
      this.fileCount.set(stream, n);
      const name = `${this.options.prefix}${fileSafe(stream)}-${this.runId}-${n}${this.extension}`;
      file = new BatchFile(join(this.options.directory, name), this.options.compression, this.options.gzipLevel ?? DEFAULT_GZIP_LEVEL);
      this.files.set(stream, file);
    }
    return file;
  }

  private addLine(stream: string, json: string): Pending {
    const file = this.fileOf(stream);
    const pending = file.addLine(json);
    file.records += 1;
    if (file.records < this.options.batchSize) return pending;
    return pending ? pending.then(() => this.fileFull(stream)) : this.fileFull(stream);
  }

  /** Adds the record lines of `data` from `start`; a full file is closed and announced on the way. */
  private addBytes(stream: string, data: Uint8Array, start: number): Pending {
    const file = this.fileOf(stream);
    const end = data.length;
    let pending: Pending = undefined;
    let at = start;
    while (at < end) {
      if (data[at] !== MARK) throw new Error('BatchWriter: bytes that are not record lines');
      const lineEnd = data.indexOf(LF, at) + 1;
      pending = file.add(data, at + 1, lineEnd) ?? pending;
      at = lineEnd;
      file.records += 1;
      if (file.records >= this.options.batchSize) {
        // The rest waits for the file to be announced: a copy, since the caller may reuse `data`.
        const rest = at < end ? Buffer.from(data.subarray(at)) : undefined;
        const wait = pending;
        const next = async (): Promise<void> => {
          if (wait) await wait;
          await this.fileFull(stream);
          if (rest) await this.addBytes(stream, rest, 0);
        };
        return next();
      }
    }
    return pending;
  }

  /**
   * A file is full: it is announced; with a STATE waiting, every open file is, then the STATE.
   * The lines go out now (the output writer would hold them until its buffer fills), so the
   * reader can load each file as soon as it is complete.
   */
  private async fileFull(stream: string): Promise<void> {
    if (this.heldState === undefined) {
      await this.announce(stream);
    } else {
      await this.closeAll();
      await this.writeHeldState();
    }
    await this.out.flush();
  }

  private holdState(line: string): Pending {
    if (this.files.size > 0) {
      this.heldState = line;
      return undefined;
    }
    this.heldState = undefined;
    return this.out.write(line);
  }

  /** Any message but STATE: the records before it are announced first, and the waiting STATE. */
  private message(line: string): Pending {
    if (this.files.size === 0 && this.heldState === undefined) return this.out.write(line);
    return (async () => {
      await this.closeAll();
      await this.writeHeldState();
      const pending = this.out.write(line);
      if (pending) await pending;
    })();
  }

  private async closeAll(): Promise<void> {
    for (const stream of [...this.files.keys()]) await this.announce(stream);
  }

  /** Closes the stream's file and writes its BATCH message. */
  private async announce(stream: string): Promise<void> {
    const file = this.files.get(stream);
    if (!file) return;
    await file.close();
    this.files.delete(stream);
    const pending = this.out.write(batchMessage(stream, this.options.compression, ['file://' + file.path]));
    if (pending) await pending;
  }

  private async writeHeldState(): Promise<void> {
    const line = this.heldState;
    if (line === undefined) return;
    this.heldState = undefined;
    const pending = this.out.write(line);
    if (pending) await pending;
  }
}
