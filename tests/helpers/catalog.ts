/** Discovered catalogs with streams selected the way a user does it (metadata at breadcrumb []). */
import { runTap } from './run-tap';

export type Catalog = { streams: Array<Record<string, any>> };

export async function discover(config: Record<string, unknown>): Promise<Catalog> {
  const run = await runTap(['--discover'], { config });
  if (run.code !== 0) throw new Error(`--discover failed (${run.code}): ${run.stderr}`);
  return run.messages[0] as Catalog;
}

export function select(catalog: Catalog, selections: Record<string, Record<string, unknown>>): Catalog {
  const streams = catalog.streams.map((stream) => {
    const extra = selections[stream.tap_stream_id];
    const metadata = stream.metadata.map((entry: { breadcrumb: string[]; metadata: Record<string, unknown> }) =>
      entry.breadcrumb.length === 0
        ? { ...entry, metadata: { ...entry.metadata, selected: extra !== undefined, ...extra } }
        : entry,
    );
    return { ...stream, metadata };
  });
  return { streams };
}
