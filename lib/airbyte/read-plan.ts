/**
 * What `read` learns from the server before the engine runs: row and byte estimates of the
 * streams that read their whole table (from pg_class statistics, never a count), and — in CDC
 * mode with `invalid_cdc_cursor_position_behavior: Fail sync` — whether every saved LSN is still
 * held by the slot.
 */
import type { TapSql } from '../db/connect';
import { InputError } from '../errors';
import type { Bookmark, TapState } from '../state/types';
import { formatLsn, lsnFromBookmark, parseLsn } from '../sync/logical/lsn';
import type { AirbyteSettings } from './config';
import type { ReadSelection } from './configured-catalog';
import type { Estimate } from './writer';

/** Whether the stream reads its whole table this run (no position to continue from). */
function readsWholeTable(method: unknown, bookmark: Bookmark | undefined): boolean {
  if (!bookmark || bookmark.last_replication_method !== method) return true;
  if (method === 'FULL_TABLE') return bookmark.ctid_page === undefined;
  if (method === 'INCREMENTAL') return bookmark.replication_key_value === undefined || bookmark.replication_key_value === null;
  return bookmark.lsn === undefined;
}

function methodOf(selection: ReadSelection, id: string): unknown {
  const stream = selection.catalog.streams.find((s) => s.tap_stream_id === id);
  return stream?.metadata?.find((m) => m.breadcrumb.length === 0)?.metadata['replication-method'];
}

export async function streamEstimates(sql: TapSql, selection: ReadSelection, state: TapState): Promise<Map<string, Estimate>> {
  const wanted = [...selection.relations].filter(([id]) => readsWholeTable(methodOf(selection, id), state.bookmarks[id]));
  const estimates = new Map<string, Estimate>();
  if (wanted.length === 0) return estimates;
  const rows = await sql`
    SELECT c.oid::int8::text AS oid, greatest(c.reltuples, 0)::float8 AS rows,
           c.relpages::int8 * current_setting('block_size')::int8 AS bytes
    FROM pg_class c WHERE c.oid = ANY(string_to_array(${wanted.map(([, r]) => r.oid).join(',')}, ',')::oid[])`;
  const byOid = new Map(rows.map((r) => [Number(r.oid), { rows: Math.round(Number(r.rows)), bytes: Number(r.bytes) }]));
  for (const [id, relation] of wanted) {
    const estimate = byOid.get(relation.oid);
    if (estimate) estimates.set(id, estimate);
  }
  return estimates;
}

/** Fail sync: a saved LSN older than the slot's confirmed position means changes were lost. */
export async function checkSavedPositions(sql: TapSql, settings: AirbyteSettings, selection: ReadSelection, state: TapState): Promise<void> {
  if (!settings.cdc || settings.invalidCursor !== 'fail' || selection.logical.size === 0) return;
  const [slot] = await sql`SELECT confirmed_flush_lsn::text AS lsn FROM pg_replication_slots WHERE slot_name = ${settings.tap.replication_slot_name}`;
  if (!slot?.lsn) return; // a missing slot is reported by the engine's set-up check
  const confirmed = parseLsn(String(slot.lsn));
  for (const id of selection.logical) {
    const bookmark = state.bookmarks[id];
    if (bookmark?.last_replication_method !== 'LOG_BASED') continue;
    const lsn = lsnFromBookmark(bookmark.lsn);
    if (lsn !== undefined && lsn < confirmed) {
      const name = selection.streams.get(id);
      throw new InputError(
        'CDC_POSITION_LOST',
        `the saved position ${formatLsn(lsn)} of stream ${name?.namespace}.${name?.name} is older than what slot ${settings.tap.replication_slot_name} still holds (${formatLsn(confirmed)}): ` +
          `changes in between are gone. Reset the stream, or set replication_method.invalid_cdc_cursor_position_behavior to "Re-sync data"`,
      );
    }
  }
}
