import { applySelection } from '../../lib/catalog/apply-selection';
import { editDistance, nearest } from '../../lib/catalog/nearest';
import { applyReplicationDefaults } from '../../lib/catalog/replication-defaults';
import { globToRegExp, parseSelectPattern, reachableSchemas } from '../../lib/catalog/select-patterns';
import type { CatalogStream, SingerCatalog } from '../../lib/catalog/types';
import { InputError } from '../../lib/errors';

function stream(id: string, columns: string[], root: Record<string, unknown> = {}, keys: string[] = ['id']): CatalogStream {
  const [schema] = id.split('-');
  return {
    tap_stream_id: id,
    stream: id,
    schema: { type: 'object', properties: Object.fromEntries(columns.map((c) => [c, {}])) },
    metadata: [
      { breadcrumb: [], metadata: { 'schema-name': schema, 'valid-replication-keys': columns.filter((c) => c !== 'blob'), ...root } },
      ...columns.map((c) => ({
        breadcrumb: ['properties', c],
        metadata: { inclusion: c === 'blob' ? 'unsupported' : keys.includes(c) ? 'automatic' : 'available' },
      })),
    ],
  };
}

const catalog: SingerCatalog = {
  streams: [
    stream('public-orders', ['id', 'amount', 'updated_at']),
    stream('public-users', ['id', 'email', 'password_hash', 'blob']),
    stream('public-audit_2024', ['id', 'msg']),
    stream('sales-events_eu', ['id', 'at']),
    stream('my-schema-t', ['id']),
  ],
};

/** stream id -> selected columns (explicit selected: true), for the selected streams. */
function selection(result: SingerCatalog): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const s of result.streams) {
    const root = s.metadata?.find((e) => e.breadcrumb.length === 0)?.metadata ?? {};
    if (root.selected !== true) continue;
    out[s.tap_stream_id] = (s.metadata ?? []).filter((e) => e.breadcrumb.length === 2 && e.metadata.selected === true).map((e) => e.breadcrumb[1]);
  }
  return out;
}

const select = (patterns: string[], base: SingerCatalog = catalog, keep = false) =>
  selection(applySelection(base, patterns.map(parseSelectPattern), { keepCatalogSelection: keep }));

describe('fnmatch globs', () => {
  it.each([
    ['public-*', 'public-orders', true],
    ['public-*', 'publicx-orders', false],
    ['*-events_*', 'sales-events_eu', true],
    ['public-o?ders', 'public-orders', true],
    ['public-[ou]*', 'public-users', true],
    ['public-[!ou]*', 'public-users', false],
    ['public-[!ou]*', 'public-audit', true],
    ['a[b', 'a[b', true],
    ['a.b', 'axb', false],
    ['Public-*', 'public-orders', false],
    ['*', 'a\nb', true],
  ])('%s on %s: %s', (glob, text, expected) => {
    expect(globToRegExp(glob).test(text)).toBe(expected);
  });
});

describe('parseSelectPattern', () => {
  it('splits stream and column at the first unescaped dot, reads ! as exclusion', () => {
    expect(parseSelectPattern('!public-users.password_hash')).toMatchObject({ exclude: true, streamGlob: 'public-users', columnGlob: 'password_hash' });
    expect(parseSelectPattern('public-orders')).toMatchObject({ exclude: false, streamGlob: 'public-orders' });
    expect(parseSelectPattern('public-orders').columnGlob).toBeUndefined();
    expect(parseSelectPattern('a\\.b-t.c.d')).toMatchObject({ streamGlob: 'a.b-t', columnGlob: 'c.d' });
  });

  it.each(['', '!', '.x', 'public-orders.'])('rejects %j with a usage error', (raw) => {
    expect(() => parseSelectPattern(raw)).toThrow(InputError);
  });
});

