/**
 * Tables whose LOG_BASED updates may lack values in the WAL: those with a TOASTable column
 * (storage other than plain) whose rows are written without REPLICA IDENTITY FULL — for a
 * partitioned table, each partition's identity counts, as its rows carry the WAL records. Such
 * values are read back by key (see fill-batch.ts); `--test` and the start of a LOG_BASED run
 * name these tables in a warning line.
 */
import type { TapSql } from '../../db/connect';

export interface ToastTable {
  schema: string;
  name: string;
  columns: string[];
}

export async function toastableWithoutFull(sql: TapSql, tables: ReadonlyArray<{ schema: string; name: string }>): Promise<ToastTable[]> {
  if (tables.length === 0) return [];
  const list = JSON.stringify(tables.map((t) => [t.schema, t.name]));
  const rows = await sql`
    WITH RECURSIVE wanted AS (
      SELECT c.oid, n.nspname::text AS schema_name, c.relname::text AS rel_name, c.relkind
        FROM json_array_elements(${list}::text::json) AS w(v)
        JOIN pg_catalog.pg_namespace n ON n.nspname = w.v ->> 0
        JOIN pg_catalog.pg_class c ON c.relnamespace = n.oid AND c.relname = w.v ->> 1
    ),
    leaves AS (
      SELECT w.schema_name, w.rel_name, w.oid AS parent, w.oid AS leaf, w.relkind FROM wanted w
      UNION ALL
      SELECT l.schema_name, l.rel_name, l.parent, c.oid, c.relkind
        FROM leaves l
        JOIN pg_catalog.pg_inherits i ON i.inhparent = l.leaf
        JOIN pg_catalog.pg_class c ON c.oid = i.inhrelid
       WHERE l.relkind = 'p'
    )
    SELECT l.schema_name, l.rel_name, array_to_json(array_agg(DISTINCT a.attname::text)) AS columns
      FROM leaves l
      JOIN pg_catalog.pg_class lc ON lc.oid = l.leaf
      JOIN pg_catalog.pg_attribute a ON a.attrelid = l.parent AND a.attnum > 0 AND NOT a.attisdropped
     WHERE l.relkind <> 'p' AND a.attstorage <> 'p' AND lc.relreplident <> 'f'
     GROUP BY l.schema_name, l.rel_name
     ORDER BY 1, 2`;
  return rows.map((r) => ({
    schema: String(r.schema_name),
    name: String(r.rel_name),
    columns: (typeof r.columns === 'string' ? JSON.parse(r.columns) : r.columns) as string[],
  }));
}

/** The warning line, or undefined when no table is affected. Pure. */
export function toastWarning(tables: readonly ToastTable[]): string | undefined {
  if (tables.length === 0) return undefined;
  const names = tables.map((t) => `${t.schema}.${t.name} (${t.columns.join(', ')})`).join(', ');
  return (
    `LOG_BASED: table(s) with TOASTable columns and no REPLICA IDENTITY FULL: ${names}; an UPDATE that leaves such a value ` +
    'unchanged does not carry it in the WAL, so the tap reads it back by key (the row\'s current value); ' +
    'ALTER TABLE … REPLICA IDENTITY FULL puts it in the WAL instead'
  );
}
