/**
 * A small upserting Singer loader, loading as the PostgreSQL targets people use do
 * (pipelinewise-target-postgres, datamill-co target-postgres): each RECORD replaces the whole
 * row with its key — every column of the target table, NULL for a key the record leaves out —
 * and a record with `_sdc_deleted_at` set deletes the row. Used to check what a target ends
 * up with, not just what the tap wrote.
 */
import type postgres from 'postgres';

export interface UpsertTable {
  /** Qualified, quoted target table name. */
  table: string;
  key: string[];
  columns: string[];
}

const quote = (name: string) => '"' + name.replace(/"/g, '""') + '"';

export async function loadUpserting(sql: postgres.Sql, messages: Array<Record<string, any>>, stream: string, target: UpsertTable): Promise<number> {
  const cols = target.columns.map(quote).join(', ');
  const params = target.columns.map((_, i) => `$${i + 1}`).join(', ');
  const update = target.columns.filter((c) => !target.key.includes(c)).map((c) => `${quote(c)} = EXCLUDED.${quote(c)}`).join(', ');
  const upsert = `INSERT INTO ${target.table} (${cols}) VALUES (${params}) ON CONFLICT (${target.key.map(quote).join(', ')}) DO UPDATE SET ${update}`;
  const remove = `DELETE FROM ${target.table} WHERE ${target.key.map((k, i) => `${quote(k)} = $${i + 1}`).join(' AND ')}`;
  let loaded = 0;
  for (const message of messages) {
    if (message.type !== 'RECORD' || message.stream !== stream) continue;
    const record = message.record as Record<string, unknown>;
    const value = (v: unknown) => (v === undefined || v === null ? null : typeof v === 'object' ? JSON.stringify(v) : v);
    if (record._sdc_deleted_at) await sql.unsafe(remove, target.key.map((k) => value(record[k])) as any[]);
    else await sql.unsafe(upsert, target.columns.map((c) => value(record[c])) as any[]);
    loaded += 1;
  }
  return loaded;
}

/**
 * The same loading in memory, for many messages: rows by key (the key values joined), each the
 * last record's `columns`. ACTIVATE_VERSION drops the rows written by records of an older table
 * version, as targets that honour it do.
 */
export function applyUpserting(messages: Iterable<Record<string, any>>, stream: string, key: string[], columns: string[]): Map<string, Record<string, unknown>> {
  const rows = new Map<string, { version: number; row: Record<string, unknown> }>();
  for (const message of messages) {
    if (message.stream !== stream) continue;
    if (message.type === 'ACTIVATE_VERSION') {
      for (const [k, entry] of rows) if (entry.version < message.version) rows.delete(k);
    }
    if (message.type !== 'RECORD') continue;
    const record = message.record as Record<string, unknown>;
    const id = key.map((k) => JSON.stringify(record[k])).join(',');
    if (record._sdc_deleted_at) rows.delete(id);
    else rows.set(id, { version: message.version, row: Object.fromEntries(columns.map((c) => [c, record[c] ?? null])) });
  }
  return new Map([...rows].map(([k, entry]) => [k, entry.row]));
}
