import type { ColumnType, ValueKind } from '../../lib/pg/types';
import { columnConverter } from '../../lib/values/convert';
import { isoYear } from '../../lib/values/datetime';

function typeOf(kind: ValueKind, isArray = false, delimiter = ','): ColumnType {
  return { kind, isArray, sqlType: kind, baseTypeName: kind, delimiter };
}

function convert(kind: ValueKind, text: string, jsonAsObject = false): { json: string; warnings: string[] } {
  const warnings: string[] = [];
  const toJson = columnConverter(typeOf(kind), { jsonAsObject }, (reason) => warnings.push(reason));
  return { json: toJson(text), warnings };
}

type Case = [ValueKind, string, string, string[]?];

const cases: Case[] = [
  ['smallint', '-32768', '-32768'],
  ['integer', '2147483647', '2147483647'],
  ['bigint', '9223372036854775807', '9223372036854775807'],
  ['bigint', '-9223372036854775808', '-9223372036854775808'],
  ['numeric', '12345678901234567890.123456789', '12345678901234567890.123456789'],
  ['numeric', '-0.000000000000000000001', '-0.000000000000000000001'],
  ['numeric', '12.50', '12.50'],
  ['numeric', 'NaN', 'null', ['NaN']],
  ['numeric', 'Infinity', 'null', ['Infinity']],
  ['numeric', '-Infinity', 'null', ['Infinity']],
  ['real', '1e+30', '1e+30'],
  ['real', '-0', '-0'],
  ['double', '1.5e-07', '1.5e-07'],
  ['double', '0.1', '0.1'],
  ['double', 'NaN', 'null', ['NaN']],
  ['double', '-Infinity', 'null', ['Infinity']],
  ['boolean', 't', 'true'],
  ['boolean', 'f', 'false'],
  ['bit1', '1', 'true'],
  ['bit1', '0', 'false'],
  ['string', 'plain', '"plain"'],
  ['string', 'quote " backslash \\ slash /', '"quote \\" backslash \\\\ slash /"'],
  ['string', 'tab\tnl\ncr\rnul?\u0001\u001f', '"tab\\tnl\\ncr\\rnul?\\u0001\\u001f"'],
  ['string', 'ünïcødé 日本 😀 \u2028', '"ünïcødé 日本 😀 \u2028"'],
  ['date', '2024-02-29', '"2024-02-29"'],
  ['date', '0001-01-01', '"0001-01-01"'],
  ['date', '0001-12-31 BC', '"0000-12-31"'],
  ['date', '0044-03-15 BC', '"-000043-03-15"'],
  ['date', '4714-11-24 BC', '"-004713-11-24"'],
  ['date', '10000-01-01', '"+010000-01-01"'],
  ['date', '5874897-12-31', '"+5874897-12-31"'],
  ['date', 'infinity', 'null', ['infinity']],
  ['date', '-infinity', 'null', ['infinity']],
  ['timestamp', '2024-02-29 13:14:15', '"2024-02-29T13:14:15.000000+00:00"'],
  ['timestamp', '2024-02-29 13:14:15.5', '"2024-02-29T13:14:15.500000+00:00"'],
  ['timestamp', '2024-02-29 13:14:15.123456', '"2024-02-29T13:14:15.123456+00:00"'],
  ['timestamp', '0044-03-15 12:00:00.25 BC', '"-000043-03-15T12:00:00.250000+00:00"'],
  ['timestamp', '10000-01-01 00:00:00', '"+010000-01-01T00:00:00.000000+00:00"'],
  ['timestamp', '294276-12-31 23:59:59.999999', '"+294276-12-31T23:59:59.999999+00:00"'],
  ['timestamp', 'infinity', 'null', ['infinity']],
  ['timestamp', '-infinity', 'null', ['infinity']],
  ['timestamptz', '2024-02-29 13:14:15+00', '"2024-02-29T13:14:15.000000+00:00"'],
  ['timestamptz', '2024-02-29 13:14:15.000001+00', '"2024-02-29T13:14:15.000001+00:00"'],
  ['timestamptz', '2024-02-29 13:14:15.12+05:30', '"2024-02-29T13:14:15.120000+05:30"'],
  ['timestamptz', '1850-01-01 00:00:00-00:01:15', '"1850-01-01T00:00:00.000000-00:01:15"'],
  ['timestamptz', '0001-01-01 00:00:00+00 BC', '"0000-01-01T00:00:00.000000+00:00"'],
  ['timestamptz', '4714-11-24 00:00:00+00 BC', '"-004713-11-24T00:00:00.000000+00:00"'],
  ['timestamptz', '12345-06-07 08:09:10.5+00', '"+012345-06-07T08:09:10.500000+00:00"'],
  ['timestamptz', '-infinity', 'null', ['infinity']],
  ['time', '13:14:15', '"13:14:15"'],
  ['time', '13:14:15.000123', '"13:14:15.000123"'],
  ['time', '24:00:00', '"24:00:00"'],
  ['timetz', '13:14:15+00', '"13:14:15+00:00"'],
  ['timetz', '13:14:15.5-05', '"13:14:15.5-05:00"'],
  ['timetz', '13:14:15+05:30', '"13:14:15+05:30"'],
  ['timetz', '24:00:00-15:59:59', '"24:00:00-15:59:59"'],
  ['interval', 'P1Y2M3DT4H5M6.5S', '"P1Y2M3DT4H5M6.5S"'],
  ['interval', 'PT0S', '"PT0S"'],
  ['interval', 'P-1DT-2H', '"P-1DT-2H"'],
  ['json', '{"a": [1, 2]}', '"{\\"a\\": [1, 2]}"'],
  ['jsonb', '{"a": 1}', '"{\\"a\\": 1}"'],
  ['hstore', '"a"=>"1", "b"=>NULL', '{"a":"1","b":null}'],
  ['hstore', '', '{}'],
  ['bytea', '\\x0a0bff', '"0a0bff"'],
  ['bytea', '\\x', '""'],
];

