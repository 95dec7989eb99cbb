import { InputError } from '../../lib/errors';
import { parseState } from '../../lib/state/parse-state';
import { startingBookmark, withBookmark } from '../../lib/state/transitions';

const ids = ['public-users', 'public-orders'];

describe('parseState', () => {
  test('no state is an empty state', () => {
    expect(parseState(undefined, 'db', ids)).toEqual({ currently_syncing: null, bookmarks: {} });
  });

  test('pipelinewise shape is kept as it is', () => {
    const input = {
      currently_syncing: 'public-users',
      bookmarks: { 'public-users': { last_replication_method: 'FULL_TABLE', version: 1700000000000, xmin: null } },
    };
    const state = parseState(input, 'db', ids);
    expect(state.currently_syncing).toBe('public-users');
    expect(state.bookmarks['public-users']).toEqual({ last_replication_method: 'FULL_TABLE', version: 1700000000000 });
  });

  test('singer-io <db>-<schema>-<table> ids are found under <schema>-<table>', () => {
    const input = {
      currently_syncing: 'db-public-orders',
      bookmarks: { 'db-public-orders': { last_replication_method: 'INCREMENTAL', replication_key: 'id', replication_key_value: 5, version: 1 } },
    };
    const state = parseState(input, 'db', ids);
    expect(state.currently_syncing).toBe('public-orders');
    expect(state.bookmarks['public-orders'].replication_key_value).toBe(5);
  });

  test('MeltanoLabs bookmarks become INCREMENTAL or LOG_BASED', () => {
    const input = {
      bookmarks: {
        'public-users': { replication_key: 'updated_at', replication_key_value: '2024-01-01T00:00:00+00:00' },
        'public-orders': { replication_key: '_sdc_lsn', replication_key_value: 123456 },
      },
    };
    const state = parseState(input, 'db', ids);
    expect(state.bookmarks['public-users']).toEqual({ last_replication_method: 'INCREMENTAL', replication_key: 'updated_at', replication_key_value: '2024-01-01T00:00:00+00:00' });
    expect(state.bookmarks['public-orders']).toEqual({ last_replication_method: 'LOG_BASED', lsn: 123456 });
  });

  test('a STATE message and Meltano singer_state wrapper are unwrapped', () => {
    const value = { currently_syncing: null, bookmarks: { 'public-users': { version: 3 } } };
    expect(parseState({ type: 'STATE', value }, 'db', ids)).toEqual(value);
    expect(parseState({ singer_state: value }, 'db', ids)).toEqual(value);
  });

  test('bad shapes are input errors', () => {
    for (const bad of [[], 'x', { bookmarks: [] }, { bookmarks: { a: 1 } }, { bookmarks: { a: { version: 'x' } } }, { currently_syncing: 5, bookmarks: {} }]) {
      expect(() => parseState(bad, 'db', ids)).toThrow(InputError);
    }
  });
});

describe('startingBookmark', () => {
  const base = { currently_syncing: null, bookmarks: {} };
  test('keeps a bookmark of the same method and key', () => {
    const state = withBookmark(base, 's', { last_replication_method: 'INCREMENTAL', replication_key: 'k', replication_key_value: 1 });
    expect(startingBookmark(state, 's', 'INCREMENTAL', 'k').bookmark.replication_key_value).toBe(1);
  });
  test('resets on a change of method or key', () => {
    const state = withBookmark(base, 's', { last_replication_method: 'INCREMENTAL', replication_key: 'k', replication_key_value: 1 });
    expect(startingBookmark(state, 's', 'FULL_TABLE')).toEqual({ bookmark: {}, reset: 'replication method changed from INCREMENTAL to FULL_TABLE' });
    expect(startingBookmark(state, 's', 'INCREMENTAL', 'other').reset).toContain('replication key changed');
  });
  test('transitions do not modify their input', () => {
    const next = withBookmark(base, 's', { version: 1 });
    expect(base.bookmarks).toEqual({});
    expect(next.bookmarks).toEqual({ s: { version: 1 } });
  });
});
