/**
 * Stream maps compiled from the settings, and what they do to a stream's SCHEMA and records
 * (record text in, record text out, numbers exact). Bad maps are InputErrors naming the place.
 */
import { createHash } from 'node:crypto';
import { loadConfig } from '../../lib/config/load-config';
import { InputError } from '../../lib/errors';
import { recordMapper } from '../../lib/maps/record-map';
import { mapSchema, mappedKeyProperties } from '../../lib/maps/schema-map';
import { compileStreamMaps, type StreamMap } from '../../lib/maps/stream-maps';

const SCHEMA = {
  type: 'object',
  properties: {
    id: { type: ['integer'] },
    email: { type: ['null', 'string'], maxLength: 100 },
    amount: { type: ['null', 'number'] },
    created: { type: ['null', 'string'], format: 'date-time' },
  },
};

function mapFor(maps: Record<string, unknown>, stream = 'public-users', config?: Record<string, unknown>): StreamMap {
  const compiled = compileStreamMaps(maps, config);
  const map = compiled?.forStream(stream);
  if (!map) throw new Error('no map');
  return map;
}

function mapRecord(map: StreamMap, record: string, keys = ['id'], config: Record<string, unknown> = {}): string | undefined {
  const compiled = compileStreamMaps({ x: {} }, config);
  return recordMapper(map, 'public-users', compiled!.config, mappedKeyProperties(map, 'public-users', keys))(record);
}

const RECORD = '{"id":12345678901234567890,"email":"a@b.c","amount":1.50,"created":"2024-01-01T00:00:00+00:00"}';

describe('compiling stream_maps', () => {
  it('finds a stream by name or fnmatch pattern; the last matching key wins; __else__ drops the rest', () => {
    const maps = compileStreamMaps({ 'public-*': { email: null }, 'public-orders': null, '__else__': null }, {})!;
    expect(maps.forStream('public-users')?.properties).toEqual([{ name: 'email' }]);
    expect(maps.forStream('public-orders')).toBeNull();
    expect(maps.forStream('audit-log')).toBeNull();
    expect(compileStreamMaps({ 'public-users': {} }, {})!.forStream('audit-log')).toBeUndefined();
    expect(compileStreamMaps({ 'p[!u]*': {} }, {})!.forStream('public-users')).toBeUndefined();
    expect(compileStreamMaps({ 'p?blic-[tu]sers': {} }, {})!.forStream('public-users')).toBeDefined();
  });

  it('is kept by the config loader as given (compiled by the CLI before connecting)', () => {
    expect(() => loadConfig([{ stream_maps: 'x' }], {})).toThrow(/\/stream_maps must be an object/);
    const config = loadConfig([{ stream_maps: { s: { x: null } }, stream_map_config: { k: 1 } }], {});
    expect(config).toMatchObject({ stream_maps: { s: { x: null } }, stream_map_config: { k: 1 } });
  });

  it('is nothing without maps', () => {
    expect(compileStreamMaps(undefined, undefined)).toBeUndefined();
    expect(compileStreamMaps({}, {})).toBeUndefined();
  });

  it.each([
    [{ s: { x: 'name.lower()' } }, {}, /stream_maps\.s\.x: "name\.lower\(\)": attribute and method access \(\.lower\) is not supported/],
    [{ s: { x: 'len(name)' } }, {}, /stream_maps\.s\.x: "len\(name\)": function len\(\) is not supported/],
    [{ s: { __filter__: 'x ==' } }, {}, /stream_maps\.s\.__filter__: "x ==": the expression is incomplete/],
    [{ s: { x: 5 } }, {}, /stream_maps\.s\.x: must be an expression string or null \(got 5\)/],
    [{ s: { __source__: 't' } }, {}, /__source__\) is not supported/],
    [{ s: { __bogus__: 1 } }, {}, /stream_maps\.s\.__bogus__: is not a stream map option/],
    [{ s: { __else__: 'x' } }, {}, /only null is supported/],
    [{ s: { __key_properties__: 'id' } }, {}, /__key_properties__: must be an array of property names or null/],
    [{ s: { __alias__: '' } }, {}, /__alias__: must be a stream name/],
    [{ s: 'x' }, {}, /stream_maps\.s: must be an object or null/],
    [{ __else__: {} }, {}, /stream_maps\.__else__: only null is supported/],
    [{ s: { h: "md5(config['salt'] + x)" } }, { seed: 1 }, /reads config\["salt"\], which stream_map_config does not have/],
    [{ s: { __filter__: 'self' } }, {}, /self has no meaning in a filter/],
    [[], {}, /stream_maps: must be an object/],
  ])('refuses %j', (maps, config, message) => {
    expect(() => compileStreamMaps(maps, config)).toThrow(InputError);
    expect(() => compileStreamMaps(maps, config)).toThrow(message);
  });
});