describe('columnConverter (scalars)', () => {
  test.each(cases)('%s %j → %s', (kind, text, json, warnings = []) => {
    const result = convert(kind, text);
    expect(result.json).toBe(json);
    expect(result.warnings).toEqual(warnings);
    JSON.parse(result.json); // always valid JSON
  });

  test('every non-null output of a string column parses back to the same text', () => {
    let all = '';
    for (let code = 0; code < 0x3000; code += 1) all += String.fromCharCode(code);
    all += '\ud83d\ude00 lone \ud800 surrogate';
    const { json } = convert('string', all);
    expect(JSON.parse(json)).toBe(all);
    expect(json).not.toMatch(/[\u0000-\u001f]/);
  });

  test('bigint and numeric never go through a JS number', () => {
    const digits = '123456789012345678901234567890123456789.000000000000000000000000000001';
    expect(convert('numeric', digits).json).toBe(digits);
    expect(convert('bigint', '9007199254740993').json).toBe('9007199254740993');
  });

  test('bytea in the legacy escape format becomes the same hex', () => {
    expect(convert('bytea', 'ab\\\\\\000\\377').json).toBe('"61625c00ff"');
  });
});

describe('json_as_object', () => {
  const minified: Array<[string, string]> = [
    ['{"a": 1, "b": [1, 2, {"c": null}]}', '{"a":1,"b":[1,2,{"c":null}]}'],
    ['{\n\t"key with space" : "value  with\\"quote\\" and \\\\ ",\r\n "n": 1e400 }', '{"key with space":"value  with\\"quote\\" and \\\\ ","n":1e400}'],
    ['[ 123456789012345678901234567890 , -0.10 ]', '[123456789012345678901234567890,-0.10]'],
    ['"just a string"', '"just a string"'],
    ['  42  ', '42'],
    ['{"x":"\\\\"}', '{"x":"\\\\"}'],
    ['{"x": "ends with backslash-quote \\"", "y": " "}', '{"x":"ends with backslash-quote \\"","y":" "}'],
  ];
  test.each(minified)('%j → %s', (text, json) => {
    expect(convert('jsonb', text, true).json).toBe(json);
    expect(convert('json', text, true).json).toBe(json);
  });
});

describe('isoYear', () => {
  test.each([
    ['2024', false, '2024'],
    ['0001', true, '0000'],
    ['0002', true, '-000001'],
    ['0044', true, '-000043'],
    ['10000', false, '+010000'],
  ] as Array<[string, boolean, string]>)('%s bc=%s → %s', (digits, bc, year) => {
    expect(isoYear(digits, bc)).toBe(year);
  });

  test('matches ECMAScript Date for expanded years', () => {
    expect(new Date('-000043-03-15T00:00:00.000Z').getUTCFullYear()).toBe(-43);
    expect(new Date('+010000-01-01T00:00:00.000Z').getUTCFullYear()).toBe(10000);
  });
});
