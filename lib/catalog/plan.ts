/**
 * The sync plan: which streams run, with which columns, method and key. Pure: it checks the
 * user's catalog against the live relations and throws InputError (exit 2) for every invalid
 * combination before anything is written to stdout. A selected table that no longer exists (or
 * that the user can no longer read) is not an input error: it is listed as unavailable, and that
 * stream alone fails. Columns and SCHEMA come from the live table (lib/catalog/live-columns.ts).
 */
import type { ReplicationMethod, TapConfig } from '../config/types';
import { isCursorCapable } from '../pg/classify-column';
import { isViewKind, type ColumnInfo, type RelationInfo } from '../pg/types';
import { InputError } from '../errors';
import { liveColumns } from './live-columns';
import { metadataMap, streamMetadata, type MetadataMap } from './metadata';
import { rowBounds, type RowBounds } from './stream-options';
import type { CatalogStream, JsonSchema, SingerCatalog } from './types';

export interface StreamPlan {
  tapStreamId: string;
  /** The stream name in SCHEMA/RECORD messages. */
  stream: string;
  relation: RelationInfo;
  method: ReplicationMethod;
  replicationKey?: string;
  /** Selected columns, in table order. */
  columns: ColumnInfo[];
  keyProperties: string[];
  /** The SCHEMA of the selected columns as they are in the live table. */
  schema: JsonSchema;
  /** How the live table differs from the catalog (type changes, added or dropped columns). */
  warnings: string[];
  /** The config's row filter and limit for this stream (stream_options, max_record_count, limit). */
  bounds?: RowBounds;
}

/** A selected stream whose table is gone or unreadable: it fails alone with this message. */
export interface UnavailableStream {
  tapStreamId: string;
  message: string;
}

export interface SyncPlan {
  plans: StreamPlan[];
  unavailable: UnavailableStream[];
}

const METHODS: readonly string[] = ['FULL_TABLE', 'INCREMENTAL', 'LOG_BASED'];

function invalid(streamId: string, message: string): never {
  throw new InputError('INVALID_STREAM', `catalog stream ${streamId}: ${message}`);
}

export function isStreamSelected(stream: CatalogStream, meta: MetadataMap): boolean {
  const root = streamMetadata(meta);
  if (typeof root.selected === 'boolean') return root.selected;
  if (typeof stream.selected === 'boolean') return stream.selected;
  return (stream.schema as { selected?: unknown }).selected === true;
}

function replicationMethod(stream: CatalogStream, root: Record<string, unknown>, config: TapConfig): ReplicationMethod {
  const given = root['replication-method'] ?? stream.replication_method ?? root['forced-replication-method'];
  const method = typeof given === 'string' && given !== '' ? given : config.default_replication_method ?? 'FULL_TABLE';
  if (!METHODS.includes(method)) {
    invalid(stream.tap_stream_id, `replication-method must be one of ${METHODS.join(', ')} (got ${JSON.stringify(method)})`);
  }
  return method as ReplicationMethod;
}

function replicationKey(stream: CatalogStream, root: Record<string, unknown>, config: TapConfig): string | undefined {
  const given = root['replication-key'] ?? stream.replication_key ?? config.default_replication_key;
  if (Array.isArray(given)) return given.length > 0 ? String(given[0]) : undefined;
  return typeof given === 'string' && given !== '' ? given : undefined;
}

function keyProperties(stream: CatalogStream, root: Record<string, unknown>, relation: RelationInfo): string[] {
  const declared = isViewKind(relation.kind) ? root['view-key-properties'] : root['table-key-properties'] ?? stream.key_properties;
  if (Array.isArray(declared)) return declared.map(String);
  return isViewKind(relation.kind) ? [] : relation.primaryKey;
}