describe('the SCHEMA after a map', () => {
  const shape = { schema: SCHEMA, keyProperties: ['id'], bookmarkProperties: ['created'] };

  it('drops, renames (copying the schema), computes (typed by the expression) and keeps the rest in order', () => {
    const map = mapFor({ 'public-users': { email: null, email_hash: 'md5(email)', when: 'created', cents: 'int(amount * 100)', big: 'amount > 10', n: 'amount * 2', label: "'x'", odd: 'config' } }, 'public-users', {});
    const mapped = mapSchema(map, 'public-users', shape);
    expect(Object.keys(mapped.schema.properties as object)).toEqual(['id', 'amount', 'created', 'email_hash', 'when', 'cents', 'big', 'n', 'label', 'odd']);
    expect(mapped.schema.properties).toMatchObject({
      email_hash: { type: ['null', 'string'] },
      when: { type: ['null', 'string'], format: 'date-time' },
      cents: { type: ['null', 'integer'] },
      big: { type: ['null', 'boolean'] },
      n: { type: ['null', 'number'] },
      label: { type: ['null', 'string'] },
      odd: { type: ['null', 'string'] },
    });
    expect(mapped.keyProperties).toEqual(['id']);
    expect(mapped.bookmarkProperties).toEqual(['created']);
  });

  it('keeps only the named properties and the key under __else__: null', () => {
    const mapped = mapSchema(mapFor({ 'public-users': { email: 'email', __else__: null } }), 'public-users', shape);
    expect(Object.keys(mapped.schema.properties as object)).toEqual(['id', 'email']);
    expect(mapped.bookmarkProperties).toEqual([]);
  });

  it('lets the key follow a rename, or take __key_properties__', () => {
    expect(mapSchema(mapFor({ 'public-users': { id: null, user_id: 'id' } }), 's', shape).keyProperties).toEqual(['user_id']);
    const hashed = mapSchema(mapFor({ 'public-users': { id: null, id_hash: 'md5(str(id))', __key_properties__: ['id_hash'] } }), 's', shape);
    expect(hashed.keyProperties).toEqual(['id_hash']);
    expect(mapSchema(mapFor({ 'public-users': { __key_properties__: null } }), 's', shape).keyProperties).toEqual([]);
  });

  it('refuses to drop a key without a new one, or a key that is not in the result', () => {
    expect(() => mapSchema(mapFor({ 'public-users': { id: null } }), 'public-users', shape)).toThrow(/stream public-users: drops key property "id"/);
    expect(() => mapSchema(mapFor({ 'public-users': { __key_properties__: ['nope'] } }), 'public-users', shape)).toThrow(/key property "nope" is not a property of the mapped stream/);
  });
});

describe('a record after a map', () => {
  it('keeps the text of values it copies (digits, number form) and computes the others', () => {
    const map = mapFor({ 'public-users': { email: null, email_hash: 'md5(email)', uid: 'id', plus: 'id + 1' } });
    const md5 = createHash('md5').update('a@b.c').digest('hex');
    expect(mapRecord(map, RECORD)).toBe(
      `{"id":12345678901234567890,"amount":1.50,"created":"2024-01-01T00:00:00+00:00","email_hash":"${md5}","uid":12345678901234567890,"plus":12345678901234567891}`,
    );
  });

  it('filters records; a filter reading an absent field keeps the record', () => {
    const map = mapFor({ 'public-users': { __filter__: 'amount > 1' } });
    expect(mapRecord(map, RECORD)).toBe(RECORD);
    expect(mapRecord(map, '{"id":1,"amount":0.5}')).toBeUndefined();
    expect(mapRecord(map, '{"id":1}')).toBe('{"id":1}');
  });

  it('keeps only named fields and keys under __else__: null, and leaves out a property whose input is absent', () => {
    const map = mapFor({ 'public-users': { e: 'email', h: 'md5(email)', __else__: null } });
    expect(mapRecord(map, RECORD)).toBe(`{"id":12345678901234567890,"e":"a@b.c","h":"${createHash('md5').update('a@b.c').digest('hex')}"}`);
    expect(mapRecord(map, '{"id":7,"_sdc_deleted_at":"2024-01-01T00:00:00+00:00"}')).toBe('{"id":7}');
  });

  it('reads stream_map_config, self, and keys with escapes', () => {
    const map = mapFor({ 'public-users': { email: "md5(config['seed'] + self)", 'a"b': "'q'" } }, 'public-users', { seed: 's' });
    const out = mapRecord(map, '{"id":1,"email":"x","we\\"ird":2}', ['id'], { seed: 's' });
    expect(JSON.parse(out!)).toEqual({ id: 1, email: createHash('md5').update('sx').digest('hex'), 'we"ird': 2, 'a"b': 'q' });
  });

  it('fails naming the stream, property and error (never the values) when an expression fails', () => {
    const map = mapFor({ 'public-users': { n: 'email + 1' } });
    expect(() => mapRecord(map, RECORD)).toThrow(/stream_maps for stream public-users, property n: "email \+ 1" failed: unsupported operand type\(s\) for \+: 'str' and 'int'/);
  });
});
