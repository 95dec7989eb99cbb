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

/**
 * The stream's row filter and limit from the config (stream_options custom_where_clauses: the
 * user's own SQL, checked to be one expression each; max_record_count / limit: integers), as
 * `extra AND (c1) AND (c2)` and ` LIMIT n`.
 */
function bounded(plan: StreamPlan, extra?: string): { where: string; limit: string } {
  const conditions = [...(extra ? [extra] : []), ...(plan.bounds?.where ?? []).map((clause) => `(${clause})`)];
  const limit = plan.bounds?.limit;
  if (limit !== undefined && (!Number.isSafeInteger(limit) || limit < 1)) throw new RangeError(`invalid row limit ${limit}`);
  return {
    where: conditions.length > 0 ? ` WHERE ${conditions.join(' AND ')}` : '',
    limit: limit !== undefined ? ` LIMIT ${limit}` : '',
  };
}

/** True when the config filters or limits the stream's rows: FULL_TABLE then reads with a plain scan. */
export function isBounded(plan: StreamPlan): boolean {
  return plan.bounds?.where !== undefined || plan.bounds?.limit !== undefined;
}

/** Every row from heap page `fromPage` on, in physical order (a TID range scan), ctid last. */
export function fullTableFromPage(sql: TapSql, plan: StreamPlan, fromPage: number) {
  return sql`COPY (SELECT ${columns(sql, plan)}, ctid FROM ONLY ${table(sql, plan)} WHERE ctid >= ${pageTid(sql, fromPage)}) TO STDOUT`;
}

/**
 * Every row, no resume position (views, partitioned and foreign tables, servers before 14, and
 * streams the config filters or limits).
 */
export function fullTablePlain(sql: TapSql, plan: StreamPlan) {
  const { where, limit } = bounded(plan);
  return sql`COPY (SELECT ${columns(sql, plan)} FROM ${table(sql, plan)}${sql.unsafe(where + limit)}) TO STDOUT`;
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
  const k = quoteIdentifier(key);
  if (!hasBookmark) {
    const keyNotNull = plan.columns.some((column) => column.name === key && column.notNull);
    const { where, limit } = bounded(plan);
    const order = sql.unsafe(`${where} ORDER BY ${k} ASC${keyNotNull ? '' : ' NULLS FIRST'}${limit}`);
    return sql`COPY (SELECT ${columns(sql, plan)} FROM ${table(sql, plan)}${order}) TO STDOUT`;
  }
  const bound = `(json_populate_record(NULL::${quoteQualified(plan.relation.schema, plan.relation.name)}, current_setting('${BOOKMARK_SETTING}')::json)).${k}`;
  const { where, limit } = bounded(plan, `${k} >= ${bound}`);
  return sql`COPY (SELECT ${columns(sql, plan)} FROM ${table(sql, plan)}${sql.unsafe(`${where} ORDER BY ${k} ASC${limit}`)}) TO STDOUT`;
}

/**
 * A LOG_BASED snapshot: every row, and as its last field the WAL position captured before the
 * snapshot (`lsn`, an integer the tap made).
 */
export function snapshotRows(sql: TapSql, plan: StreamPlan, changeColumns: readonly string[]) {
  const select = sql.unsafe([...plan.columns.map((c) => quoteIdentifier(c.name)), ...changeColumns].join(', '));
  return sql`COPY (SELECT ${select} FROM ${table(sql, plan)}) TO STDOUT`;
}
