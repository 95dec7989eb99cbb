/**
 * Holds the run's current state and writes it as STATE messages. A STATE identical to the last
 * one written is not written again.
 */
import type { MessageWriter } from '../messages/writer';
import { stateMessage } from '../messages/serialize';
import type { Bookmark, TapState } from '../state/types';
import { withBookmark, withCurrentlySyncing } from '../state/transitions';

export class StateEmitter {
  private lastWritten = '';

  constructor(private state: TapState, private readonly writer: MessageWriter) {}

  get current(): TapState {
    return this.state;
  }

  bookmark(streamId: string): Bookmark {
    return this.state.bookmarks[streamId] ?? {};
  }

  setBookmark(streamId: string, bookmark: Bookmark): void {
    this.state = withBookmark(this.state, streamId, bookmark);
  }

  setCurrentlySyncing(streamId: string | null): void {
    this.state = withCurrentlySyncing(this.state, streamId);
  }

  /** Writes the state unless it equals the last one written. */
  emit(): void | Promise<void> {
    const line = stateMessage(this.state);
    if (line === this.lastWritten) return;
    this.lastWritten = line;
    return this.writer.write(line);
  }
}
