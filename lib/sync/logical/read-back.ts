/**
 * Reads back, by key, the current values of columns a change did not carry (an unchanged
 * TOASTed value, a stored generated column pgoutput does not publish): ONE query for a batch of
 * rows of one table. The keys travel as one JSON text parameter, never in the SQL text; each is
 * cast to its column's type, so the key's index serves the join. Values come back as the
 * server's text (`raw()`), as the WAL and COPY give them, for the one value converter.
 */
import type { TapSql } from '../../db/connect';
import { SyncError } from '../../errors';
import { quoteIdentifier, quoteQualified } from '../queries';
import type { TupleValue } from './pgoutput-decoder';

export interface ReadBackTable {
  schema: string;
  name: string;
  /** A partitioned table's rows are in its partitions: read without ONLY. */
  partitioned: boolean;
  /** The key columns and their SQL types (format_type). */
  key: ReadonlyArray<{ name: string; sqlType: string }>;
}

/** Server errors that mean the rows cannot be read any more (table or column dropped or renamed). */
const GONE_CODES = new Set(['42P01', '42703']);

/**
 * `keys`: the key values (server text) of each row; returns, per index into `keys`, the values
 * of `columns` in that order, or nothing for a row that no longer exists. `undefined` when the
 * table or a column is gone.
 */
export async function readBack(
  sql: TapSql,
  table: ReadBackTable,
  columns: readonly string[],
  keys: ReadonlyArray<readonly string[]>,
): Promise<Map<number, TupleValue[]> | undefined> {
  const join = table.key.map((k, i) => `t.${quoteIdentifier(k.name)} = (k.v ->> ${i})::${k.sqlType}`).join(' AND ');
  const selected = columns.map((c) => `t.${quoteIdentifier(c)}`).join(', ');
  const text =
    `SELECT (k.ord - 1)::int4, ${selected} FROM jsonb_array_elements($1::text::jsonb) WITH ORDINALITY AS k(v, ord) ` +
    `JOIN ${table.partitioned ? '' : 'ONLY '}${quoteQualified(table.schema, table.name)} AS t ON ${join}`;
  let rows: Array<Array<Buffer | null>>;
  try {
    rows = (await sql.unsafe(text, [JSON.stringify(keys)]).raw()) as unknown as Array<Array<Buffer | null>>;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && GONE_CODES.has(code)) return undefined;
    if (typeof code === 'string') throw new SyncError('READ_BACK', `reading back ${table.schema}.${table.name} by key failed: ${code} ${(error as Error).message}`);
    throw error;
  }
  const found = new Map<number, TupleValue[]>();
  for (const row of rows) {
    found.set(Number(String(row[0])), row.slice(1).map((v) => (v === null ? null : v.toString('utf8'))));
  }
  return found;
}
