import { inputState } from '../../lib/airbyte/state';

const resolve = (name: string) => (name === 'orders' ? 'public-orders' : undefined);
/** A STREAM state; namespace null: none given. */
const stream = (name: string, state: unknown, namespace: string | null = 'public') => ({
  type: 'STREAM',
  stream: { stream_descriptor: namespace === null ? { name } : { name, namespace }, stream_state: state },
});

describe('inputState', () => {
  test('none: no file, null, an empty array', () => {
    expect(inputState(undefined, resolve).value).toBeUndefined();
    expect(inputState(null, resolve).value).toBeUndefined();
    expect(inputState([], resolve).value).toBeUndefined();
  });

  test('STREAM states: each stream_state is that stream\'s bookmark; a name without namespace is resolved', () => {
    const bookmark = { last_replication_method: 'INCREMENTAL', replication_key: 'id', replication_key_value: 7, version: 1 };
    const { value, warnings } = inputState([stream('items', bookmark), stream('orders', { last_replication_method: 'FULL_TABLE', version: 2, ctid_page: 9 }, null), stream('gone', {}, null)], resolve);
    expect(value).toEqual({
      currently_syncing: null,
      bookmarks: { 'public-items': bookmark, 'public-orders': { last_replication_method: 'FULL_TABLE', version: 2, ctid_page: 9 } },
    });
    expect(warnings).toEqual(['state: /2/stream/0 names stream gone, which is not in the catalog; ignored']);
  });

  test('a single message (not in an array) is accepted', () => {
    expect(inputState(stream('items', { version: 1 }), resolve).value).toEqual({ currently_syncing: null, bookmarks: { 'public-items': { version: 1 } } });
  });

  test('GLOBAL: the stream states, and the shared LSN for LOG_BASED streams without their own', () => {
    const global = {
      type: 'GLOBAL',
      global: {
        shared_state: { lsn: 500 },
        stream_states: [
          { stream_descriptor: { name: 'a', namespace: 's' }, stream_state: { last_replication_method: 'LOG_BASED', version: 1 } },
          { stream_descriptor: { name: 'b', namespace: 's' }, stream_state: { last_replication_method: 'LOG_BASED', version: 1, lsn: 700 } },
          { stream_descriptor: { name: 'c', namespace: 's' }, stream_state: { last_replication_method: 'FULL_TABLE', version: 1 } },
        ],
      },
    };
    expect(inputState([global], resolve).value).toEqual({
      currently_syncing: null,
      bookmarks: {
        's-a': { last_replication_method: 'LOG_BASED', version: 1, lsn: 500 },
        's-b': { last_replication_method: 'LOG_BASED', version: 1, lsn: 700 },
        's-c': { last_replication_method: 'FULL_TABLE', version: 1 },
      },
    });
  });

  test('LEGACY: the Singer state as the old wrapper kept it, in a message or bare', () => {
    const singer = { currently_syncing: null, bookmarks: { 'public-items': { version: 3 } } };
    expect(inputState([{ type: 'LEGACY', data: singer }], resolve).value).toBe(singer);
    expect(inputState([{ data: singer }], resolve).value).toBe(singer);
    expect(inputState(singer, resolve).value).toBe(singer);
    expect(inputState({ type: 'STATE', value: singer }, resolve).value).toEqual({ type: 'STATE', value: singer });
    expect(inputState({ cdc: false, streams: [] }, resolve).warnings).toEqual(['state: the LEGACY state is not a Singer state (no bookmarks); every stream starts over']);
  });

  test("Airbyte source-postgres' own cursor state is taken over; its other states start over with a warning", () => {
    const cursor = { version: 2, state_type: 'cursor_based', stream_name: 'items', stream_namespace: 'public', cursor_field: ['updated_at'], cursor: '2024-01-01T00:00:00Z', cursor_record_count: 1 };
    const ctid = { version: 2, state_type: 'ctid', ctid: '(5,1)', relation_filenode: 1 };
    const { value, warnings } = inputState([stream('items', cursor), stream('other', ctid)], resolve);
    expect(value).toEqual({
      currently_syncing: null,
      bookmarks: { 'public-items': { last_replication_method: 'INCREMENTAL', replication_key: 'updated_at', replication_key_value: '2024-01-01T00:00:00Z' } },
    });
    expect(warnings).toEqual(['state: stream public-other has a ctid state of another connector; it is read again from the start']);
  });

  test.each([
    [[1], /\/0 must be an AirbyteStateMessage object/],
    [[{ type: 'STREAM' }], /\/0\/stream must be an object/],
    [[{ type: 'STREAM', stream: { stream_descriptor: { name: '' } } }], /stream_descriptor\/name must be a non-empty string/],
    [[stream('items', 'x')], /stream_state must be an object/],
    [[{ type: 'GLOBAL', global: { stream_states: {} } }], /\/0\/global\/stream_states must be an array/],
    [[{ type: 'GLOBAL', global: { shared_state: 1, stream_states: [] } }], /shared_state must be an object/],
    [[{ type: 'LEGACY', data: 'x' }], /\/0\/data must be an object/],
    [[{ type: 'LEGACY', data: {} }, stream('items', {})], /mixes LEGACY and STREAM\/GLOBAL states/],
  ])('malformed: %j', (input, message) => {
    expect(() => inputState(input, resolve)).toThrow(message);
  });
});
