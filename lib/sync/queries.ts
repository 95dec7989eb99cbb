/**
 * The COPY statements the strategies read from. COPY takes no bind parameters, so values never
 * go into its text: identifiers quoted by `identifier`, page numbers as validated integers, and
 * the INCREMENTAL bookmark through a session setting read back inside the query.
 *
 * Identifiers are quoted here rather than with postgres.js `sql(name)`, which splits a name at
 * every dot (`sql('a.b')` is `"a"."b"`), so a table or column whose name holds a dot would be
 * misread.
 */
import type { Sql } from 'postgres';
import type { StreamPlan } from '../catalog/plan';

export const BOOKMARK_SETTING = 'tap_postgres_ts.bookmark';

type AnySql = Sql<Record<string, unknown>>;

/** A double-quoted SQL identifier: any name, including dots, quotes and unicode. */
export function quoteIdentifier(name: string): string {
  return '"' + name.replace(/"/g, '""') + '"';
}

function identifier(sql: AnySql, name: string) {
  return sql.unsafe(quoteIdentifier(name));
}

function table(sql: AnySql, plan: StreamPlan) {
  return sql.unsafe(`${quoteIdentifier(plan.relation.schema)}.${quoteIdentifier(plan.relation.name)}`);
}

function columns(sql: AnySql, plan: StreamPlan) {
  return sql.unsafe(plan.columns.map((c) => quoteIdentifier(c.name)).join(', '));
}

function pageTid(sql: AnySql, page: number) {
  if (!Number.isSafeInteger(page) || page < 0) throw new RangeError(`invalid heap page ${page}`);
  return sql.unsafe(`'(${page},0)'::tid`);
}

/** Every row from heap page `fromPage` on, in physical order (a TID range scan), ctid last. */
export function fullTableFromPage(sql: AnySql, plan: StreamPlan, fromPage: number) {
  return sql`COPY (SELECT ${columns(sql, plan)}, ctid FROM ONLY ${table(sql, plan)} WHERE ctid >= ${pageTid(sql, fromPage)}) TO STDOUT`;
}

/** Every row, no resume position (views, partitioned and foreign tables, servers before 14). */
export function fullTablePlain(sql: AnySql, plan: StreamPlan) {
  return sql`COPY (SELECT ${columns(sql, plan)} FROM ${table(sql, plan)}) TO STDOUT`;
}

/**
 * Rows whose replication key is >= the bookmark, in key order. The bookmark is a JSON object
 * `{key: value}` in the session setting; json_populate_record casts it to the column's own type
 * (timestamps to the microsecond, numerics exactly, text in the column's collation).
 * Without a bookmark every row comes, NULL keys first. When the key column is NOT NULL that is
 * plain `ORDER BY key` (the same order), which a btree index on the key serves as it is: rows
 * stream from the first one, where `NULLS FIRST` would make the server sort the whole table
 * before sending any (the planner still chooses a sort when that is cheaper).
 */
export function incrementalRows(sql: AnySql, plan: StreamPlan, key: string, hasBookmark: boolean) {
  const k = identifier(sql, key);
  if (!hasBookmark) {
    const keyNotNull = plan.columns.some((column) => column.name === key && column.notNull);
    const nulls = sql.unsafe(keyNotNull ? '' : ' NULLS FIRST');
    return sql`COPY (SELECT ${columns(sql, plan)} FROM ${table(sql, plan)} ORDER BY ${k} ASC${nulls}) TO STDOUT`;
  }
  const bound = sql`(json_populate_record(NULL::${table(sql, plan)}, current_setting(${sql.unsafe(`'${BOOKMARK_SETTING}'`)})::json)).${k}`;
  return sql`COPY (SELECT ${columns(sql, plan)} FROM ${table(sql, plan)} WHERE ${k} >= ${bound} ORDER BY ${k} ASC) TO STDOUT`;
}
