/** Reading a stream's breadcrumb metadata (`[]` for the stream, `["properties", col]` for columns). */
import type { CatalogStream, MetadataEntry } from './types';

export type MetadataMap = Map<string, Record<string, unknown>>;

function breadcrumbKey(breadcrumb: readonly string[]): string {
  return JSON.stringify(breadcrumb);
}

export function metadataMap(stream: CatalogStream): MetadataMap {
  const map: MetadataMap = new Map();
  for (const entry of (stream.metadata ?? []) as MetadataEntry[]) {
    map.set(breadcrumbKey(entry.breadcrumb), entry.metadata ?? {});
  }
  return map;
}

export function streamMetadata(map: MetadataMap): Record<string, unknown> {
  return map.get(breadcrumbKey([])) ?? {};
}

export function columnMetadata(map: MetadataMap, column: string): Record<string, unknown> {
  return map.get(breadcrumbKey(['properties', column])) ?? {};
}
