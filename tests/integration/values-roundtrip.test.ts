/**
 * The converter against PostgreSQL itself: for literals of every kind, the JSON our converter
 * makes from the server's text (`v::text`) must agree with the server's own JSON (`to_json(v)`)
 * after the documented normalisations, and temporal values must compare equal on the server.
 * The COPY path (lib/db/copy-out.ts → copyLines → splitCopyLine) must give the same field
 * texts as `::text`.
 */
import postgres from 'postgres';
import type { ColumnType, ValueKind } from '../../lib/pg/types';
import { copyOutBatches } from '../../lib/db/copy-out';
import { copyLines, splitCopyLine } from '../helpers/record-reference';
import { columnConverter } from '../../lib/values/convert';
import { serverVersionNum, testDb } from '../helpers/db';

interface Column {
  name: string;
  kind: ValueKind;
  isArray?: boolean;
  delimiter?: string;
  /** A server-side type to compare temporal values with `$1::type = v`. */
  compareAs?: string;
  literals: string[];
}

// numeric ±Infinity is new in PostgreSQL 14.
const numericInfinity = serverVersionNum() >= 140000 ? ['Infinity', '-Infinity'] : [];

const COLUMNS: Column[] = [
  { name: 'i2', kind: 'smallint', literals: ['-32768', '32767', '0'] },
  { name: 'i4', kind: 'integer', literals: ['-2147483648', '2147483647'] },
  { name: 'i8', kind: 'bigint', literals: ['9223372036854775807', '-9223372036854775808'] },
  { name: 'num', kind: 'numeric', literals: ['12345678901234567890.123456789', '-0.000000000000000000001', '12.50', 'NaN', ...numericInfinity, '1e-30'] },
  { name: 'r4', kind: 'real', literals: ['1e30', '-0', '0.1', '3.4028235e38', 'NaN', '1.17549435e-38'] },
  { name: 'f8', kind: 'double', literals: ['1.5e-7', '0.1', '-0', '1.7976931348623157e308', '-Infinity', '4.9e-324', '123456789012345680000'] },
  { name: 'b', kind: 'boolean', literals: ['true', 'false'] },
  { name: 'bit1', kind: 'bit1', literals: ['1', '0'] },
  { name: 't', kind: 'string', literals: ['plain', 'quote " backslash \\ tab \t newline \n cr \r', 'ünïcødé 日本 😀 \u2028 \u0001\u001f\u007f'] },
  { name: 'd', kind: 'date', compareAs: 'date', literals: ['2024-02-29', '0001-01-01', '0001-12-31 BC', '0044-03-15 BC', '4714-11-24 BC', '10000-01-01', '5874897-12-31', 'infinity', '-infinity'] },
  { name: 'ts', kind: 'timestamp', compareAs: 'timestamp', literals: ['2024-02-29 13:14:15', '2024-02-29 13:14:15.5', '2000-01-01 00:00:00.000001', '0044-03-15 12:00:00.25 BC', '10000-01-01 00:00:00', '294276-12-31 23:59:59.999999', 'infinity'] },
  { name: 'tstz', kind: 'timestamptz', compareAs: 'timestamptz', literals: ['2024-02-29 13:14:15.123456+00', '2024-02-29 13:14:15+05:30', '1850-06-01 00:00:00 Europe/Amsterdam', '0001-01-01 00:00:00+00 BC', '12345-06-07 08:09:10.5+00', '-infinity'] },
  { name: 'tm', kind: 'time', compareAs: 'time', literals: ['13:14:15', '13:14:15.000123', '24:00:00', '00:00:00'] },
  { name: 'tmtz', kind: 'timetz', compareAs: 'timetz', literals: ['13:14:15+00', '13:14:15.5-05', '13:14:15+05:30', '24:00:00-15:59'] },
  { name: 'iv', kind: 'interval', compareAs: 'interval', literals: ['1 year 2 months 3 days 04:05:06.5', '0', '-1 day -02:00:00', '1000000 hours'] },
  { name: 'j', kind: 'json', literals: ['{"a": [1, 2.50, 123456789012345678901234567890], "b": "x\\"y"}', '[\n  1,\n\t"two"\n]', '"s p a c e"', '1e400'] },
  { name: 'jb', kind: 'jsonb', literals: ['{"a": [1, 2.50, 123456789012345678901234567890], "b": "x\\"y \\\\ ü"}', '[]', '{"n": null, "e": ""}', '"just a string"', '-1.0e-5'] },
  { name: 'hs', kind: 'hstore', literals: ['a=>1, b=>NULL', '', '"k\\"q"=>"v\\\\b", "sp ace"=>"=> ,", "ü"=>"😀"'] },
  { name: 'by', kind: 'bytea', literals: ['\\x0a0bff', '\\x', 'abc'] },
  { name: 'ia', kind: 'integer', isArray: true, literals: ['{1,2,3}', '{}', '{{1,2},{3,NULL}}', '[0:1]={7,8}', '{{{1}},{{2}}}'] },
  { name: 'ta', kind: 'string', isArray: true, literals: ['{a,"b c",NULL,"NULL",""}', '{"quote \\" here","back\\\\slash","comma,brace{}"}', '{{ü,😀},{"x\ty",z}}'] },
  { name: 'na', kind: 'numeric', isArray: true, literals: ['{1.50,NaN,12345678901234567890.123456789}'] },
  { name: 'tsa', kind: 'timestamptz', isArray: true, compareAs: 'timestamptz[]', literals: ['{"2024-01-01 00:00:00.5+00",NULL,"0044-03-15 00:00:00+00 BC"}'] },
  { name: 'bx', kind: 'string', isArray: true, delimiter: ';', literals: ['{(1,1),(0,0);(3,3),(2,2)}'] },
  { name: 'jba', kind: 'jsonb', isArray: true, literals: ['{"{\\"a\\": 1}","[1, 2]",NULL}'] },
];

