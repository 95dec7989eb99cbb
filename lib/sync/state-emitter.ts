/**
 * Holds the run's current state and writes it as STATE messages. A STATE identical to the last
 * one written is not written again, unless records went out since (`flush()`).
 *
 * With a pace (the table phase of a run), `emit()` writes only when a STATE buys resumability:
 * once `everyRecords` records went out since the last STATE, or `everyMs` passed since it. So
 * thousands of small streams cost a few STATE messages, not several per stream (each carries
 * every bookmark: per-stream STATEs would make the output grow with the square of the stream
 * count). A STATE always describes the records written before it, whenever it is written, so
 * skipping one never makes a later one claim more than was written. `flush()` writes the
 * current state now (the end of the run, a failure, a signal). Without a pace every `emit()`
 * writes.
 */
import type { MessageWriter } from '../messages/writer';
import { recordFormatFor } from '../messages/record-format';
import { stateMessage } from '../messages/serialize';
import type { Bookmark, TapState } from '../state/types';

export interface StatePace {
  /** Records since the last STATE that make the next `emit()` write. */
  everyRecords: number;
  /** Milliseconds since the last STATE that make the next `emit()` write. */
  everyMs: number;
  /** Milliseconds, monotonic. */
  clock: () => number;
}

export class StateEmitter {
  private lastWritten = '';
  /** The state held here: bookmarks are replaced in place, never copied per change. */
  private readonly state: TapState;
  private changed = true;
  private records = 0;
  private writtenAt: number | undefined;
  /** STATE messages written so far. */
  written = 0;

  constructor(state: TapState, private readonly writer: MessageWriter, private pace?: StatePace) {
    this.state = { ...state, bookmarks: { ...state.bookmarks } };
  }

  get current(): TapState {
    return this.state;
  }

  bookmark(streamId: string): Bookmark {
    return this.state.bookmarks[streamId] ?? {};
  }

  setBookmark(streamId: string, bookmark: Bookmark): void {
    this.state.bookmarks[streamId] = bookmark;
    this.changed = true;
  }

  setCurrentlySyncing(streamId: string | null): void {
    if (this.state.currently_syncing === streamId) return;
    this.state.currently_syncing = streamId;
    this.changed = true;
  }

  /** From now on every `emit()` writes (or, given a pace, only when one is due). */
  setPace(pace: StatePace | undefined): void {
    this.pace = pace;
  }

  /** `count` more records went to the writer. */
  countRecords(count: number): void {
    this.records += count;
  }

  /** Writes the state if it changed and, with a pace, a STATE is due. */
  emit(): void | Promise<void> {
    if (!this.changed) return;
    const pace = this.pace;
    if (pace && this.writtenAt !== undefined && this.records < pace.everyRecords && pace.clock() - this.writtenAt < pace.everyMs) return;
    return this.flush();
  }

  /**
   * Writes the state now unless it equals the last one written with no record since: after
   * records, the output ends with a STATE again (a target commits up to it).
   */
  flush(): void | Promise<void> {
    const recordsSince = this.records;
    this.changed = false;
    this.records = 0;
    this.writtenAt = this.pace?.clock();
    const line = stateMessage(this.state);
    if (line === this.lastWritten && recordsSince === 0) return;
    this.lastWritten = line;
    this.written += 1;
    return this.writer.write(line);
  }

  /**
   * `writer` as the strategies see it: the same messages, and every RECORD line counted here
   * (through the record format's `written`, told after the lines went to the writer).
   */
  countingWriter(writer: MessageWriter): MessageWriter {
    const counted: MessageWriter = {
      write: (line) => writer.write(line),
      flush: () => writer.flush(),
      writeBytes: (data) => writer.writeBytes(data),
      recordFormat: (stream) => {
        const format = recordFormatFor(writer, stream);
        return {
          prefix: format.prefix,
          tail: (version, at) => format.tail(version, at),
          changeColumns: format.changeColumns,
          written: (count) => {
            this.countRecords(count);
            format.written?.(count);
          },
        };
      },
    };
    return counted;
  }
}
