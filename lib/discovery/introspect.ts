/**
 * The discovery query: ONE pg_catalog query for the whole database (one row per readable column,
 * or one row with null column fields for a readable relation without readable columns). Domains
 * are resolved to their base type through a recursive CTE over pg_type, so the per-column work is
 * a couple of hash joins and a privilege check — 5,000 tables × 10 columns take well under 3 s.
 */
import type { TapConfig } from '../config/types';
import type { TapSql } from '../db/connect';
import { classifyColumn, type RawColumnType } from '../pg/classify-column';
import type { ColumnInfo, RelationInfo, RelationKind } from '../pg/types';

/** One row of the discovery query (column fields are null for a relation without columns). */
interface DiscoveryRow {
  rel_oid: string | number;
  schema_name: string;
  rel_name: string;
  rel_kind: string;
  row_estimate: string | number;
  /** json: parsed by postgres.js unless the connection turned json parsing off. */
  primary_key: string[] | string | null;
  column_name: string | null;
  attnum: number | null;
  not_null: boolean | null;
  sql_type: string | null;
  sql_datatype: string | null;
  typmod: number | null;
  type_name: string | null;
  type_schema: string | null;
  typtype: string | null;
  is_array: boolean | null;
  delimiter: string | null;
}

/** Hands each row to `onRow` as it arrives: thousands of tables' rows are never held at once. */
async function eachRow(sql: TapSql, schemas: string[] | null, onRow: (row: DiscoveryRow) => void): Promise<void> {
  // The list travels as one JSON text parameter: array parameters need postgres.js's type
  // fetching, which the tap's connection turns off.
  const schemaFilter = schemas
    ? sql`AND n.nspname::text IN (SELECT json_array_elements_text(${JSON.stringify(schemas)}::text::json))`
    : sql``;
  await sql`
    WITH RECURSIVE domain_chain AS (
      SELECT t.oid AS domain_oid, t.typbasetype AS base_oid, t.typtypmod AS typmod, t.typnotnull AS not_null
        FROM pg_catalog.pg_type t WHERE t.typtype = 'd'
      UNION ALL
      SELECT d.domain_oid, t.typbasetype,
             CASE WHEN d.typmod = -1 THEN t.typtypmod ELSE d.typmod END, d.not_null OR t.typnotnull
        FROM domain_chain d JOIN pg_catalog.pg_type t ON t.oid = d.base_oid AND t.typtype = 'd'
    ),
    resolved AS (
      SELECT d.domain_oid AS type_oid, d.base_oid, d.typmod, d.not_null
        FROM domain_chain d JOIN pg_catalog.pg_type t ON t.oid = d.base_oid AND t.typtype <> 'd'
    ),
    rels AS (
      SELECT c.oid, n.nspname, c.relname, c.relkind, c.reltuples
        FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
       WHERE c.relkind IN ('r', 'v', 'm', 'p', 'f')
         AND n.nspname NOT IN ('pg_catalog', 'information_schema')
         AND n.nspname !~ '^pg_toast' AND n.nspname !~ '^pg_temp'
         AND pg_catalog.has_schema_privilege(n.oid, 'USAGE')
         AND (pg_catalog.has_table_privilege(c.oid, 'SELECT')
              OR pg_catalog.has_any_column_privilege(c.oid, 'SELECT'))
         ${schemaFilter}
    ),
    pkeys AS (
      SELECT i.indrelid,
             json_agg(a.attname::text ORDER BY k.ord) AS columns
        FROM pg_catalog.pg_index i
        JOIN rels r ON r.oid = i.indrelid
        CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
        JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
       WHERE i.indisprimary
       GROUP BY i.indrelid
    ),
    cols AS (
      SELECT a.attrelid, a.attname, a.attnum, a.attnotnull OR coalesce(rd.not_null, false) AS not_null,
             pg_catalog.format_type(a.atttypid, a.atttypmod) AS sql_type,
             pg_catalog.format_type(a.atttypid, NULL) AS sql_datatype,
             coalesce(rt.oid, t.oid) AS outer_oid,
             coalesce(nullif(a.atttypmod, -1), rd.typmod, -1) AS outer_typmod
        FROM pg_catalog.pg_attribute a
        JOIN rels r ON r.oid = a.attrelid
        JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
        LEFT JOIN resolved rd ON rd.type_oid = t.oid
        LEFT JOIN pg_catalog.pg_type rt ON rt.oid = rd.base_oid
       WHERE a.attnum > 0 AND NOT a.attisdropped
         AND pg_catalog.has_column_privilege(a.attrelid, a.attnum, 'SELECT')
    ),
    typed AS (
      SELECT c.*, et.oid IS NOT NULL AS is_array,
             CASE WHEN et.oid IS NOT NULL THEN coalesce(er.base_oid, et.oid) ELSE c.outer_oid END AS value_oid,
             CASE WHEN et.oid IS NOT NULL THEN coalesce(nullif(c.outer_typmod, -1), er.typmod, -1)
                  ELSE c.outer_typmod END AS value_typmod
        FROM cols c
        JOIN pg_catalog.pg_type ot ON ot.oid = c.outer_oid
        -- a true array type is its element's typarray (int2vector, oidvector, point are not)
        LEFT JOIN pg_catalog.pg_type et ON et.oid = ot.typelem AND et.typarray = ot.oid
        LEFT JOIN resolved er ON er.type_oid = et.oid
    )
    SELECT r.oid::int8::text AS rel_oid, r.nspname::text AS schema_name, r.relname::text AS rel_name,
           r.relkind::text AS rel_kind, greatest(r.reltuples, 0)::float8 AS row_estimate,
           pk.columns AS primary_key,
           c.attname::text AS column_name, c.attnum::int4 AS attnum, c.not_null,
           c.sql_type, c.sql_datatype, c.value_typmod::int4 AS typmod,
           vt.typname::text AS type_name, vn.nspname::text AS type_schema, vt.typtype::text AS typtype,
           c.is_array, vt.typdelim::text AS delimiter
      FROM rels r
      LEFT JOIN pkeys pk ON pk.indrelid = r.oid
      LEFT JOIN typed c ON c.attrelid = r.oid
      LEFT JOIN pg_catalog.pg_type vt ON vt.oid = c.value_oid
      LEFT JOIN pg_catalog.pg_namespace vn ON vn.oid = vt.typnamespace
     ORDER BY r.nspname, r.relname, c.attnum
  `.forEach((row) => onRow(row as unknown as DiscoveryRow));
}

