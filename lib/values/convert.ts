/**
 * The ONE value converter: PostgreSQL's text output of a non-NULL value → JSON text. Every read
 * path (COPY text rows, SELECT rows kept as text, pgoutput tuples) hands over the same text, so
 * every path writes the same JSON. A converter is chosen once per column; the per-value work is
 * slicing and concatenation (no Date, luxon, regex or JSON.parse). The caller writes `null` for
 * SQL NULL. The session settings this relies on: TimeZone=UTC, DateStyle='ISO, YMD',
 * IntervalStyle=iso_8601, extra_float_digits=1, bytea_output=hex.
 *
 * Outputs by type (the README quotes this table):
 *
 * | PostgreSQL                  | JSON                                                              |
 * |-----------------------------|-------------------------------------------------------------------|
 * | smallint, integer, bigint   | number, digits as the server printed them (`9223372036854775807`) |
 * | numeric                     | number, digit-exact (`12345678901234567890.123456789`)           |
 * | real, double precision      | number as printed, shortest exact form (`1e+30`, `-0`, `0.1`)    |
 * | numeric/real/double NaN, ±Infinity | `null`, warning `NaN` / `Infinity`                        |
 * | boolean, bit(1)             | `true` / `false`                                                  |
 * | date                        | `"2024-02-29"`                                                    |
 * | timestamp                   | `"2024-02-29T13:14:15.000000+00:00"` (naive taken as UTC)         |
 * | timestamp with time zone    | `"2024-02-29T13:14:15.123456+00:00"` (UTC; always 6 fraction digits) |
 * | BC / year > 9999            | ECMAScript expanded years, astronomical numbering: 1 BC = `0000`, |
 * |                             | 44 BC = `-000043-03-15`, `+010000-01-01T00:00:00.000000+00:00`    |
 * |                             | (dates after year 999999 get 7 digits, `+5874897-12-31`: no standard form) |
 * | date/timestamp ±infinity    | `null`, warning `infinity`                                        |
 * | time                        | `"13:14:15"`, `"13:14:15.5"`, `"24:00:00"`: the server's text as is |
 * | time with time zone         | `"13:14:15.5+05:30"`: time as is, offset `±HH:MM` (`±HH:MM:SS` if it has seconds) |
 * | interval                    | `"P1Y2M3DT4H5M6.5S"`: ISO 8601 text as the server prints it       |
 * | json, jsonb                 | the JSON text as a string, untouched; with `json_as_object` the   |
 * |                             | value itself, whitespace outside strings removed (numbers as written) |
 * | hstore                      | object of string/null values: `{"a":"1","b":null}`                |
 * | bytea                       | hex digits as a string: `"0a0b"`                                  |
 * | arrays (any depth)          | nested arrays of the element's JSON, `null` for NULL elements;    |
 * |                             | a `[lb:ub]=` bounds prefix is dropped; `{}` → `[]`               |
 * | everything else (text, enum, uuid, inet, money, ranges, geometric, bit(n), xml, …) | JSON string of the text |
 */
import type { ColumnType, ValueKind } from '../pg/types';
import { arrayConverter } from './array-literal';
import { dateConverter, timeConverter, timestampConverter, timetzConverter } from './datetime';
import { hstoreToJson } from './hstore';
import { jsonString, minifyJson } from './json-text';
import { bit1ToJson, booleanToJson, byteaToJson, decimalConverter, integerToJson } from './scalars';
import type { ToJson } from './to-json';

export interface ConvertOptions {
  /** json/jsonb as JSON values instead of strings (config `json_as_object`). */
  jsonAsObject: boolean;
}

export function columnConverter(type: ColumnType, options: ConvertOptions, onWarning: (reason: string) => void): ToJson {
  const element = scalarConverter(type.kind, options, onWarning);
  return type.isArray ? arrayConverter(element, type.delimiter || ',') : element;
}

const quoteInterval: ToJson = (text) => '"' + text + '"';

function scalarConverter(kind: ValueKind, options: ConvertOptions, warn: (reason: string) => void): ToJson {
  switch (kind) {
    case 'smallint':
    case 'integer':
    case 'bigint':
      return integerToJson;
    case 'numeric':
    case 'real':
    case 'double':
      return decimalConverter(warn);
    case 'boolean':
      return booleanToJson;
    case 'bit1':
      return bit1ToJson;
    case 'string':
      return jsonString;
    case 'date':
      return dateConverter(warn);
    case 'timestamp':
      return timestampConverter(warn, false);
    case 'timestamptz':
      return timestampConverter(warn, true);
    case 'time':
      return timeConverter();
    case 'timetz':
      return timetzConverter();
    case 'interval':
      return quoteInterval;
    case 'json':
    case 'jsonb':
      return options.jsonAsObject ? minifyJson : jsonString;
    case 'hstore':
      return hstoreToJson;
    case 'bytea':
      return byteaToJson;
    default:
      return assertNever(kind);
  }
}

function assertNever(kind: never): never {
  throw new Error(`no converter for value kind ${String(kind)}`);
}
