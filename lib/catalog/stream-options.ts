/**
 * What the config adds to one stream's query: the user's `custom_where_clauses` for it (by
 * tap_stream_id) and the row limit (`max_record_count` for FULL_TABLE and INCREMENTAL, also
 * `limit` for INCREMENTAL). LOG_BASED streams take neither: their changes cannot be filtered by
 * SQL, and a limited snapshot would leave rows out for good.
 */
import type { ReplicationMethod, TapConfig } from '../config/types';
import { InputError } from '../errors';

export interface RowBounds {
  /** SQL conditions, each one expression, ANDed into the query. */
  where?: string[];
  /** At most this many rows per run. */
  limit?: number;
}

export function rowBounds(streamId: string, method: ReplicationMethod, config: TapConfig): RowBounds {
  const where = config.stream_options?.[streamId]?.custom_where_clauses;
  if (where && where.length > 0 && method === 'LOG_BASED') {
    throw new InputError(
      'INVALID_STREAM',
      `catalog stream ${streamId}: stream_options custom_where_clauses cannot filter a LOG_BASED stream's changes; use FULL_TABLE or INCREMENTAL, or remove them`,
    );
  }
  const limits = method === 'INCREMENTAL' ? [config.max_record_count, config.limit] : method === 'FULL_TABLE' ? [config.max_record_count] : [];
  const given = limits.filter((n): n is number => n !== undefined);
  const bounds: RowBounds = {};
  if (where && where.length > 0) bounds.where = where;
  if (given.length > 0) bounds.limit = Math.min(...given);
  return bounds;
}