function planStream(stream: CatalogStream, meta: MetadataMap, relation: RelationInfo, config: TapConfig): StreamPlan {
  const id = stream.tap_stream_id;
  const root = streamMetadata(meta);
  const method = replicationMethod(stream, root, config);
  const keys = keyProperties(stream, root, relation);
  const columnNames = new Set(relation.columns.map((c) => c.name));
  for (const key of keys) {
    if (!columnNames.has(key)) invalid(id, `key property ${JSON.stringify(key)} is not a column the user can read`);
  }
  let key: string | undefined;
  if (method === 'INCREMENTAL') {
    key = replicationKey(stream, root, config);
    if (key === undefined) invalid(id, 'INCREMENTAL needs a replication-key (metadata at breadcrumb [])');
    const column = relation.columns.find((c) => c.name === key);
    if (!column) invalid(id, `replication-key ${JSON.stringify(key)} is not a column of ${relation.schema}.${relation.name}`);
    if (!isCursorCapable(column.type)) {
      invalid(id, `replication-key ${JSON.stringify(key)} has type ${column.type.sqlType}, which cannot be a replication key (use an integer, numeric, date, time, timestamp or text column)`);
    }
  }
  if (method === 'LOG_BASED' && isViewKind(relation.kind)) {
    invalid(id, 'LOG_BASED is not possible on a view or materialized view; use FULL_TABLE or INCREMENTAL');
  }
  const mustKeep = key ? [...keys, key] : keys;
  const { columns, schema, warnings } = liveColumns(stream, meta, relation, mustKeep, config);
  return {
    tapStreamId: id,
    stream: config.include_schemas_in_destination_stream_name ? `${relation.schema}_${relation.name}` : stream.stream || id,
    relation,
    method,
    replicationKey: key,
    columns,
    keyProperties: keys,
    schema,
    warnings,
    bounds: rowBounds(id, method, config),
  };
}

/** Where a catalog stream lives: `schema-name` metadata + `table_name`, else the `<schema>-<table>` id. */
export function streamLocation(stream: CatalogStream, meta: MetadataMap): { schema?: string; table?: string } {
  const root = streamMetadata(meta);
  const schema = typeof root['schema-name'] === 'string' ? (root['schema-name'] as string) : undefined;
  const table = stream.table_name ?? (schema && stream.tap_stream_id.startsWith(`${schema}-`) ? stream.tap_stream_id.slice(schema.length + 1) : undefined);
  return { schema, table };
}

/** A selected catalog stream and its metadata by breadcrumb. */
export interface SelectedStream {
  stream: CatalogStream;
  meta: MetadataMap;
}

export function selectedStreams(catalog: SingerCatalog): SelectedStream[] {
  return catalog.streams
    .map((stream) => ({ stream, meta: metadataMap(stream) }))
    .filter(({ stream, meta }) => isStreamSelected(stream, meta));
}

/**
 * Plans every selected stream against the live relations. `firstStreamId` (the state's
 * currently_syncing) goes first, so an interrupted stream finishes before the others start.
 */
export function buildPlan(
  catalog: SingerCatalog,
  relations: readonly RelationInfo[],
  config: TapConfig,
  firstStreamId?: string | null,
): SyncPlan {
  return planSelected(selectedStreams(catalog), relations, config, firstStreamId);
}

/** `buildPlan` of streams already selected (their metadata maps made once per run). */
export function planSelected(
  selected: readonly SelectedStream[],
  relations: readonly RelationInfo[],
  config: TapConfig,
  firstStreamId?: string | null,
): SyncPlan {
  const byName = new Map(relations.map((r) => [`${r.schema}\u0000${r.name}`, r]));
  const plans: StreamPlan[] = [];
  const unavailable: UnavailableStream[] = [];
  const ids = new Set<string>();
  for (const { stream, meta } of selected) {
    if (ids.has(stream.tap_stream_id)) invalid(stream.tap_stream_id, 'appears twice in the catalog');
    ids.add(stream.tap_stream_id);
    const { schema, table } = streamLocation(stream, meta);
    const relation = schema !== undefined && table !== undefined ? byName.get(`${schema}\u0000${table}`) : undefined;
    if (relation) {
      plans.push(planStream(stream, meta, relation, config));
    } else {
      const message = `table ${schema ?? '?'}.${table ?? '?'} no longer exists or is not readable by this user; run --discover again`;
      unavailable.push({ tapStreamId: stream.tap_stream_id, message });
    }
  }
  const first = plans.findIndex((p) => p.tapStreamId === firstStreamId);
  if (first > 0) plans.unshift(...plans.splice(first, 1));
  return { plans, unavailable };
}
