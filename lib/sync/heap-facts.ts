/**
 * What FULL_TABLE needs to know about each heap before reading it, for every selected table in
 * one query instead of two round trips per table: its file node, whether it can be read by TID
 * range and resumed there, its size in pages, and one snapshot horizon for the run.
 *
 * The horizon is taken before any table of the run is read, so it is older than each table's
 * own COPY snapshot: a resumed run then treats at least every row version it must as newer
 * (lib/sync/full-table-resume.ts), and perhaps a few more (sent twice, never lost). A stream that
 * resumes a position asks again when it starts (the file node it resumes must be the live one).
 */
import type { StreamPlan } from '../catalog/plan';
import type { TapSql } from '../db/connect';

export interface HeapInfo {
  relfilenode: number;
  resumable: boolean;
  /** The heap's pages as of the last VACUUM / ANALYZE (relpages), for progress; no lock taken. */
  pages: number;
  /** The heap's pages now (pg_relation_size, which takes a lock), when asked for: for slicing. */
  size?: number;
}

export interface HeapFacts {
  heaps: ReadonlyMap<number, HeapInfo>;
  /** 64-bit xid: the xmin of a snapshot taken before any table of the run was read. */
  horizon?: number;
}

interface HeapRow {
  oid: string;
  filenode: string | null;
  has_children: boolean;
  version_num: number;
  pages: string;
  size: string | null;
  kind: string;
}

export function heapInfoOf(row: HeapRow | undefined): HeapInfo {
  const filenode = row ? Number(row.filenode ?? 0) : 0;
  const plainHeap = row?.kind === 'r' || row?.kind === 'm';
  const resumable = Boolean(row) && plainHeap && row?.has_children === false && Number(row?.version_num) >= 140000 && filenode > 0;
  const size = row?.size === null || row?.size === undefined ? undefined : Number(row.size);
  return { relfilenode: filenode, resumable, pages: row ? Number(row.pages ?? 0) : 0, size };
}

/**
 * The heaps of `oids` (a table gone since the plan has none); `withSize` also asks each one's
 * size now, which locks it (so never for all the tables of a run at once).
 */
export async function heapRows(sql: TapSql, oids: readonly number[], withSize = false): Promise<HeapRow[]> {
  // The list travels as one JSON text parameter: array parameters need postgres.js's type fetching.
  return (await sql`
    SELECT c.oid::int8::text AS oid, pg_relation_filenode(c.oid)::int8::text AS filenode,
           c.relhassubclass AS has_children, current_setting('server_version_num')::int AS version_num,
           c.relpages::int8::text AS pages, c.relkind::text AS kind,
           CASE WHEN ${withSize}::bool THEN (pg_relation_size(c.oid) / current_setting('block_size')::int8)::text END AS size
      FROM pg_class c
     WHERE c.oid IN (SELECT json_array_elements_text(${JSON.stringify(oids)}::text::json)::int8::oid)`) as unknown as HeapRow[];
}

/** The facts of the FULL_TABLE streams among `plans` (none: an empty map, no query). */
export async function heapFacts(sql: TapSql, plans: readonly StreamPlan[]): Promise<HeapFacts> {
  const oids = plans.filter((p) => p.method === 'FULL_TABLE').map((p) => p.relation.oid);
  if (oids.length === 0) return { heaps: new Map() };
  const rows = await heapRows(sql, oids);
  const heaps = new Map(rows.map((row) => [Number(row.oid), heapInfoOf(row)]));
  if (![...heaps.values()].some((heap) => heap.resumable)) return { heaps };
  const [row] = await sql`SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS xmin`;
  return { heaps, horizon: Number(row.xmin) };
}
