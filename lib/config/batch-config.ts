/**
 * The validated `batch_config` group (the Singer SDK's BATCH settings) as the BATCH writer reads
 * it: present only when the group has a setting, with its defaults filled in and the storage
 * root turned into a folder path. The root is read as the SDK reads it: what follows `file://`
 * is the path, absolute (`file:///data/batches`) or from the working directory
 * (`file://batches`); `file://` alone is the `singer-sdk` folder of the temporary directory.
 */
import { tmpdir } from 'node:os';
import { resolve } from 'node:path';
import { isPlainObject } from './dotted';
import type { BatchConfig } from './types';

export const DEFAULT_BATCH_SIZE = 10000;

/** The folder a `file://` root names. */
export function batchFolder(root: string): string {
  const path = root.slice('file://'.length);
  return path === '' ? resolve(tmpdir(), 'singer-sdk') : resolve(path);
}

export function batchConfig(group: unknown): BatchConfig | undefined {
  if (!isPlainObject(group) || Object.keys(group).length === 0) return undefined;
  const encoding = isPlainObject(group.encoding) ? group.encoding : {};
  const storage = isPlainObject(group.storage) ? group.storage : {};
  const root = (storage.root as string | undefined) ?? 'file://';
  return {
    format: 'jsonl',
    compression: (encoding.compression as BatchConfig['compression'] | undefined) ?? 'gzip',
    root,
    folder: batchFolder(root),
    prefix: (storage.prefix as string | undefined) ?? '',
    batch_size: (group.batch_size as number | undefined) ?? DEFAULT_BATCH_SIZE,
  };
}
