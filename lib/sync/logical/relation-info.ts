/**
 * What a Relation message does not say, read from the catalogs when one arrives (once per table
 * per pass, and after DDL): the type of each column it carries — its type OID and modifier
 * classified as discovery does (domains resolved, array elements), so a column whose type
 * changed by ALTER TABLE … TYPE is converted and described as the WAL has it, and read-back
 * keys are cast to it — and which columns the table has now (a selected column the Relation
 * leaves out, such as a stored generated column pgoutput does not publish, is read back).
 */
import type { TapSql } from '../../db/connect';
import { classifyColumn } from '../../pg/classify-column';
import type { ColumnType } from '../../pg/types';
import type { Relation } from './pgoutput-decoder';

export interface RelationCatalogInfo {
  /** The type of each Relation column, in its order (undefined for a type no longer known). */
  types: Array<ColumnType | undefined>;
  /** Names of the table's columns now (empty when the table is gone). */
  liveColumns: Set<string>;
}

interface TypeRow {
  ord: string | number;
  sql_type: string;
  sql_datatype: string;
  type_name: string;
  type_schema: string;
  typtype: string;
  is_array: boolean;
  typmod: number;
  delimiter: string;
}

async function relationTypes(sql: TapSql, relation: Relation): Promise<TypeRow[]> {
  // The list travels as JSON text: the tap's connection does not fetch array types.
  const input = JSON.stringify(relation.columns.map((c) => [c.typeOid, c.typeModifier]));
  return (await sql`
    WITH RECURSIVE input AS (
      SELECT e.ord, (e.v ->> 0)::oid AS type_oid, (e.v ->> 1)::int4 AS typmod
        FROM json_array_elements(${input}::text::json) WITH ORDINALITY AS e(v, ord)
    ),
    outer_chain AS (
      SELECT i.ord, i.type_oid AS cur, i.typmod FROM input i
      UNION ALL
      SELECT c.ord, t.typbasetype, CASE WHEN c.typmod = -1 THEN t.typtypmod ELSE c.typmod END
        FROM outer_chain c JOIN pg_catalog.pg_type t ON t.oid = c.cur AND t.typtype = 'd'
    ),
    outer_base AS (
      SELECT c.ord, c.cur AS base_oid, c.typmod FROM outer_chain c JOIN pg_catalog.pg_type t ON t.oid = c.cur AND t.typtype <> 'd'
    ),
    elem AS (
      -- a true array type is its element's typarray (int2vector, oidvector, point are not)
      SELECT o.ord, et.oid AS elem_oid FROM outer_base o
        JOIN pg_catalog.pg_type ot ON ot.oid = o.base_oid
        JOIN pg_catalog.pg_type et ON et.oid = ot.typelem AND et.typarray = ot.oid
    ),
    elem_chain AS (
      SELECT e.ord, e.elem_oid AS cur, -1 AS typmod FROM elem e
      UNION ALL
      SELECT c.ord, t.typbasetype, CASE WHEN c.typmod = -1 THEN t.typtypmod ELSE c.typmod END
        FROM elem_chain c JOIN pg_catalog.pg_type t ON t.oid = c.cur AND t.typtype = 'd'
    ),
    elem_base AS (
      SELECT c.ord, c.cur AS base_oid, c.typmod FROM elem_chain c JOIN pg_catalog.pg_type t ON t.oid = c.cur AND t.typtype <> 'd'
    )
    SELECT i.ord::int4 AS ord,
           pg_catalog.format_type(i.type_oid, i.typmod) AS sql_type,
           pg_catalog.format_type(i.type_oid, NULL) AS sql_datatype,
           vt.typname::text AS type_name, vn.nspname::text AS type_schema, vt.typtype::text AS typtype,
           e.ord IS NOT NULL AS is_array,
           (CASE WHEN e.ord IS NOT NULL THEN coalesce(nullif(o.typmod, -1), eb.typmod, -1) ELSE o.typmod END)::int4 AS typmod,
           vt.typdelim::text AS delimiter
      FROM input i
      JOIN outer_base o ON o.ord = i.ord
      LEFT JOIN elem e ON e.ord = i.ord
      LEFT JOIN elem_base eb ON eb.ord = i.ord
      JOIN pg_catalog.pg_type vt ON vt.oid = CASE WHEN e.ord IS NOT NULL THEN eb.base_oid ELSE o.base_oid END
      JOIN pg_catalog.pg_namespace vn ON vn.oid = vt.typnamespace
     ORDER BY i.ord`) as unknown as TypeRow[];
}

export async function relationCatalogInfo(sql: TapSql, relation: Relation): Promise<RelationCatalogInfo> {
  const types: Array<ColumnType | undefined> = relation.columns.map(() => undefined);
  for (const row of await relationTypes(sql, relation)) {
    const { type, supported } = classifyColumn({
      sqlType: row.sql_type,
      sqlDatatype: row.sql_datatype,
      typeName: row.type_name,
      typeSchema: row.type_schema,
      typtype: row.typtype,
      typmod: Number(row.typmod),
      isArray: row.is_array === true,
      delimiter: row.delimiter,
    });
    if (supported) types[Number(row.ord) - 1] = type;
  }
  const liveRows = await sql`
    SELECT a.attname::text AS name FROM pg_catalog.pg_attribute a
     WHERE a.attrelid = ${String(relation.relationId)}::text::oid AND a.attnum > 0 AND NOT a.attisdropped`;
  return { types, liveColumns: new Set(liveRows.map((r) => String(r.name))) };
}
