/** Pure state transitions: each returns a new state and leaves its input unchanged. */
import type { ReplicationMethod } from '../config/types';
import type { Bookmark, TapState } from './types';

export function withBookmark(state: TapState, streamId: string, bookmark: Bookmark): TapState {
  return { ...state, bookmarks: { ...state.bookmarks, [streamId]: bookmark } };
}

export function withCurrentlySyncing(state: TapState, streamId: string | null): TapState {
  return { ...state, currently_syncing: streamId };
}

/**
 * The bookmark a stream starts from. A change of replication method, or of the INCREMENTAL
 * replication key, resets it (the old position means nothing for the new method or key).
 */
export function startingBookmark(
  state: TapState,
  streamId: string,
  method: ReplicationMethod,
  replicationKey?: string,
): { bookmark: Bookmark; reset?: string } {
  const old = state.bookmarks[streamId];
  if (!old) return { bookmark: {} };
  if (old.last_replication_method !== undefined && old.last_replication_method !== method) {
    return { bookmark: {}, reset: `replication method changed from ${old.last_replication_method} to ${method}` };
  }
  if (method === 'INCREMENTAL' && old.replication_key !== undefined && old.replication_key !== replicationKey) {
    return { bookmark: {}, reset: `replication key changed from ${old.replication_key} to ${replicationKey}` };
  }
  return { bookmark: old };
}
