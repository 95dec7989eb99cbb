/**
 * A stream's columns and SCHEMA from the live table, restricted to the catalog's selection. Pure.
 * The catalog says which columns are wanted; the live table says what they are now, so the SCHEMA
 * always describes the records: a column whose type changed since discovery gets its live type
 * (and a warning naming the old and new type), a column added since discovery is sent typed (and
 * nullable) when `new_columns` is `include` (the default, as a rediscovery would select it) and
 * left out when it is `ignore`, and a selected column that no longer exists is left out with a
 * warning.
 */
import type { TapConfig } from '../config/types';
import type { ColumnInfo, RelationInfo } from '../pg/types';
import { columnMetadata, type MetadataMap } from './metadata';
import { tableSchema } from './type-map';
import type { CatalogStream, JsonSchema } from './types';

export interface LiveColumns {
  /** Selected columns, in table order. */
  columns: ColumnInfo[];
  /** The SCHEMA of those columns, from their live types and nullability. */
  schema: JsonSchema;
  /** What changed since discovery, one line each (the caller prefixes the stream). */
  warnings: string[];
}

/** The columns the catalog knows: a `["properties", name]` breadcrumb or a schema property. */
function catalogColumns(stream: CatalogStream, meta: MetadataMap): Set<string> {
  const names = new Set(Object.keys((stream.schema.properties ?? {}) as Record<string, unknown>));
  for (const key of meta.keys()) {
    const breadcrumb = JSON.parse(key) as unknown[];
    if (breadcrumb.length === 2 && breadcrumb[0] === 'properties') names.add(String(breadcrumb[1]));
  }
  return names;
}

function isKnownSelected(meta: MetadataMap, name: string, keys: readonly string[]): boolean {
  const m = columnMetadata(meta, name);
  if (m.inclusion === 'unsupported') return false;
  if (keys.includes(name) || m.inclusion === 'automatic') return true;
  if (typeof m.selected === 'boolean') return m.selected;
  return m['selected-by-default'] !== false;
}

/** The type as the catalog's `sql-datatype` writes it. */
function liveDatatype(column: ColumnInfo): string {
  return column.type.sqlDatatype ?? column.type.sqlType;
}

/** `keys`: key properties and the replication key, always sent. */
export function liveColumns(stream: CatalogStream, meta: MetadataMap, relation: RelationInfo, keys: readonly string[], config: TapConfig): LiveColumns {
  const known = catalogColumns(stream, meta);
  const warnings: string[] = [];
  const columns: ColumnInfo[] = [];
  const added: string[] = [];
  for (const column of relation.columns) {
    if (!column.supported) continue;
    if (!known.has(column.name)) {
      if (config.new_columns === 'ignore' && !keys.includes(column.name)) continue;
      columns.push(column);
      added.push(`${column.name} (${liveDatatype(column)})`);
      continue;
    }
    if (!isKnownSelected(meta, column.name, keys)) continue;
    columns.push(column);
    const was = columnMetadata(meta, column.name)['sql-datatype'];
    if (typeof was === 'string' && was !== liveDatatype(column)) {
      warnings.push(`column ${column.name} changed type since discovery, from ${was} to ${liveDatatype(column)}; it is sent with its new type`);
    }
  }
  if (added.length > 0) {
    warnings.push(
      config.new_columns === 'ignore'
        ? `column(s) ${added.join(', ')} added since discovery are sent because they are keys`
        : `column(s) ${added.join(', ')} added since discovery are sent (new_columns: include)`,
    );
  }
  const live = new Set(relation.columns.map((c) => c.name));
  for (const name of known) {
    if (!live.has(name) && isKnownSelected(meta, name, [])) {
      warnings.push(`selected column ${name} no longer exists; the stream goes on without it`);
    }
  }
  // An added column is nullable in the SCHEMA: a target's rows written before it existed have none.
  const described = columns.map((c) => (known.has(c.name) ? c : { ...c, notNull: false }));
  return { columns, schema: tableSchema(described, { jsonAsObject: config.json_as_object }), warnings };
}
