/**
 * The Airbyte writer: the sync engine writes to it as to any MessageWriter, and it turns the
 * engine's Singer message stream into Airbyte messages in-process.
 *
 * - RECORD: the engine frames records with this writer's record format (`recordFormat`), so
 *   RECORD lines arrive as Airbyte lines — bytes or strings — and pass through untouched.
 * - SCHEMA (the start of a stream) → STREAM_STATUS STARTED and its ESTIMATE; the first record
 *   batch → RUNNING; a stream the engine ended (`endStream`) → COMPLETE after the next STATE,
 *   which holds its final bookmark (LOG_BASED streams complete with the run, `finish`).
 * - STATE → per-stream STATE messages (`STREAM`), or one `GLOBAL` with the shared LSN in CDC
 *   mode, each with `sourceStats.recordCount`: the records since that stream's (or, GLOBAL,
 *   any) previous STATE.
 * - ACTIVATE_VERSION has no Airbyte form and is dropped.
 */
import type { ChangeColumns, StreamRecordFormat } from '../messages/record-format';
import type { MessageWriter } from '../messages/writer';
import type { Bookmark, TapState } from '../state/types';
import { CDC_DELETED_AT, CDC_LSN, CDC_UPDATED_AT } from './json-schema';
import { estimateMessage, recordPrefix, recordTail, stateMessage, streamStatusMessage } from './messages';
import type { StreamDescriptor } from './types';

export const AIRBYTE_CHANGE_COLUMNS: Readonly<ChangeColumns> = { lsn: CDC_LSN, deletedAt: CDC_DELETED_AT, updatedAt: CDC_UPDATED_AT };

export interface Estimate {
  rows: number;
  bytes: number;
}

export interface AirbyteWriterOptions {
  /** Where Airbyte lines go (stdout's stream writer). */
  out: MessageWriter;
  /** Singer stream id → Airbyte stream, for every configured stream. */
  streams: ReadonlyMap<string, StreamDescriptor>;
  /** Ids of the streams read LOG_BASED. */
  logical: ReadonlySet<string>;
  /** CDC mode: GLOBAL state. */
  global: boolean;
  /** Row and byte estimates of the streams that read their whole table. */
  estimates: ReadonlyMap<string, Estimate>;
  /** Epoch milliseconds. */
  clock: () => number;
}

type Pending = void | Promise<void>;

const RECORD = '{"type":"RECORD"';
const SCHEMA = '{"type":"SCHEMA"';
const STATE = '{"type":"STATE"';
const ACTIVATE_VERSION = '{"type":"ACTIVATE_VERSION"';

/** Runs the writes in order, waiting only when a write asks for it. */
function inOrder(writes: Array<() => Pending>): Pending {
  for (let i = 0; i < writes.length; i += 1) {
    const pending = writes[i]();
    if (pending) return pending.then(() => inOrder(writes.slice(i + 1)));
  }
  return undefined;
}

export class AirbyteWriter implements MessageWriter {
  private readonly started = new Set<string>();
  private readonly running = new Set<string>();
  private readonly complete = new Set<string>();
  /** Records written per stream since its last STATE. */
  private readonly counts = new Map<string, number>();
  private readonly lastStates = new Map<string, string>();
  /** Lines to write before the next record bytes (RUNNING). */
  private before: string[] = [];
  /** The non-LOG_BASED stream being read, if any. */
  private current: string | undefined;
  /** Streams that ended, COMPLETE once a STATE with their final bookmark is out. */
  private ended: string[] = [];

  constructor(private readonly options: AirbyteWriterOptions) {}

  descriptor(id: string): StreamDescriptor {
    return this.options.streams.get(id) ?? { name: id };
  }

  /** The stream being read when the run stopped, if known. */
  get activeStream(): StreamDescriptor | undefined {
    return this.current === undefined ? undefined : this.descriptor(this.current);
  }

  recordFormat(stream: string): StreamRecordFormat {
    return {
      prefix: recordPrefix(this.descriptor(stream)),
      tail: (_version, at) => {
        if (!this.running.has(stream)) {
          this.running.add(stream);
          this.before.push(streamStatusMessage(this.descriptor(stream), 'RUNNING', this.options.clock()));
        }
        return recordTail(at.getTime());
      },
      changeColumns: AIRBYTE_CHANGE_COLUMNS,
      written: (count) => {
        this.counts.set(stream, (this.counts.get(stream) ?? 0) + count);
      },
    };
  }