/** Our ISO form back to PostgreSQL input: expanded years → 4-digit year plus ` BC`. */
function pgInput(iso: string): string {
  const match = /^([+-]\d{6,}|\d{4})(-.*)$/.exec(iso);
  if (!match) return iso;
  const year = Number(match[1]);
  return year <= 0 ? String(1 - year).padStart(4, '0') + match[2] + ' BC' : String(year).padStart(4, '0') + match[2];
}

/** Parse JSON that may hold integers beyond 2^53, keeping numbers as their digit strings. */
function parseExact(json: string): unknown {
  return JSON.parse(json.replace(/("(?:[^"\\]|\\.)*")|(-?\d[\d.eE+-]*)/g, (all, str) => (str ? str : JSON.stringify({ n: all }))));
}

/** Whether PostgreSQL finds two texts equal as values of a temporal type. */
async function sameOnServer(sql: postgres.Sql, type: string, a: string, b: string): Promise<boolean> {
  const query = {
    date: () => sql`SELECT ${a}::text::date = ${b}::text::date AS same`,
    timestamp: () => sql`SELECT ${a}::text::timestamp = ${b}::text::timestamp AS same`,
    timestamptz: () => sql`SELECT ${a}::text::timestamptz = ${b}::text::timestamptz AS same`,
    'timestamptz[]': () => sql`SELECT ${a}::text::timestamptz[] = ${b}::text::timestamptz[] AS same`,
    time: () => sql`SELECT ${a}::text::time = ${b}::text::time AS same`,
    // timetz equality also compares the offset, which is what we want: it must be kept.
    timetz: () => sql`SELECT ${a}::text::timetz = ${b}::text::timetz AS same`,
    interval: () => sql`SELECT ${a}::text::interval::text = ${b}::text::interval::text AS same`,
  }[type];
  if (!query) throw new Error(`no comparison for ${type}`);
  const [row] = await query();
  return row.same as boolean;
}

function withoutWhitespace(a: string): string {
  return a.replace(/\s/g, '');
}

describe('values round-trip against PostgreSQL', () => {
  const db = testDb();
  const sql = postgres({
    host: db.host,
    port: db.port,
    user: db.user,
    password: db.password || undefined,
    database: db.dbname,
    max: 1,
    onnotice: () => undefined,
    connection: { TimeZone: 'UTC', DateStyle: 'ISO, YMD', IntervalStyle: 'iso_8601', extra_float_digits: '1', bytea_output: 'hex' } as Record<string, string>,
  });

  beforeAll(async () => {
    await sql`
      CREATE TEMP TABLE rt (
        id integer PRIMARY KEY, i2 smallint, i4 integer, i8 bigint, num numeric, r4 real, f8 double precision,
        b boolean, bit1 bit(1), t text, d date, ts timestamp, tstz timestamptz, tm time, tmtz timetz, iv interval,
        j json, jb jsonb, hs public.hstore, by bytea, ia integer[], ta text[], na numeric[], tsa timestamptz[],
        bx box[], jba jsonb[]
      )`;
    let id = 0;
    for (const column of COLUMNS) {
      for (const literal of column.literals) {
        id += 1;
        // json_populate_record applies each column's input function to the text: no client-side
        // type handling. json/jsonb literals are embedded as JSON, every other one as a string.
        const value = column.kind === 'json' || column.kind === 'jsonb' ? (column.isArray ? JSON.stringify(literal) : literal) : JSON.stringify(literal);
        const record = `{"id": ${id}, ${JSON.stringify(column.name)}: ${value}}`;
        await sql`INSERT INTO rt SELECT (json_populate_record(NULL::rt, ${record}::text::json)).* `;
      }
    }
  });

  afterAll(async () => {
    await sql.end();
  });

  test.each(COLUMNS.map((c) => [c.name, c] as [string, Column]))('%s: converter agrees with to_json', async (_name, column) => {
    const type: ColumnType = { kind: column.kind, isArray: column.isArray ?? false, sqlType: '', baseTypeName: '', delimiter: column.delimiter ?? ',' };
    const rows = await sql<Array<{ text: string; json: string }>>`
      SELECT ${sql(column.name)}::text AS text, to_json(${sql(column.name)})::text AS json
        FROM rt WHERE ${sql(column.name)} IS NOT NULL ORDER BY id`;
    expect(rows).toHaveLength(column.literals.length);
    for (const { text, json: pgJson } of rows) {
      const warnings: string[] = [];
      const mine = columnConverter(type, { jsonAsObject: false }, (r) => warnings.push(r))(text);
      const asObject = columnConverter(type, { jsonAsObject: true }, () => undefined)(text);
      JSON.parse(mine);
      JSON.parse(asObject);
      const context = `${column.name} ${text} → ${mine} (server ${pgJson})`;
      const pgValue = JSON.parse(pgJson) as unknown;
      if (!column.isArray && /^"(-?Infinity|NaN|-?infinity)"$/.test(pgJson)) {
        expect([context, mine, warnings.length]).toEqual([context, 'null', 1]);
        continue;
      }
      const expectedWarnings = (pgJson.match(/"(NaN|-?Infinity|-?infinity)"/g) ?? []).length;
      expect([context, warnings.length]).toEqual([context, expectedWarnings]);
      switch (column.compareAs ? 'temporal' : column.kind) {
        case 'temporal': {
          const input = column.isArray
            ? `{${(JSON.parse(mine) as Array<string | null>).map((e) => (e === null ? 'NULL' : `"${pgInput(e)}"`)).join(',')}}`
            : pgInput(JSON.parse(mine) as string);
          expect([context, input, await sameOnServer(sql, column.compareAs as string, input, text)]).toEqual([context, input, true]);
          break;
        }
        case 'string':
        case 'boolean':
          expect([context, JSON.parse(mine)]).toEqual([context, pgValue]);
          break;
        case 'bit1':
          expect([context, JSON.parse(mine)]).toEqual([context, pgValue === '1']);
          break;
        case 'bytea':
          expect([context, '\\x' + (JSON.parse(mine) as string)]).toEqual([context, pgValue]);
          break;
        case 'hstore':
          expect([context, JSON.parse(mine)]).toEqual([context, pgValue]);
          break;
        case 'json':
        case 'jsonb': {
          const strings = JSON.parse(mine) as unknown;
          if (column.isArray) {
            const parsed = (strings as Array<string | null>).map((e) => (e === null ? null : JSON.parse(e)));
            expect([context, parsed]).toEqual([context, pgValue]);
          } else {
            expect([context, strings]).toEqual([context, text]);
          }
          expect([context, parseExact(asObject)]).toEqual([context, column.isArray ? parseExact(pgJson) : parseExact(text)]);
          const [{ same }] = await sql`SELECT ${asObject}::text::jsonb = ${pgJson}::text::jsonb AS same`;
          expect([context, same]).toEqual([context, true]);
          break;
        }
        default: {
          // Numbers (and arrays of them): digit strings equal, NaN elements null.
          const expected = withoutWhitespace(pgJson).replace(/"(NaN|-?Infinity)"/g, 'null');
          expect([context, parseExact(mine)]).toEqual([context, parseExact(expected)]);
          expect(mine).toBe(expected);
        }
      }
    }
  });

  test('COPY text through copyLines/splitCopyLine gives the same field texts as the output functions', async () => {
    const names = ['id', ...COLUMNS.map((c) => c.name)];
    const expected: Array<Array<string | null>> = [];
    for (const [index, name] of names.entries()) {
      // format('%s') prints with the type's output function, as COPY does; `::text` differs for
      // boolean (`true` vs `t`), which the converter accepts in both forms.
      const values = await sql<Array<{ v: string; n: boolean }>>`SELECT format('%s', ${sql(name)}) AS v, ${sql(name)} IS NULL AS n FROM rt ORDER BY id`;
      values.forEach((row, r) => {
        expected[r] ??= [];
        expected[r][index] = row.n ? null : row.v;
      });
    }
    const batches = copyOutBatches(sql`COPY (SELECT ${sql(names)} FROM rt ORDER BY id) TO STDOUT`);
    const got: Array<Array<string | null>> = [];
    const fields: Array<string | null> = new Array(names.length);
    for await (const batch of copyLines(batches)) {
      for (const line of batch) {
        splitCopyLine(line, fields, names.length);
        got.push([...fields]);
      }
    }
    expect(got).toHaveLength(expected.length);
    expect(got).toEqual(expected);
  });
});
