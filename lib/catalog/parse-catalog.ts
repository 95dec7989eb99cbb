/** Checks the shape of a catalog file before anything else reads it (exit 2 on a bad one). */
import { InputError } from '../errors';
import type { CatalogStream, SingerCatalog } from './types';

function fail(message: string): never {
  throw new InputError('BAD_CATALOG', `catalog: ${message}`);
}

export function parseCatalog(input: unknown): SingerCatalog {
  if (typeof input !== 'object' || input === null || !Array.isArray((input as { streams?: unknown }).streams)) {
    fail('must be an object with a "streams" array (run --discover to make one)');
  }
  const streams = (input as { streams: unknown[] }).streams;
  streams.forEach((stream, index) => {
    const at = `/streams/${index}`;
    if (typeof stream !== 'object' || stream === null) fail(`${at} must be an object`);
    const s = stream as Record<string, unknown>;
    if (typeof s.tap_stream_id !== 'string' || s.tap_stream_id === '') fail(`${at}/tap_stream_id must be a non-empty string`);
    if (typeof s.schema !== 'object' || s.schema === null) fail(`${at}/schema must be an object (stream ${s.tap_stream_id})`);
    if (s.metadata !== undefined && !Array.isArray(s.metadata)) fail(`${at}/metadata must be an array (stream ${s.tap_stream_id})`);
    for (const [i, entry] of ((s.metadata as unknown[]) ?? []).entries()) {
      const e = entry as { breadcrumb?: unknown; metadata?: unknown } | null;
      if (!e || !Array.isArray(e.breadcrumb) || typeof e.metadata !== 'object' || e.metadata === null) {
        fail(`${at}/metadata/${i} must have a "breadcrumb" array and a "metadata" object (stream ${s.tap_stream_id})`);
      }
    }
  });
  return input as SingerCatalog & { streams: CatalogStream[] };
}
