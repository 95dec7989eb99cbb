/** Singer STATE `value` in the singer-io / pipelinewise shape (contract: schemas/singer). */
import type { ReplicationMethod } from '../config/types';

export interface Bookmark {
  last_replication_method?: ReplicationMethod;
  /** Table version (ms since epoch) of FULL_TABLE / INCREMENTAL. */
  version?: number;
  replication_key?: string;
  /** A JSON number when it is exact as one, else the exact text as a JSON string. */
  replication_key_value?: string | number;
  /** LOG_BASED position. */
  lsn?: number;
  /** FULL_TABLE resume: the first heap page not yet fully emitted. */
  ctid_page?: number;
  /**
   * FULL_TABLE resume in slices: heap page ranges `[first, end)` after `ctid_page` whose rows are
   * all sent (lib/state/page-ranges.ts).
   */
  ctid_ranges?: Array<[number, number]>;
  /** FULL_TABLE resume: the table's file node; a rewrite (VACUUM FULL, CLUSTER) restarts it. */
  relfilenode?: number;
  /** FULL_TABLE resume: the 64-bit xmin of the snapshot taken when the table version started. */
  snapshot_xmin?: number;
  [field: string]: unknown;
}

export interface TapState {
  currently_syncing: string | null;
  bookmarks: Record<string, Bookmark>;
}
