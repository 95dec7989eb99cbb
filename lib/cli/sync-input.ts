/**
 * The catalog and state of a sync, parsed and checked before connecting: a bad one exits 2
 * naming what is wrong, whether or not the server answers.
 */
import { selectedStreams } from '../catalog/plan';
import { parseCatalog } from '../catalog/parse-catalog';
import { parseState } from '../state/parse-state';
import { syncInput, type SyncInput } from '../sync/sync-input';

/** `dbname` finds singer-io's `<db>-<schema>-<table>` bookmarks under this tap's stream ids. */
export function parseSyncInput(catalogInput: unknown, stateInput: unknown, dbname: string): SyncInput {
  const catalog = parseCatalog(catalogInput);
  const streamIds = selectedStreams(catalog).map(({ stream }) => stream.tap_stream_id);
  return syncInput(catalog, parseState(stateInput, dbname, streamIds));
}
