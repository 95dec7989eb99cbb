/**
 * RelationInfo[] → Singer catalog (contract: schemas/singer/catalog.schema.json). Pure: no I/O.
 * The user's choices (`selected`, `replication-method`, …) are never written here; the user adds
 * them.
 */
import { streamId, type CatalogStream, type MetadataEntry, type SingerCatalog } from '../catalog/types';
import { tableSchema } from '../catalog/type-map';
import { isCursorCapable } from '../pg/classify-column';
import { isViewKind, type ColumnInfo, type RelationInfo } from '../pg/types';

export interface CatalogOptions {
  databaseName: string;
  jsonAsObject: boolean;
  /** Several databases are discovered: ids are `<database>-<schema>-<table>` (singer-io's form). */
  databaseInId?: boolean;
}

function columnEntry(column: ColumnInfo, keys: ReadonlySet<string>): MetadataEntry {
  let inclusion = 'available';
  if (!column.supported) inclusion = 'unsupported';
  else if (keys.has(column.name)) inclusion = 'automatic';
  return {
    breadcrumb: ['properties', column.name],
    metadata: {
      'sql-datatype': column.type.sqlDatatype ?? column.type.sqlType,
      inclusion,
      'selected-by-default': column.supported,
    },
  };
}

function streamEntry(relation: RelationInfo, keys: string[], options: CatalogOptions): MetadataEntry {
  const metadata: Record<string, unknown> = {
    'schema-name': relation.schema,
    'database-name': options.databaseName,
    'table-key-properties': keys,
    'is-view': isViewKind(relation.kind),
    'row-count': Math.max(0, Math.round(relation.rowEstimate)),
  };
  if (isViewKind(relation.kind)) metadata['forced-replication-method'] = 'FULL_TABLE';
  metadata['valid-replication-keys'] = relation.columns
    .filter((column) => column.supported && isCursorCapable(column.type))
    .map((column) => column.name);
  return { breadcrumb: [], metadata };
}

/** One catalog stream for one relation; columns in attnum order. */
export function buildStream(relation: RelationInfo, options: CatalogOptions): CatalogStream {
  const id = options.databaseInId ? `${options.databaseName}-${streamId(relation.schema, relation.name)}` : streamId(relation.schema, relation.name);
  const columns = [...relation.columns].sort((a, b) => a.position - b.position);
  const names = new Set(columns.map((column) => column.name));
  // A key the user cannot read in full identifies nothing: no key then.
  const readableKey = relation.primaryKey.every((name) => names.has(name));
  const keys = isViewKind(relation.kind) || !readableKey ? [] : [...relation.primaryKey];
  const keySet = new Set(keys);
  return {
    tap_stream_id: id,
    stream: id,
    table_name: relation.name,
    schema: tableSchema(columns, { jsonAsObject: options.jsonAsObject }),
    metadata: [streamEntry(relation, keys, options), ...columns.map((column) => columnEntry(column, keySet))],
    key_properties: keys,
  };
}

function compareIds(a: CatalogStream, b: CatalogStream): number {
  if (a.tap_stream_id < b.tap_stream_id) return -1;
  return a.tap_stream_id > b.tap_stream_id ? 1 : 0;
}

/** The whole catalog, streams sorted by tap_stream_id (UTF-16 code-unit order, the same in every locale). */
export function buildCatalog(relations: readonly RelationInfo[], options: CatalogOptions): SingerCatalog {
  return { streams: relations.map((relation) => buildStream(relation, options)).sort(compareIds) };
}

/** The catalogs of several databases as one, streams sorted by tap_stream_id. */
export function mergeCatalogs(catalogs: readonly SingerCatalog[]): SingerCatalog {
  return { streams: catalogs.flatMap((catalog) => catalog.streams).sort(compareIds) };
}
