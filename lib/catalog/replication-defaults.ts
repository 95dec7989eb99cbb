/**
 * `--replication-method` and `--replication-key`: defaults for the selected streams whose
 * catalog entry names none (a view's `forced-replication-method` counts as named). A selected
 * stream left INCREMENTAL without a key, or with a default key that is not among its
 * `valid-replication-keys`, is an InputError naming the stream and its valid keys. Pure:
 * returns a new catalog.
 */
import type { ReplicationMethod } from '../config/types';
import { InputError } from '../errors';
import { metadataMap, streamMetadata } from './metadata';
import { isStreamSelected } from './plan';
import type { CatalogStream, MetadataEntry, SingerCatalog } from './types';

export interface ReplicationDefaults {
  method?: ReplicationMethod;
  key?: string;
  /** The config's default_replication_method, which applies after the catalog's own choice. */
  configMethod?: ReplicationMethod;
}

function named(value: unknown): string | undefined {
  if (Array.isArray(value)) return value.length > 0 ? String(value[0]) : undefined;
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function validKeys(root: Record<string, unknown>): string[] | undefined {
  const keys = root['valid-replication-keys'];
  return Array.isArray(keys) ? keys.map(String) : undefined;
}

function missingKey(id: string, keys: string[] | undefined, given?: string): InputError {
  const valid = keys === undefined ? 'not listed in the catalog' : keys.length > 0 ? keys.join(', ') : 'none';
  const what = given === undefined ? 'INCREMENTAL needs a replication key: give --replication-key COLUMN' : `--replication-key ${JSON.stringify(given)} is not a valid replication key of this stream`;
  return new InputError('INVALID_STREAM', `stream ${id}: ${what} (valid-replication-keys: ${valid})`);
}

function withDefaults(stream: CatalogStream, defaults: ReplicationDefaults): CatalogStream {
  const root = { ...streamMetadata(metadataMap(stream)) };
  const id = stream.tap_stream_id;
  const catalogMethod = named(root['replication-method']) ?? named(stream.replication_method) ?? named(root['forced-replication-method']);
  if (catalogMethod === undefined && defaults.method) root['replication-method'] = defaults.method;
  const method = catalogMethod ?? defaults.method ?? defaults.configMethod;
  if (method === 'INCREMENTAL' && named(root['replication-key']) === undefined && named(stream.replication_key) === undefined) {
    const keys = validKeys(root);
    if (defaults.key === undefined) throw missingKey(id, keys);
    if (keys !== undefined && !keys.includes(defaults.key)) throw missingKey(id, keys, defaults.key);
    root['replication-key'] = defaults.key;
  }
  const others = (stream.metadata ?? []).filter((entry) => entry.breadcrumb.length > 0);
  const metadata: MetadataEntry[] = [{ breadcrumb: [], metadata: root }, ...others];
  return { ...stream, metadata };
}

/** The catalog with the defaults applied to its selected streams (unselected ones as they were). */
export function applyReplicationDefaults(catalog: SingerCatalog, defaults: ReplicationDefaults): SingerCatalog {
  const streams = catalog.streams.map((stream) => (isStreamSelected(stream, metadataMap(stream)) ? withDefaults(stream, defaults) : stream));
  return { ...catalog, streams };
}
