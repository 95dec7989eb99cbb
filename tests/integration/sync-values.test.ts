/**
 * Every fixture type round-trips through the real tap. One FULL_TABLE run over
 * every tap_fixture table and view; then each all_types value (scalars and arrays, every row and
 * column) is compared with what PostgreSQL itself prints for it (`to_json(row)`), after the
 * normalisations lib/values/convert.ts documents. BC dates and years > 9999 are confirmed by
 * PostgreSQL (make_date(...) = value), composites against `value::text`.
 */
import type postgres from 'postgres';
import { discover, select, type Catalog } from '../helpers/catalog';
import { adminSql, testConfig } from '../helpers/db';
import { byType, expectRecordsMatchSchemas, expectValidSingerLines } from '../helpers/messages';
import { compareValue, parseTapTemporal, type Rule, type ServerCheck } from '../helpers/pg-json-compare';
import { rawMembers, rawRecord } from '../helpers/raw-json';
import { runTap, type TapRun } from '../helpers/run-tap';

const SCHEMA = 'tap_fixture';
const ALL_TYPES = `${SCHEMA}-all_types`;
let sql: postgres.Sql;

interface ColumnRule {
  rule: Rule;
  isArray: boolean;
}

interface PgType {
  oid: number;
  typname: string;
  typtype: string;
  typbasetype: number;
  typelem: number;
  typcategory: string;
}

const TEMPORAL_RULES: Record<string, Rule> = { date: 'date', timestamp: 'timestamp', timestamptz: 'timestamptz' };
const NAMED_RULES: Record<string, Rule> = {
  ...TEMPORAL_RULES,
  int2: 'number',
  int4: 'number',
  int8: 'number',
  numeric: 'number',
  float4: 'number',
  float8: 'number',
  bool: 'boolean',
  timetz: 'timetz',
  json: 'json',
  jsonb: 'json',
  hstore: 'hstore',
  bytea: 'bytea',
};

/** The comparison rule of every all_types column, from its PostgreSQL type (domains resolved). */
async function columnRules(): Promise<Map<string, ColumnRule>> {
  const types = new Map<number, PgType>();
  for (const t of await sql<PgType[]>`SELECT oid::int, typname, typtype, typbasetype::int, typelem::int, typcategory FROM pg_type`) types.set(t.oid, t);
  const base = (oid: number): PgType => {
    const t = types.get(oid) as PgType;
    return t.typtype === 'd' ? base(t.typbasetype) : t;
  };
  const columns = await sql<Array<{ name: string; typ: number; typmod: number }>>`
    SELECT attname AS name, atttypid::int AS typ, atttypmod AS typmod FROM pg_attribute
    WHERE attrelid = ${`${SCHEMA}.all_types`}::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum`;
  const rules = new Map<string, ColumnRule>();
  for (const column of columns) {
    const type = base(column.typ);
    const isArray = type.typcategory === 'A';
    const element = isArray ? base(type.typelem) : type;
    let rule: Rule = NAMED_RULES[element.typname] ?? (element.typtype === 'c' ? 'as-text' : 'string');
    if (element.typname === 'bit' && !isArray && column.typmod === 1) rule = 'bit1';
    rules.set(column.name, { rule, isArray });
  }
  return rules;
}

/** PostgreSQL's JSON of every all_types row, as text, in the tap's session settings. */
async function pgRows(): Promise<Map<string, Map<string, string>>> {
  const rows = await sql.begin(async (tx) => {
    await tx`SET LOCAL TimeZone = 'UTC'`;
    await tx`SET LOCAL extra_float_digits = 1`;
    await tx`SET LOCAL IntervalStyle = 'iso_8601'`;
    await tx`SET LOCAL DateStyle = 'ISO, YMD'`;
    await tx`SET LOCAL bytea_output = 'hex'`;
    return tx<Array<{ id: string; j: string }>>`SELECT id::text AS id, to_json(t)::text AS j FROM tap_fixture.all_types t ORDER BY id`;
  });
  return new Map(rows.map((row) => [row.id, rawMembers(row.j)]));
}

/** array_ndims of each array column per row (an empty array counts as 1). */
async function arrayDims(rules: Map<string, ColumnRule>): Promise<Map<string, number>> {
  const dims = new Map<string, number>();
  for (const [column, { isArray }] of rules) {
    if (!isArray) continue;
    for (const row of await sql`SELECT id::text AS id, array_ndims(${sql(column)}) AS n FROM tap_fixture.all_types`) {
      dims.set(`${row.id}/${column}`, row.n ?? 1);
    }
  }
  return dims;
}