function parseKey(value: string[] | string | null): string[] {
  if (value === null) return [];
  return typeof value === 'string' ? (JSON.parse(value) as string[]) : value;
}

/** One ColumnType per distinct type: the columns of thousands of tables share a few. */
type TypeCache = Map<string, ReturnType<typeof classifyColumn>>;

function toColumn(row: DiscoveryRow, types: TypeCache): ColumnInfo {
  const raw: RawColumnType = {
    sqlType: row.sql_type ?? '',
    sqlDatatype: row.sql_datatype ?? '',
    typeName: row.type_name ?? '',
    typeSchema: row.type_schema ?? '',
    typtype: row.typtype ?? '',
    typmod: Number(row.typmod ?? -1),
    isArray: row.is_array === true,
    delimiter: row.delimiter ?? ',',
  };
  const key = [raw.sqlType, raw.sqlDatatype, raw.typeName, raw.typeSchema, raw.typtype, raw.typmod, raw.isArray, raw.delimiter].join('\u0000');
  let classified = types.get(key);
  if (!classified) types.set(key, (classified = classifyColumn(raw)));
  const { type, supported } = classified;
  return { name: row.column_name ?? '', position: Number(row.attnum), type, notNull: row.not_null === true, supported };
}

/** Every relation (r, v, m, p, f) and column the connected user may read, sorted by schema, table, attnum. */
export async function introspect(sql: TapSql, config: Pick<TapConfig, 'filter_schemas'>): Promise<RelationInfo[]> {
  const schemas = config.filter_schemas && config.filter_schemas.length > 0 ? config.filter_schemas : null;
  const relations: RelationInfo[] = [];
  const types: TypeCache = new Map();
  let current: RelationInfo | undefined;
  await eachRow(sql, schemas, (row) => {
    const oid = Number(row.rel_oid);
    if (!current || current.oid !== oid) {
      current = {
        oid,
        schema: row.schema_name,
        name: row.rel_name,
        kind: row.rel_kind as RelationKind,
        rowEstimate: Math.max(0, Math.round(Number(row.row_estimate))),
        primaryKey: parseKey(row.primary_key),
        columns: [],
      };
      relations.push(current);
    }
    if (row.column_name !== null) current.columns.push(toColumn(row, types));
  });
  return relations;
}
