/**
 * `dates_as_string` (as the MeltanoLabs tap): date, timestamp and timestamptz columns, and arrays
 * of them, are typed and sent as the server's own text (`2024-01-01 10:00:00+00`, `4713-04-03 BC`,
 * `infinity`) instead of ISO 8601 date-times. The columns become text-like (`string` values),
 * so the SCHEMA, the COPY and LOG_BASED values and an INCREMENTAL bookmark all follow; the
 * server still compares a bookmark in the column's own type.
 */
import type { ColumnInfo, RelationInfo, RelationLookup, ValueKind } from '../pg/types';

const DATE_KINDS: ReadonlySet<ValueKind> = new Set(['date', 'timestamp', 'timestamptz']);

function asText(column: ColumnInfo): ColumnInfo {
  return DATE_KINDS.has(column.type.kind) ? { ...column, type: { ...column.type, kind: 'string' } } : column;
}

export function datesAsText(relations: readonly RelationInfo[]): RelationInfo[] {
  return relations.map((relation) => ({ ...relation, columns: relation.columns.map(asText) }));
}

/** The same lookup, its relations' date columns as text. */
export function datesAsTextLookup(lookup: RelationLookup): RelationLookup {
  return async (schemas) => datesAsText(await lookup(schemas));
}
