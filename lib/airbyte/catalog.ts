/**
 * Readable relations → the Airbyte catalog: one stream per relation (`name` = table,
 * `namespace` = schema) with its json_schema, sync modes, keys and cursor. Pure.
 *
 * - full_refresh always; incremental where a cursor column exists (Standard) or, in CDC mode,
 *   for tables with a primary key that the publication covers (then the cursor is the source's:
 *   `_ab_cdc_lsn`).
 * - is_resumable: incremental streams, and tables a full refresh resumes by heap page.
 */
import { isCursorCapable } from '../pg/classify-column';
import { isViewKind, type ColumnInfo, type RelationInfo } from '../pg/types';
import { CDC_LSN, streamSchema } from './json-schema';
import type { AirbyteCatalog, AirbyteStream, SyncMode } from './types';

export interface CatalogOptions {
  cdc: boolean;
  /** `schema\u0000table` of the tables the publication covers (CDC mode). */
  published: ReadonlySet<string>;
  /** server_version_num: resuming a full refresh by heap page needs 14 or later. */
  serverVersionNum: number;
}

const CURSOR_NAME = /^(updated|modified|last_modified|last_updated|changed)(_at|_on|_time|_ts)?$/i;

export function relationKey(schema: string, name: string): string {
  return `${schema}\u0000${name}`;
}

/** The primary key if the user can read all of it (tables only). */
export function readableKey(relation: RelationInfo): string[] {
  if (isViewKind(relation.kind)) return [];
  const names = new Set(relation.columns.filter((c) => c.supported).map((c) => c.name));
  return relation.primaryKey.every((name) => names.has(name)) ? [...relation.primaryKey] : [];
}

function cursorColumns(relation: RelationInfo): ColumnInfo[] {
  return relation.columns.filter((c) => c.supported && isCursorCapable(c.type));
}

/** A likely cursor: an `updated_at`-like timestamp, else a one-column key that can be one. */
function defaultCursor(relation: RelationInfo, key: string[]): string | undefined {
  const cursors = cursorColumns(relation);
  const named = cursors.find((c) => CURSOR_NAME.test(c.name) && (c.type.kind === 'timestamp' || c.type.kind === 'timestamptz'));
  if (named) return named.name;
  return key.length === 1 && cursors.some((c) => c.name === key[0]) ? key[0] : undefined;
}

/** Whether CDC can read this relation incrementally. */
export function cdcCapable(relation: RelationInfo, published: ReadonlySet<string>): boolean {
  return (relation.kind === 'r' || relation.kind === 'p') && readableKey(relation).length > 0 && published.has(relationKey(relation.schema, relation.name));
}

export function airbyteStream(relation: RelationInfo, options: CatalogOptions): AirbyteStream {
  const columns = [...relation.columns].sort((a, b) => a.position - b.position);
  const key = readableKey(relation);
  const incremental = options.cdc ? cdcCapable(relation, options.published) : cursorColumns(relation).length > 0;
  const modes: SyncMode[] = incremental ? ['full_refresh', 'incremental'] : ['full_refresh'];
  const heapResumable = (relation.kind === 'r' || relation.kind === 'm') && options.serverVersionNum >= 140000;
  const stream: AirbyteStream = {
    name: relation.name,
    namespace: relation.schema,
    json_schema: streamSchema(columns, options.cdc),
    supported_sync_modes: modes,
    source_defined_cursor: options.cdc && incremental,
    source_defined_primary_key: key.map((name) => [name]),
    is_resumable: incremental || heapResumable,
  };
  const cursor = options.cdc ? (incremental ? CDC_LSN : undefined) : defaultCursor(relation, key);
  stream.default_cursor_field = cursor === undefined ? [] : [cursor];
  return stream;
}

export function airbyteCatalog(relations: readonly RelationInfo[], options: CatalogOptions): AirbyteCatalog {
  return { streams: relations.map((relation) => airbyteStream(relation, options)) };
}
