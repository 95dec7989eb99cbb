/**
 * Reads a state file written by this tap, singer-io, pipelinewise or MeltanoLabs tap-postgres.
 * Accepted wrappers: the bare value, a STATE message (`{"type":"STATE","value":…}`) and Meltano's
 * `{"singer_state": …}`. MeltanoLabs bookmarks (no `last_replication_method`) become INCREMENTAL
 * bookmarks, or LOG_BASED ones when their key is `_sdc_lsn`. singer-io's `<db>-<schema>-<table>`
 * ids are found under this tap's `<schema>-<table>` ids.
 */
import { InputError } from '../errors';
import type { Bookmark, TapState } from './types';

function fail(message: string): never {
  throw new InputError('BAD_STATE', `state: ${message}`);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function unwrap(input: unknown): unknown {
  if (isObject(input) && input.type === 'STATE' && 'value' in input) return input.value;
  if (isObject(input) && 'singer_state' in input) return input.singer_state;
  return input;
}

function normaliseBookmark(id: string, raw: unknown): Bookmark {
  if (!isObject(raw)) fail(`/bookmarks/${id} must be an object`);
  const bookmark: Bookmark = { ...raw };
  // singer-io / pipelinewise resume FULL_TABLE by xmin; this tap resumes by heap page instead,
  // so an xmin position cannot be used: that table is read again from the start.
  delete bookmark.xmin;
  if (bookmark.last_replication_method === undefined && typeof raw.replication_key === 'string') {
    if (raw.replication_key === '_sdc_lsn') {
      delete bookmark.replication_key;
      delete bookmark.replication_key_value;
      if (typeof raw.replication_key_value === 'number') bookmark.lsn = raw.replication_key_value;
      bookmark.last_replication_method = 'LOG_BASED';
    } else {
      bookmark.last_replication_method = 'INCREMENTAL';
    }
  }
  const value = bookmark.replication_key_value;
  if (value !== undefined && value !== null && typeof value !== 'string' && typeof value !== 'number') {
    fail(`/bookmarks/${id}/replication_key_value must be a string or a number`);
  }
  for (const field of ['version', 'lsn', 'ctid_page', 'relfilenode', 'snapshot_xmin'] as const) {
    const v = bookmark[field];
    if (v !== undefined && v !== null && !(typeof v === 'number' && Number.isFinite(v))) {
      fail(`/bookmarks/${id}/${field} must be a number`);
    }
    if (v === null) delete bookmark[field];
  }
  if (bookmark.ctid_ranges === null) delete bookmark.ctid_ranges;
  else if (bookmark.ctid_ranges !== undefined && !isPageRanges(bookmark.ctid_ranges)) {
    fail(`/bookmarks/${id}/ctid_ranges must be an array of [first, end) heap page pairs`);
  }
  return bookmark;
}

function isPageRanges(value: unknown): boolean {
  const isPage = (v: unknown) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
  return Array.isArray(value) && value.every((r) => Array.isArray(r) && r.length === 2 && isPage(r[0]) && isPage(r[1]) && r[0] < r[1]);
}

export function parseState(input: unknown, dbname: string, streamIds: readonly string[]): TapState {
  if (input === undefined || input === null) return { currently_syncing: null, bookmarks: {} };
  const value = unwrap(input);
  if (!isObject(value)) fail('must be a JSON object with "bookmarks"');
  const rawBookmarks = value.bookmarks ?? {};
  if (!isObject(rawBookmarks)) fail('/bookmarks must be an object');
  const bookmarks: Record<string, Bookmark> = {};
  for (const [id, raw] of Object.entries(rawBookmarks)) bookmarks[id] = normaliseBookmark(id, raw);
  for (const id of streamIds) {
    const legacy = `${dbname}-${id}`;
    if (bookmarks[id] === undefined && bookmarks[legacy] !== undefined) bookmarks[id] = bookmarks[legacy];
  }
  const given = value.currently_syncing ?? null;
  if (given !== null && typeof given !== 'string') fail('/currently_syncing must be a string or null');
  let current: string | null = given;
  if (current !== null && !streamIds.includes(current) && streamIds.includes(current.slice(dbname.length + 1))) {
    current = current.slice(dbname.length + 1);
  }
  return { currently_syncing: current, bookmarks };
}
