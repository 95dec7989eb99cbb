import type { ColumnType, ValueKind } from '../../lib/pg/types';
import { columnConverter } from '../../lib/values/convert';
import { hstoreToJson } from '../../lib/values/hstore';

function arrayOf(kind: ValueKind, text: string, options: { delimiter?: string; jsonAsObject?: boolean } = {}) {
  const warnings: string[] = [];
  const type: ColumnType = { kind, isArray: true, sqlType: `${kind}[]`, baseTypeName: kind, delimiter: options.delimiter ?? ',' };
  const json = columnConverter(type, { jsonAsObject: options.jsonAsObject ?? false }, (r) => warnings.push(r))(text);
  return { json, warnings };
}

describe('array literals', () => {
  test.each([
    ['integer', '{1,2,3}', '[1,2,3]'],
    ['integer', '{}', '[]'],
    ['integer', '{{1,2},{3,4}}', '[[1,2],[3,4]]'],
    ['integer', '{{{1},{2}},{{3},{NULL}}}', '[[[1],[2]],[[3],[null]]]'],
    ['integer', '[0:1]={7,8}', '[7,8]'],
    ['integer', '[1:2][-1:0]={{1,2},{3,4}}', '[[1,2],[3,4]]'],
    ['bigint', '{9223372036854775807,NULL,-1}', '[9223372036854775807,null,-1]'],
    ['string', '{a,"b c","NULL",NULL,""}', '["a","b c","NULL",null,""]'],
    ['string', '{"quote \\" here","back\\\\slash","comma,brace{}"}', '["quote \\" here","back\\\\slash","comma,brace{}"]'],
    ['string', '{"line\nbreak\ttab",ünï,😀}', '["line\\nbreak\\ttab","ünï","😀"]'],
    ['string', '{{a,b},{NULL,"}"}}', '[["a","b"],[null,"}"]]'],
    ['boolean', '{t,f,NULL}', '[true,false,null]'],
    ['date', '{2024-01-01,"0044-03-15 BC",infinity}', '["2024-01-01","-000043-03-15",null]'],
    ['timestamptz', '{"2024-01-01 00:00:00+00","2024-01-01 00:00:00.5+00"}', '["2024-01-01T00:00:00.000000+00:00","2024-01-01T00:00:00.500000+00:00"]'],
    ['bytea', '{"\\\\x0a0b",NULL}', '["0a0b",null]'],
    ['jsonb', '{"{\\"a\\": 1}","[1, 2]"}', '["{\\"a\\": 1}","[1, 2]"]'],
    ['hstore', '{"\\"a\\"=>\\"1\\"",NULL}', '[{"a":"1"},null]'],
  ] as Array<[ValueKind, string, string]>)('%s %s → %s', (kind, text, json) => {
    const result = arrayOf(kind, text);
    expect(result.json).toBe(json);
    JSON.parse(result.json);
  });

  test('box arrays use the ; delimiter', () => {
    expect(arrayOf('string', '{(1,1),(0,0);(3,3),(2,2)}', { delimiter: ';' }).json).toBe('["(1,1),(0,0)","(3,3),(2,2)"]');
  });

  test('json elements become values with json_as_object', () => {
    expect(arrayOf('jsonb', '{"{\\"a\\": [1, 2]}",NULL,"\\"s p\\""}', { jsonAsObject: true }).json).toBe('[{"a":[1,2]},null,"s p"]');
  });

  test('element warnings are reported (NaN inside numeric[])', () => {
    const result = arrayOf('numeric', '{1.5,NaN,-Infinity}');
    expect(result.json).toBe('[1.5,null,null]');
    expect(result.warnings).toEqual(['NaN', 'Infinity']);
  });
});

describe('hstore', () => {
  test.each([
    ['"a"=>"1", "b"=>NULL', { a: '1', b: null }],
    ['', {}],
    ['"k\\"q"=>"v\\\\b", "sp ace"=>"=> ,"', { 'k"q': 'v\\b', 'sp ace': '=> ,' }],
    ['"NULL"=>"NULL", "e"=>""', { NULL: 'NULL', e: '' }],
    ['"ü"=>"😀\n"', { 'ü': '😀\n' }],
    ['a=>1, b=>NULL', { a: '1', b: null }],
  ] as Array<[string, Record<string, string | null>]>)('%j', (text, object) => {
    expect(JSON.parse(hstoreToJson(text))).toEqual(object);
  });
});
