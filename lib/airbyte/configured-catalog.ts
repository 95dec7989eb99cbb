/**
 * A ConfiguredAirbyteCatalog → the engine's selection: a Singer catalog (built from the live
 * relations by the tap's own catalog builder) with each configured stream selected, its
 * method (full_refresh → FULL_TABLE, incremental → INCREMENTAL on the cursor, or LOG_BASED in
 * CDC mode) and its columns (those in the configured json_schema's properties). Pure; every
 * problem is an InputError naming the stream.
 */
import { streamId, type CatalogStream, type SingerCatalog } from '../catalog/types';
import { buildStream } from '../discovery/catalog-builder';
import { isViewKind, type RelationInfo } from '../pg/types';
import { InputError } from '../errors';
import { CDC_DELETED_AT, CDC_LSN, CDC_UPDATED_AT } from './json-schema';
import type { ConfiguredAirbyteCatalog, ConfiguredAirbyteStream, StreamDescriptor } from './types';

export interface ReadSelection {
  catalog: SingerCatalog;
  /** Singer stream id → Airbyte stream. */
  streams: Map<string, StreamDescriptor>;
  /** Ids read LOG_BASED. */
  logical: Set<string>;
  /** Each stream's relation, by id. */
  relations: Map<string, RelationInfo>;
}

const SYNC_MODES = ['full_refresh', 'incremental'];
const DESTINATION_SYNC_MODES = ['append', 'overwrite', 'append_dedup', 'update', 'soft_delete'];
const CDC_COLUMNS = new Set([CDC_LSN, CDC_UPDATED_AT, CDC_DELETED_AT]);

function fail(message: string): never {
  throw new InputError('BAD_CATALOG', `catalog: ${message}`);
}

function isObject(value: unknown): value is Record<string, any> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Checks the shape the protocol requires of a configured catalog. */
export function parseConfiguredCatalog(input: unknown): ConfiguredAirbyteCatalog {
  if (!isObject(input) || !Array.isArray(input.streams)) fail('must be an object with a "streams" array (a ConfiguredAirbyteCatalog)');
  (input.streams as unknown[]).forEach((entry, i) => {
    const at = `/streams/${i}`;
    if (!isObject(entry)) fail(`${at} must be an object`);
    if (!isObject(entry.stream) || typeof entry.stream.name !== 'string' || entry.stream.name === '') fail(`${at}/stream/name must be a non-empty string`);
    if (entry.stream.namespace !== undefined && typeof entry.stream.namespace !== 'string') fail(`${at}/stream/namespace must be a string`);
    if (!SYNC_MODES.includes(entry.sync_mode)) fail(`${at}/sync_mode must be one of ${SYNC_MODES.join(', ')} (stream ${entry.stream.name})`);
    if (!DESTINATION_SYNC_MODES.includes(entry.destination_sync_mode)) {
      fail(`${at}/destination_sync_mode must be one of ${DESTINATION_SYNC_MODES.join(', ')} (stream ${entry.stream.name})`);
    }
    for (const key of ['cursor_field', 'primary_key'] as const) {
      if (entry[key] !== undefined && !Array.isArray(entry[key])) fail(`${at}/${key} must be an array (stream ${entry.stream.name})`);
    }
  });
  return input as ConfiguredAirbyteCatalog;
}

function label(stream: StreamDescriptor): string {
  return stream.namespace === undefined ? stream.name : `${stream.namespace}.${stream.name}`;
}

/** A one-element field path, as this source's flat records have (`["col"]`). */
function fieldName(path: unknown, what: string, stream: StreamDescriptor): string {
  if (!Array.isArray(path) || path.length !== 1 || typeof path[0] !== 'string') {
    fail(`stream ${label(stream)}: ${what} must be a one-field path like ["column"] (got ${JSON.stringify(path)})`);
  }
  return path[0];
}

function findRelation(stream: StreamDescriptor, relations: readonly RelationInfo[], schemas: readonly string[] | undefined): RelationInfo {
  let namespace = stream.namespace;
  if (namespace === undefined && schemas?.length === 1) namespace = schemas[0];
  if (namespace === undefined) fail(`stream ${stream.name} has no namespace; give the schema as stream.namespace`);
  const relation = relations.find((r) => r.schema === namespace && r.name === stream.name);
  if (!relation) fail(`stream ${namespace}.${stream.name}: the table does not exist or this user cannot read it; run discover again`);
  return relation;
}

function configure(entry: ConfiguredAirbyteStream, relation: RelationInfo, cdc: boolean, databaseName: string): CatalogStream {
  const stream = buildStream(relation, { databaseName, jsonAsObject: false });
  const root = (stream.metadata ?? []).find((m) => m.breadcrumb.length === 0)?.metadata as Record<string, unknown>;
  const descriptor = entry.stream;
  root.selected = true;
  if (entry.sync_mode === 'full_refresh') {
    root['replication-method'] = 'FULL_TABLE';
  } else if (cdc) {
    if (isViewKind(relation.kind)) fail(`stream ${label(descriptor)}: incremental in CDC mode needs a table; use full_refresh for a view`);
    root['replication-method'] = 'LOG_BASED';
  } else {
    const cursor = entry.cursor_field?.length ? entry.cursor_field : descriptor.default_cursor_field;
    if (!cursor || cursor.length === 0) fail(`stream ${label(descriptor)}: incremental needs a cursor_field`);
    root['replication-method'] = 'INCREMENTAL';
    root['replication-key'] = fieldName(cursor, 'cursor_field', descriptor);
  }
  if (isViewKind(relation.kind) && entry.primary_key?.length) {
    root['view-key-properties'] = entry.primary_key.map((path) => fieldName(path, 'primary_key', descriptor));
  }
  const properties = (descriptor.json_schema as { properties?: unknown } | undefined)?.properties;
  if (isObject(properties)) {
    const wanted = new Set(Object.keys(properties).filter((name) => !CDC_COLUMNS.has(name)));
    for (const entry of stream.metadata ?? []) {
      if (entry.breadcrumb.length !== 2 || entry.metadata.inclusion === 'automatic') continue;
      if (!wanted.has(entry.breadcrumb[1])) entry.metadata.selected = false;
    }
  }
  return stream;
}

/** The engine's selection for a configured catalog, checked against the live relations. */
export function readSelection(
  configured: ConfiguredAirbyteCatalog,
  relations: readonly RelationInfo[],
  options: { cdc: boolean; databaseName: string; schemas?: readonly string[] },
): ReadSelection {
  const selection: ReadSelection = { catalog: { streams: [] }, streams: new Map(), logical: new Set(), relations: new Map() };
  for (const entry of configured.streams) {
    const relation = findRelation(entry.stream, relations, options.schemas);
    const id = streamId(relation.schema, relation.name);
    if (selection.streams.has(id)) fail(`stream ${relation.schema}.${relation.name} appears twice`);
    const stream = configure(entry, relation, options.cdc, options.databaseName);
    selection.catalog.streams.push(stream);
    selection.streams.set(id, { name: relation.name, namespace: relation.schema });
    selection.relations.set(id, relation);
    if (entry.sync_mode === 'incremental' && options.cdc) selection.logical.add(id);
  }
  return selection;
}