/** For json/jsonb columns: which values are SQL NULL per row (arrays: per element in unnest order). */
async function jsonSqlNulls(rules: Map<string, ColumnRule>): Promise<Map<string, boolean[] | undefined>> {
  const nulls = new Map<string, boolean[] | undefined>();
  for (const [column, { rule, isArray }] of rules) {
    if (rule !== 'json') continue;
    const flags = isArray
      ? sql`(SELECT array_agg(x IS NULL ORDER BY n) FROM unnest(${sql(column)}) WITH ORDINALITY AS u(x, n))`
      : sql`ARRAY[${sql(column)} IS NULL]`;
    for (const row of await sql`SELECT id::text AS id, ${flags} AS flags FROM tap_fixture.all_types`) {
      nulls.set(`${row.id}/${column}`, row.flags ?? undefined);
    }
  }
  return nulls;
}

/** Lets PostgreSQL confirm a value plain code cannot: undefined if it agrees, else why not. */
async function serverMismatch(id: string, check: ServerCheck): Promise<string | undefined> {
  const column = sql`t.${sql(check.column)}`;
  const value =
    check.index === null ? column : sql`(ARRAY(SELECT unnest(${column})))[${check.index}::int]`;
  return sql.begin(async (tx) => {
    await tx`SET LOCAL TimeZone = 'UTC'`;
    const where = `${check.column}${check.index === null ? '' : `[#${check.index}]`}`;
    if (check.kind === 'as-text') {
      const [row] = await tx`SELECT ${value}::text AS pg FROM tap_fixture.all_types t WHERE id = ${id}`;
      return JSON.parse(check.tap) === row.pg ? undefined : `${where}: tap ${check.tap} vs PostgreSQL ::text ${JSON.stringify(row.pg)}`;
    }
    const parsed = parseTapTemporal(check.tap, check.kind);
    const [text] = await tx`SELECT ${value}::text AS pg FROM tap_fixture.all_types t WHERE id = ${id}`;
    if (!parsed) return `${where}: tap ${check.tap} is not the documented ${check.kind} form; PostgreSQL ${text.pg}`;
    const date = tx`make_date(${parsed.pgYear}::int, ${parsed.month}::int, ${parsed.day}::int)`;
    const tapValue =
      check.kind === 'date'
        ? date
        : check.kind === 'timestamp'
          ? tx`(${date} + ${parsed.time as string}::time)`
          : tx`((${date} + ${parsed.time as string}::time) AT TIME ZONE 'UTC')`;
    // A savepoint: a year PostgreSQL rejects (make_date) is a mismatch, not an aborted transaction.
    const same = await tx
      .savepoint((sp) => sp`SELECT ${value} = ${tapValue} AS same FROM tap_fixture.all_types t WHERE id = ${id}`)
      .then(([row]) => row.same === true, (error: Error) => error.message);
    return same === true ? undefined : `${where}: tap ${check.tap} vs PostgreSQL ${text.pg}${same === false ? '' : ` (${same})`}`;
  });
}

interface Comparison {
  mismatches: string[];
  /** Rules and server-check kinds that compared at least one non-NULL value (the test is not vacuous). */
  exercised: Set<string>;
}

const EVERY_RULE = ['number', 'boolean', 'bit1', 'timetz', 'date', 'timestamp', 'timestamptz', 'json', 'hstore', 'bytea', 'as-text', 'string'];
const EVERY_SERVER_CHECK = ['server:date', 'server:timestamp', 'server:timestamptz', 'server:as-text'];

/** Every mismatch between the tap's all_types records and PostgreSQL's JSON of the same rows. */
async function compareAllTypes(run: TapRun, jsonAsObject: boolean): Promise<Comparison> {
  const rules = await columnRules();
  const pg = await pgRows();
  const dims = await arrayDims(rules);
  const sqlNulls = await jsonSqlNulls(rules);
  const lines = run.stdout.split('\n').filter((line) => line.startsWith('{"type":"RECORD"') && JSON.parse(line).stream === ALL_TYPES);
  const mismatches: string[] = [];
  const exercised = new Set<string>();
  const seen = new Set<string>();
  for (const line of lines) {
    const tap = rawRecord(line);
    const id = tap.get('id') as string;
    seen.add(id);
    const pgRow = pg.get(id);
    if (!pgRow) {
      mismatches.push(`row ${id}: not in PostgreSQL`);
      continue;
    }
    expect([...tap.keys()].sort()).toEqual([...pgRow.keys()].sort());
    for (const [column, pgValue] of pgRow) {
      const { rule, isArray } = rules.get(column) as ColumnRule;
      const tapValue = tap.get(column) ?? '(missing)';
      const key = `${id}/${column}`;
      const compared = { rule, column, jsonAsObject, dims: isArray ? (dims.get(key) as number) : 0, sqlNulls: sqlNulls.get(key) };
      const outcome = compareValue(compared, tapValue, pgValue);
      mismatches.push(...outcome.mismatches.map((m) => `row ${id} ${m}`));
      if (pgValue !== 'null') exercised.add(rule);
      for (const check of outcome.serverChecks) {
        exercised.add(`server:${check.kind}`);
        const problem = await serverMismatch(id, check);
        if (problem) mismatches.push(`row ${id} ${problem}`);
      }
    }
  }
  expect([...seen].sort()).toEqual([...pg.keys()].sort());
  return { mismatches, exercised };
}

function streamOf(catalog: Catalog, id: string): Record<string, any> {
  return catalog.streams.find((s) => s.tap_stream_id === id) as Record<string, any>;
}

beforeAll(() => {
  sql = adminSql();
});

afterAll(async () => {
  await sql.end();
});

test('every tap_fixture table and view in one run: valid lines, every row, every value as PostgreSQL prints it', async () => {
  const config = testConfig({ filter_schemas: [SCHEMA] });
  const catalog = await discover(config);
  const ids = catalog.streams.map((s) => s.tap_stream_id as string).filter((id) => id.startsWith(`${SCHEMA}-`));
  expect(ids).toEqual(expect.arrayContaining([ALL_TYPES, `${SCHEMA}-all_types_view`, `${SCHEMA}-all_types_mv`, `${SCHEMA}-events`]));
  const run = await runTap([], { config, catalog: select(catalog, Object.fromEntries(ids.map((id) => [id, { 'replication-method': 'FULL_TABLE' }]))) });
  expect(run.stderr).not.toMatch(/ERROR/);
  expect(run.code).toBe(0);
  expectValidSingerLines(run.stdout);
  expectRecordsMatchSchemas(run.messages);
  const records = byType(run.messages, 'RECORD');
  for (const id of ids) {
    const stream = streamOf(catalog, id);
    const meta = stream.metadata.find((m: { breadcrumb: string[] }) => m.breadcrumb.length === 0).metadata;
    const [{ n }] = await sql`SELECT count(*)::int AS n FROM ${sql(meta['schema-name'])}.${sql(stream.table_name ?? stream.stream)}`;
    expect({ stream: id, records: records.filter((m) => m.stream === id).length }).toEqual({ stream: id, records: n });
  }
  const { mismatches, exercised } = await compareAllTypes(run, false);
  expect(mismatches).toEqual([]);
  expect([...exercised].sort()).toEqual([...EVERY_RULE, ...EVERY_SERVER_CHECK].sort());
});

test('json_as_object: json/jsonb values are the JSON itself (minified); everything else unchanged', async () => {
  const config = testConfig({ filter_schemas: [SCHEMA], json_as_object: true });
  const catalog = select(await discover(config), { [ALL_TYPES]: { 'replication-method': 'FULL_TABLE' } });
  const run = await runTap([], { config, catalog });
  expect(run.code).toBe(0);
  expectValidSingerLines(run.stdout);
  expectRecordsMatchSchemas(run.messages);
  expect((await compareAllTypes(run, true)).mismatches).toEqual([]);
  // The same values as jsonb sees them (keys reordered, numbers the same up to JS rounding on both sides).
  const jsonb = await sql`SELECT id::text AS id, to_jsonb(c_json)::text AS j, c_jsonb::text AS jb FROM tap_fixture.all_types ORDER BY id`;
  for (const record of byType(run.messages, 'RECORD').map((m) => m.record)) {
    const row = jsonb.find((r) => r.id === String(record.id));
    expect({ id: record.id, c_json: record.c_json, c_jsonb: record.c_jsonb }).toEqual({
      id: record.id,
      c_json: row?.j === null ? null : JSON.parse(row?.j),
      c_jsonb: row?.jb === null ? null : JSON.parse(row?.jb),
    });
  }
});
