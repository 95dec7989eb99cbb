/**
 * The COPY statements the strategies read from. COPY takes no bind parameters, so values never
 * go into its text: identifiers quoted by `identifier`, page numbers and WAL positions as
 * validated integers, and the INCREMENTAL bookmark through a session setting read back inside
 * the query.
 *
 * Identifiers are quoted here rather than with postgres.js `sql(name)`, which splits a name at
 * every dot (`sql('a.b')` is `"a"."b"`), so a table or column whose name holds a dot would be
 * misread. This is the tap's one quoting of identifiers and literals, also for the replication
 * command and the fixes the LOG_BASED checks suggest.
 */
import type { StreamPlan } from '../catalog/plan';
import type { TapSql } from '../db/connect';

export const BOOKMARK_SETTING = 'tap_postgres_ts.bookmark';

/** A double-quoted SQL identifier: any name, including dots, quotes and unicode. */
export function quoteIdentifier(name: string): string {
  return '"' + name.replace(/"/g, '""') + '"';
}

/** `"schema"."name"`. */
export function quoteQualified(schema: string, name: string): string {
  return `${quoteIdentifier(schema)}.${quoteIdentifier(name)}`;
}

/** A single-quoted SQL string literal (standard_conforming_strings, on since PostgreSQL 9.1). */
export function quoteLiteral(text: string): string {
  return "'" + text.replace(/'/g, "''") + "'";
}

function identifier(sql: TapSql, name: string) {
  return sql.unsafe(quoteIdentifier(name));
}

function table(sql: TapSql, plan: StreamPlan) {
  return sql.unsafe(quoteQualified(plan.relation.schema, plan.relation.name));
}

function columns(sql: TapSql, plan: StreamPlan) {
  return sql.unsafe(plan.columns.map((c) => quoteIdentifier(c.name)).join(', '));
}

function pageTid(sql: TapSql, page: number) {
  if (!Number.isSafeInteger(page) || page < 0) throw new RangeError(`invalid heap page ${page}`);
  return sql.unsafe(`'(${page},0)'::tid`);
}

/** Every row from heap page `fromPage` on, in physical order (a TID range scan), ctid last. */
export function fullTableFromPage(sql: TapSql, plan: StreamPlan, fromPage: number) {
  return sql`COPY (SELECT ${columns(sql, plan)}, ctid FROM ONLY ${table(sql, plan)} WHERE ctid >= ${pageTid(sql, fromPage)}) TO STDOUT`;
}

/** Every row, no resume position (views, partitioned and foreign tables, servers before 14). */
export function fullTablePlain(sql: TapSql, plan: StreamPlan) {
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
export function incrementalRows(sql: TapSql, plan: StreamPlan, key: string, hasBookmark: boolean) {
  const k = identifier(sql, key);
  if (!hasBookmark) {
    const keyNotNull = plan.columns.some((column) => column.name === key && column.notNull);
    const nulls = sql.unsafe(keyNotNull ? '' : ' NULLS FIRST');
    return sql`COPY (SELECT ${columns(sql, plan)} FROM ${table(sql, plan)} ORDER BY ${k} ASC${nulls}) TO STDOUT`;
  }
  const bound = sql`(json_populate_record(NULL::${table(sql, plan)}, current_setting(${sql.unsafe(`'${BOOKMARK_SETTING}'`)})::json)).${k}`;
  return sql`COPY (SELECT ${columns(sql, plan)} FROM ${table(sql, plan)} WHERE ${k} >= ${bound} ORDER BY ${k} ASC) TO STDOUT`;
}

/**
 * A LOG_BASED snapshot: every row, and as its last field the WAL position captured before the
 * snapshot (`lsn`, an integer the tap made).
 */
export function snapshotRows(sql: TapSql, plan: StreamPlan, changeColumns: readonly string[]) {
  const select = sql.unsafe([...plan.columns.map((c) => quoteIdentifier(c.name)), ...changeColumns].join(', '));
  return sql`COPY (SELECT ${select} FROM ${table(sql, plan)}) TO STDOUT`;
}