describe('applySelection (Meltano semantics)', () => {
  it('a stream pattern selects the streams with all their columns, except unsupported ones', () => {
    expect(select(['public-users'])).toEqual({ 'public-users': ['id', 'email', 'password_hash'] });
  });

  it('wildcards, then exclusions of streams and columns', () => {
    expect(select(['public-*', '!public-audit_*', '!public-users.password_hash'])).toEqual({
      'public-orders': ['id', 'amount', 'updated_at'],
      'public-users': ['id', 'email'],
    });
  });

  it('exclusions apply after inclusions whatever their order', () => {
    expect(select(['!public-orders', 'public-*'])).toEqual({ 'public-users': ['id', 'email', 'password_hash'], 'public-audit_2024': ['id', 'msg'] });
  });

  it('column patterns select only those columns (keys are kept by the plan)', () => {
    expect(select(['public-orders.amount', '*-events_*.a*'])).toEqual({ 'public-orders': ['amount'], 'sales-events_eu': ['at'] });
  });

  it('!S.* deselects the stream', () => {
    expect(select(['public-orders', 'public-users', '!public-users.*'])).toEqual({ 'public-orders': ['id', 'amount', 'updated_at'] });
  });

  it('with keepCatalogSelection the catalog selection is refined, not replaced', () => {
    const base = applySelection(catalog, [parseSelectPattern('public-orders')], { keepCatalogSelection: false });
    expect(select(['public-users', '!public-users.email'], base, true)).toEqual({
      'public-orders': ['id', 'amount', 'updated_at'],
      'public-users': ['id', 'password_hash'],
    });
    expect(select(['!public-orders'], base, true)).toEqual({});
  });

  it('does not change the catalog it is given', () => {
    const before = JSON.stringify(catalog);
    select(['public-*', '!public-users.email']);
    expect(JSON.stringify(catalog)).toBe(before);
  });

  it('a pattern matching no stream names the nearest stream ids', () => {
    expect(() => select(['public-ordrs'])).toThrow(/--select "public-ordrs" matches no stream; nearest stream ids: public-orders, public-users/);
    expect(() => select(['public-*', '!public-audti_*'])).toThrow(/"!public-audti_\*" matches no stream; nearest stream ids: public-audit_2024, /);
  });

  it('a column pattern matching no column names the nearest columns', () => {
    expect(() => select(['public-orders.amout'])).toThrow(/"public-orders.amout" matches no column of public-orders; nearest columns: amount/);
  });
});

describe('reachableSchemas', () => {
  const reach = (...raw: string[]) => reachableSchemas(raw.map(parseSelectPattern));
  it('names the schemas of patterns whose schema part has no wildcard', () => {
    expect(reach('public-*', 'sales-events_*', '!other-*')).toEqual(['public', 'sales']);
    expect(reach('my-schema-t*')).toEqual(['my', 'my-schema']);
  });
  it('is undefined when a pattern may match any schema', () => {
    expect(reach('public-*', '*-events')).toBeUndefined();
    expect(reach('pub*')).toBeUndefined();
  });
});

describe('nearest', () => {
  it('edit distance', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
  });
  it('orders by distance, then by candidate order', () => {
    expect(nearest('ab', ['xx', 'abc', 'ab', 'a'], 2)).toEqual(['ab', 'abc']);
  });
  it('reads wildcards as matching anything', () => {
    expect(nearest('public-audti_*', ['public-orders', 'public-users', 'public-audit_2024'], 1)).toEqual(['public-audit_2024']);
    expect(nearest('*-event_?', ['sales-events_eu', 'public-orders'], 1)).toEqual(['sales-events_eu']);
  });
});

describe('applyReplicationDefaults', () => {
  const selected = applySelection(catalog, ['public-orders', 'public-users', 'sales-*'].map(parseSelectPattern), { keepCatalogSelection: false });
  const root = (c: SingerCatalog, id: string) => c.streams.find((s) => s.tap_stream_id === id)?.metadata?.find((e) => e.breadcrumb.length === 0)?.metadata;

  it('sets method and key on selected streams that name none', () => {
    const out = applyReplicationDefaults(selected, { method: 'INCREMENTAL', key: 'id' });
    expect(root(out, 'public-orders')).toMatchObject({ 'replication-method': 'INCREMENTAL', 'replication-key': 'id' });
    expect(root(out, 'public-audit_2024')?.['replication-method']).toBeUndefined();
  });

  it('keeps what the catalog names', () => {
    const base: SingerCatalog = { streams: [stream('public-orders', ['id', 'updated_at'], { selected: true, 'replication-method': 'INCREMENTAL', 'replication-key': 'updated_at' })] };
    expect(root(applyReplicationDefaults(base, { method: 'FULL_TABLE', key: 'id' }), 'public-orders')).toMatchObject({
      'replication-method': 'INCREMENTAL',
      'replication-key': 'updated_at',
    });
    const view: SingerCatalog = { streams: [stream('public-v', ['id'], { selected: true, 'forced-replication-method': 'FULL_TABLE' })] };
    expect(root(applyReplicationDefaults(view, { method: 'LOG_BASED' }), 'public-v')?.['replication-method']).toBeUndefined();
  });

  it('INCREMENTAL without a valid key names the stream and its valid keys', () => {
    expect(() => applyReplicationDefaults(selected, { method: 'INCREMENTAL' })).toThrow(
      /stream public-orders: INCREMENTAL needs a replication key: give --replication-key COLUMN \(valid-replication-keys: id, amount, updated_at\)/,
    );
    expect(() => applyReplicationDefaults(selected, { method: 'INCREMENTAL', key: 'updated_at' })).toThrow(
      /stream public-users: --replication-key "updated_at" is not a valid replication key of this stream \(valid-replication-keys: id, email, password_hash\)/,
    );
    expect(() => applyReplicationDefaults(selected, { key: 'id', configMethod: 'INCREMENTAL' })).not.toThrow();
  });
});
