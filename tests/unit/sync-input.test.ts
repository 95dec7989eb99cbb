import { parseSyncInput } from '../../lib/cli/sync-input';
import { syncInput } from '../../lib/sync/sync-input';

describe('sync input', () => {
  test('planning takes the catalog once: the input holds it no longer, and a second take throws', () => {
    const catalog = { streams: [] };
    const input = syncInput(catalog, { currently_syncing: null, bookmarks: {} });
    expect(input.takeCatalog()).toBe(catalog);
    expect(() => input.takeCatalog()).toThrow('taken already');
    expect(input.state).toEqual({ currently_syncing: null, bookmarks: {} });
  });

  test('a parsed catalog file is handed over as it was read', () => {
    const file = { streams: [{ tap_stream_id: 'public-a', stream: 'a', schema: { type: 'object', properties: {} }, metadata: [{ breadcrumb: [], metadata: { selected: true } }] }] };
    const input = parseSyncInput(file, undefined, 'db');
    expect(input.takeCatalog()).toBe(file);
  });
});
