/**
 * The `--state` of `read` → the engine's Singer state value. Accepted: the protocol's array of
 * AirbyteStateMessage (STREAM, GLOBAL or LEGACY), a single such message, and a LEGACY blob (the
 * Singer state itself, as the old Singer wrapper stored it). This connector's `stream_state` is
 * the stream's Singer bookmark; the cursor state of Airbyte's own source-postgres
 * (`state_type: cursor_based`) is taken over too. Other foreign shapes read the stream again,
 * with a warning. Pure; a malformed state is an InputError.
 */
import { InputError } from '../errors';
import type { Bookmark } from '../state/types';
import type { StreamDescriptor } from './types';

export interface InputState {
  /** The Singer state value (`{bookmarks}`), or undefined for none. */
  value: Record<string, unknown> | undefined;
  warnings: string[];
}

type Json = Record<string, any>;

function fail(message: string): never {
  throw new InputError('BAD_STATE', `state: ${message}`);
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function descriptorId(descriptor: unknown, at: string, resolve: (name: string) => string | undefined): string | undefined {
  if (!isObject(descriptor) || typeof descriptor.name !== 'string' || descriptor.name === '') fail(`${at}/stream_descriptor/name must be a non-empty string`);
  if (descriptor.namespace !== undefined && descriptor.namespace !== null && typeof descriptor.namespace !== 'string') {
    fail(`${at}/stream_descriptor/namespace must be a string`);
  }
  const d = descriptor as StreamDescriptor;
  return typeof d.namespace === 'string' ? `${d.namespace}-${d.name}` : resolve(d.name);
}

/** A stream_state → a bookmark (undefined: start over). */
function bookmarkOf(state: unknown, at: string, label: string, warnings: string[]): Bookmark | undefined {
  if (state === undefined || state === null) return undefined;
  if (!isObject(state)) fail(`${at}/stream_state must be an object`);
  if (state.state_type === undefined) return { ...state };
  const cursorField = Array.isArray(state.cursor_field) ? state.cursor_field[0] : undefined;
  if ((state.state_type === 'cursor_based' || state.state_type === 'standard') && typeof cursorField === 'string') {
    const bookmark: Bookmark = { last_replication_method: 'INCREMENTAL', replication_key: cursorField };
    if (typeof state.cursor === 'string' || typeof state.cursor === 'number') bookmark.replication_key_value = state.cursor;
    return bookmark;
  }
  warnings.push(`state: stream ${label} has a ${String(state.state_type)} state of another connector; it is read again from the start`);
  return undefined;
}

function addStreamStates(entries: unknown, at: string, bookmarks: Json, resolve: (name: string) => string | undefined, warnings: string[]): void {
  if (!Array.isArray(entries)) fail(`${at} must be an array`);
  entries.forEach((entry, i) => {
    const where = `${at}/${i}`;
    if (!isObject(entry)) fail(`${where} must be an object`);
    const id = descriptorId(entry.stream_descriptor, where, resolve);
    if (id === undefined) {
      warnings.push(`state: ${where} names stream ${entry.stream_descriptor.name}, which is not in the catalog; ignored`);
      return;
    }
    const bookmark = bookmarkOf(entry.stream_state, where, id, warnings);
    if (bookmark) bookmarks[id] = bookmark;
  });
}

function addGlobal(global: unknown, at: string, bookmarks: Json, resolve: (name: string) => string | undefined, warnings: string[]): void {
  if (!isObject(global)) fail(`${at}/global must be an object`);
  const before = new Set(Object.keys(bookmarks));
  addStreamStates(global.stream_states, `${at}/global/stream_states`, bookmarks, resolve, warnings);
  const shared = global.shared_state;
  if (shared !== undefined && shared !== null && !isObject(shared)) fail(`${at}/global/shared_state must be an object`);
  if (isObject(shared) && shared.lsn === undefined && Object.keys(shared).length > 0) {
    warnings.push('state: the GLOBAL shared_state is not this connector\'s (no lsn); CDC streams without their own position are snapshotted again');
  }
  if (!isObject(shared) || typeof shared.lsn !== 'number') return;
  for (const [id, bookmark] of Object.entries(bookmarks)) {
    if (before.has(id)) continue;
    if (bookmark.last_replication_method === 'LOG_BASED' && bookmark.lsn === undefined) bookmark.lsn = shared.lsn;
  }
}

/** A LEGACY blob: the Singer state (or a Singer STATE message) this connector or the Singer wrapper wrote. */
function legacyBlob(blob: Json, warnings: string[]): Json {
  const singer = isObject(blob.bookmarks) || isObject(blob.value) || isObject(blob.singer_state);
  if (!singer) warnings.push('state: the LEGACY state is not a Singer state (no bookmarks); every stream starts over');
  return blob;
}

function isStateMessage(value: Json): boolean {
  if (value.type === 'STATE') return false; // a Singer STATE message
  return 'type' in value || 'stream' in value || 'global' in value || 'data' in value;
}

/**
 * `resolve`: the Singer stream id of a stream named without namespace (undefined when unknown).
 */
export function inputState(input: unknown, resolve: (name: string) => string | undefined): InputState {
  const warnings: string[] = [];
  if (input === undefined || input === null) return { value: undefined, warnings };
  if (isObject(input) && !isStateMessage(input)) return { value: legacyBlob(input, warnings), warnings };
  const messages = Array.isArray(input) ? input : [input];
  if (messages.length === 0) return { value: undefined, warnings };
  const bookmarks: Json = {};
  let legacy: Json | undefined;
  messages.forEach((message, i) => {
    const at = `/${i}`;
    if (!isObject(message)) fail(`${at} must be an AirbyteStateMessage object`);
    const type = message.type ?? 'LEGACY';
    if (type === 'STREAM') {
      if (!isObject(message.stream)) fail(`${at}/stream must be an object`);
      addStreamStates([message.stream], `${at}/stream`, bookmarks, resolve, warnings);
    } else if (type === 'GLOBAL') {
      addGlobal(message.global, at, bookmarks, resolve, warnings);
    } else if (type === 'LEGACY') {
      if (!isObject(message.data)) fail(`${at}/data must be an object (a LEGACY state)`);
      legacy = message.data;
    } else {
      fail(`${at}/type must be STREAM, GLOBAL or LEGACY (got ${JSON.stringify(type)})`);
    }
  });
  if (legacy && Object.keys(bookmarks).length > 0) fail('mixes LEGACY and STREAM/GLOBAL states; give one kind');
  if (legacy) return { value: legacyBlob(legacy, warnings), warnings };
  return { value: { currently_syncing: null, bookmarks }, warnings };
}
