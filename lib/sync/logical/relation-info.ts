/**
 * What a Relation message does not say, read from the catalogs when one arrives (once per table
 * per pass, and after DDL): the SQL type of each column it carries (its type OID and modifier as
 * format_type prints them, to compare with the stream's columns and to cast read-back keys), and
 * which columns the table has now (a selected column the Relation leaves out, such as a stored
 * generated column pgoutput does not publish, is read back).
 */
import type { TapSql } from '../../db/connect';
import type { Relation } from './pgoutput-decoder';

export interface RelationInfoFromCatalog {
  /** format_type(typeOid, typeModifier) of each Relation column, in its order. */
  sqlTypes: string[];
  /** Names of the table's columns now (empty when the table is gone). */
  liveColumns: Set<string>;
}

export async function relationCatalogInfo(sql: TapSql, relation: Relation): Promise<RelationInfoFromCatalog> {
  // The lists travel as JSON text: the tap's connection does not fetch array types.
  const types = JSON.stringify(relation.columns.map((c) => [c.typeOid, c.typeModifier]));
  const typeRows = await sql`
    SELECT pg_catalog.format_type((e.v ->> 0)::oid, (e.v ->> 1)::int4) AS sql_type
      FROM json_array_elements(${types}::text::json) WITH ORDINALITY AS e(v, ord) ORDER BY e.ord`;
  const liveRows = await sql`
    SELECT a.attname::text AS name FROM pg_catalog.pg_attribute a
     WHERE a.attrelid = ${String(relation.relationId)}::text::oid AND a.attnum > 0 AND NOT a.attisdropped`;
  return { sqlTypes: typeRows.map((r) => String(r.sql_type)), liveColumns: new Set(liveRows.map((r) => String(r.name))) };
}
