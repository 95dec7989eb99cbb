/** Singer catalog shapes, as read from and written to catalog files (contract: schemas/singer). */
export type JsonSchema = Record<string, unknown>;

export type Breadcrumb = string[];

export interface MetadataEntry {
  breadcrumb: Breadcrumb;
  metadata: Record<string, unknown>;
}

export interface CatalogStream {
  tap_stream_id: string;
  stream: string;
  table_name?: string;
  schema: JsonSchema & { properties?: Record<string, JsonSchema> };
  metadata?: MetadataEntry[];
  key_properties?: string[];
  /** Meltano mirrors these metadata keys onto the stream (accepted on input, never written). */
  selected?: boolean;
  replication_method?: string;
  replication_key?: string;
  [key: string]: unknown;
}

export interface SingerCatalog {
  streams: CatalogStream[];
}

/** Stream id and name: `<schema>-<table>` (pipelinewise / MeltanoLabs convention). */
export function streamId(schema: string, table: string): string {
  return `${schema}-${table}`;
}