  write(line: string): Pending {
    if (line.startsWith(RECORD)) return this.send([line]);
    if (line.startsWith(STATE)) return this.send(this.stateLines((JSON.parse(line) as { value: TapState }).value));
    if (line.startsWith(SCHEMA)) return this.send(this.startLines((JSON.parse(line) as { stream: string }).stream));
    if (line.startsWith(ACTIVATE_VERSION)) return undefined;
    return this.send([line]);
  }

  writeBytes(data: Uint8Array): Pending {
    const out = this.options.out;
    if (this.before.length === 0) return out.writeBytes(data);
    const lines = this.takeBefore();
    return inOrder([...lines.map((l) => () => out.write(l)), () => out.writeBytes(data)]);
  }

  flush(): Promise<void> {
    const pending = this.send([]);
    return pending ? pending.then(() => this.options.out.flush()) : this.options.out.flush();
  }

  /**
   * The end of the run: every started stream not yet complete becomes COMPLETE (`ok`) or
   * INCOMPLETE. Returns the lines' pending write.
   */
  finish(ok: boolean): Pending {
    const lines: string[] = [];
    for (const id of this.started) {
      if (this.complete.has(id)) continue;
      this.complete.add(id);
      lines.push(streamStatusMessage(this.descriptor(id), ok ? 'COMPLETE' : 'INCOMPLETE', this.options.clock()));
    }
    return this.send(lines);
  }

  endStream(stream: string): void {
    if (this.options.logical.has(stream) || this.complete.has(stream)) return;
    this.ended.push(stream);
    if (this.current === stream) this.current = undefined;
  }

  /** Writes a line that is not part of the engine's stream (LOG, TRACE). */
  writeLine(line: string): Pending {
    return this.send([line]);
  }

  private takeBefore(): string[] {
    const lines = this.before;
    this.before = [];
    return lines;
  }

  private send(lines: string[]): Pending {
    const all = this.before.length > 0 ? [...this.takeBefore(), ...lines] : lines;
    return inOrder(all.map((l) => () => this.options.out.write(l)));
  }

  private startLines(id: string): string[] {
    if (this.started.has(id)) return [];
    this.started.add(id);
    if (!this.options.logical.has(id)) this.current = id;
    const at = this.options.clock();
    const stream = this.descriptor(id);
    const lines = [streamStatusMessage(stream, 'STARTED', at)];
    const estimate = this.options.estimates.get(id);
    if (estimate && estimate.rows > 0) {
      lines.push(estimateMessage({ name: stream.name, ...(stream.namespace === undefined ? {} : { namespace: stream.namespace }), type: 'STREAM', row_estimate: estimate.rows, byte_estimate: estimate.bytes }, at));
    }
    return lines;
  }

  private stateLines(state: TapState): string[] {
    const lines = this.options.global ? this.globalState(state) : this.streamStates(state);
    for (const id of this.ended) {
      this.complete.add(id);
      lines.push(streamStatusMessage(this.descriptor(id), 'COMPLETE', this.options.clock()));
    }
    this.ended = [];
    return lines;
  }

  private streamStates(state: TapState): string[] {
    const lines: string[] = [];
    for (const [id, bookmark] of Object.entries(state.bookmarks)) {
      if (!this.started.has(id) || !this.options.streams.has(id)) continue;
      const text = JSON.stringify(bookmark);
      const count = this.counts.get(id) ?? 0;
      if (text === this.lastStates.get(id) && count === 0) continue;
      this.lastStates.set(id, text);
      this.counts.set(id, 0);
      lines.push(stateMessage({ type: 'STREAM', stream: { stream_descriptor: this.descriptor(id), stream_state: bookmark } }, count));
    }
    return lines;
  }

  private globalState(state: TapState): string[] {
    const entries = Object.entries(state.bookmarks).filter(([id]) => this.options.streams.has(id));
    const lsns = entries.filter(([id, b]) => this.options.logical.has(id) && typeof b.lsn === 'number').map(([, b]) => b.lsn as number);
    const shared = lsns.length > 0 ? { lsn: Math.min(...lsns) } : {};
    const streamStates = entries.map(([id, bookmark]: [string, Bookmark]) => ({ stream_descriptor: this.descriptor(id), stream_state: bookmark }));
    const text = JSON.stringify([shared, streamStates]);
    let count = 0;
    for (const n of this.counts.values()) count += n;
    if (text === this.lastStates.get('') && count === 0) return [];
    this.lastStates.set('', text);
    this.counts.clear();
    return [stateMessage({ type: 'GLOBAL', global: { shared_state: shared, stream_states: streamStates } }, count)];
  }
}
