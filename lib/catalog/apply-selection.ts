/**
 * Applies `--select` patterns to a catalog: sets `selected` in the metadata at breadcrumb `[]`
 * and `["properties", column]`, the way Meltano's `select` does. Starts either from the
 * catalog's own choices (`--catalog`: the patterns refine them) or from nothing selected (a
 * discovered catalog). Unsupported columns are never selected. A pattern that matches no
 * stream, or no column of the streams it names, is an InputError naming the nearest ids.
 * Pure: returns a new catalog.
 */
import { InputError } from '../errors';
import { nearest } from './nearest';
import { selectRules, type SelectPattern, type SelectRule } from './select-patterns';
import type { CatalogStream, MetadataEntry, SingerCatalog } from './types';

export interface SelectionOptions {
  /** true: keep the catalog's selections and refine them; false: start with nothing selected. */
  keepCatalogSelection: boolean;
}

function columnNames(stream: CatalogStream): string[] {
  const names = new Set(Object.keys(stream.schema.properties ?? {}));
  for (const entry of stream.metadata ?? []) {
    if (entry.breadcrumb.length === 2 && entry.breadcrumb[0] === 'properties') names.add(entry.breadcrumb[1]);
  }
  return [...names];
}

/** The stream with its own copy of every metadata entry, a root entry and one per column. */
function copyStream(stream: CatalogStream): CatalogStream {
  const metadata: MetadataEntry[] = (stream.metadata ?? []).map((e) => ({ breadcrumb: [...e.breadcrumb], metadata: { ...e.metadata } }));
  const has = (breadcrumb: string[]) => metadata.some((e) => JSON.stringify(e.breadcrumb) === JSON.stringify(breadcrumb));
  if (!has([])) metadata.unshift({ breadcrumb: [], metadata: {} });
  for (const name of columnNames(stream)) {
    if (!has(['properties', name])) metadata.push({ breadcrumb: ['properties', name], metadata: {} });
  }
  return { ...stream, metadata };
}

function setSelected(entry: MetadataEntry, value: boolean): void {
  if (value && entry.metadata.inclusion === 'unsupported') return;
  entry.metadata.selected = value;
}

/** Applies one rule to one (copied) stream; returns how many columns it matched. */
function applyRule(stream: CatalogStream, rule: SelectRule): number {
  let matched = 0;
  for (const entry of stream.metadata as MetadataEntry[]) {
    if (entry.breadcrumb.length === 0) {
      if (rule.stream !== undefined) setSelected(entry, rule.stream);
    } else if (rule.columns && entry.breadcrumb.length === 2 && rule.columns.match.test(entry.breadcrumb[1])) {
      setSelected(entry, rule.columns.value);
      matched += 1;
    }
  }
  return matched;
}

function noMatch(pattern: SelectPattern, streams: CatalogStream[], matchedStreams: CatalogStream[]): InputError {
  if (matchedStreams.length === 0) {
    const near = nearest(pattern.streamGlob, streams.map((s) => s.tap_stream_id));
    const hint = near.length > 0 ? `; nearest stream ids: ${near.join(', ')}` : '; the catalog has no streams';
    return new InputError('SELECT_NO_MATCH', `--select ${JSON.stringify(pattern.raw)} matches no stream${hint}`);
  }
  const names = [...new Set(matchedStreams.flatMap(columnNames))];
  const near = nearest(pattern.columnGlob as string, names);
  const which = matchedStreams.length === 1 ? matchedStreams[0].tap_stream_id : `${matchedStreams.length} streams`;
  return new InputError(
    'SELECT_NO_MATCH',
    `--select ${JSON.stringify(pattern.raw)} matches no column of ${which}${near.length > 0 ? `; nearest columns: ${near.join(', ')}` : ''}`,
  );
}

export function applySelection(catalog: SingerCatalog, patterns: readonly SelectPattern[], options: SelectionOptions): SingerCatalog {
  const streams = catalog.streams.map(copyStream);
  if (!options.keepCatalogSelection) {
    for (const stream of streams) {
      for (const entry of stream.metadata as MetadataEntry[]) entry.metadata.selected = false;
      delete stream.selected;
    }
  }
  for (const rule of selectRules(patterns)) {
    const matchedStreams = streams.filter((s) => rule.pattern.stream.test(s.tap_stream_id));
    let matchedColumns = 0;
    for (const stream of matchedStreams) matchedColumns += applyRule(stream, rule);
    const needsColumn = rule.pattern.columnGlob !== undefined && rule.pattern.columnGlob !== '*';
    if (matchedStreams.length === 0 || (needsColumn && matchedColumns === 0)) {
      throw noMatch(rule.pattern, catalog.streams, matchedStreams);
    }
  }
  return { ...catalog, streams };
}
