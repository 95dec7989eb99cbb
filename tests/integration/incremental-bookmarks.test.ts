/**
 * INCREMENTAL bookmarks on date, timestamp and timestamptz keys outside the years 1–9999: the
 * RECORDs and the bookmark carry ECMAScript expanded years (`-000043-03-15` for 44 BC, `0000`
 * for 1 BC, `+010000-…`), which PostgreSQL does not read; the next sync must still compare in
 * the column's type and send exactly the rows >= the bookmark.
 */
import type postgres from 'postgres';
import { discover, select, type Catalog } from '../helpers/catalog';
import { adminSql, testConfig } from '../helpers/db';
import { byType, lastState } from '../helpers/messages';
import { runTap } from '../helpers/run-tap';

const SCHEMA = 'bookmark_years';
const config = testConfig({ filter_schemas: [SCHEMA] });
let sql: postgres.Sql;
let catalog: Catalog;

interface Case {
  type: string;
  /** PostgreSQL literals by name. */
  values: Record<'bc200' | 'bc100' | 'bc44' | 'bc1' | 'ad2024' | 'ad10000' | 'ad10001', string>;
  /** The bookmark the tap writes for bc44, bc1 and ad10000. */
  bookmarks: [string, string, string];
}

const CASES: Case[] = [
  {
    type: 'date',
    values: { bc200: '0200-01-01 BC', bc100: '0100-01-01 BC', bc44: '0044-03-15 BC', bc1: '0001-06-01 BC', ad2024: '2024-01-01', ad10000: '10000-01-01', ad10001: '10001-01-01' },
    bookmarks: ['-000043-03-15', '0000-06-01', '+010000-01-01'],
  },
  {
    type: 'timestamp',
    values: {
      bc200: '0200-01-01 00:00:00 BC', bc100: '0100-01-01 00:00:00 BC', bc44: '0044-03-15 10:00:00.5 BC', bc1: '0001-06-01 12:00:00 BC',
      ad2024: '2024-01-01 00:00:00', ad10000: '10000-01-01 00:00:00.000001', ad10001: '10001-01-01 00:00:00',
    },
    bookmarks: ['-000043-03-15T10:00:00.500000+00:00', '0000-06-01T12:00:00.000000+00:00', '+010000-01-01T00:00:00.000001+00:00'],
  },
  {
    type: 'timestamptz',
    values: {
      bc200: '0200-01-01 00:00:00+00 BC', bc100: '0100-01-01 00:00:00+00 BC', bc44: '0044-03-15 10:00:00.5+00 BC', bc1: '0001-06-01 12:00:00+00 BC',
      ad2024: '2024-01-01 00:00:00+00', ad10000: '10000-01-01 00:00:00.000001+00', ad10001: '10001-01-01 00:00:00+00',
    },
    bookmarks: ['-000043-03-15T10:00:00.500000+00:00', '0000-06-01T12:00:00.000000+00:00', '+010000-01-01T00:00:00.000001+00:00'],
  },
];

beforeAll(async () => {
  sql = adminSql();
  await sql.unsafe(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE; CREATE SCHEMA ${SCHEMA};`);
  for (const { type, values } of CASES) {
    await sql.unsafe(`CREATE TABLE ${SCHEMA}.k_${type} (id int PRIMARY KEY, k ${type})`);
    await sql.unsafe(`INSERT INTO ${SCHEMA}.k_${type} VALUES (1, '${values.bc100}'), (2, '${values.bc44}')`);
  }
  catalog = await discover(config);
});

afterAll(async () => {
  await sql.end();
});

test.each(CASES)('$type key: BC and past-9999 bookmarks round-trip', async ({ type, values, bookmarks }) => {
  const stream = `${SCHEMA}-k_${type}`;
  const streams = select(catalog, { [stream]: { 'replication-method': 'INCREMENTAL', 'replication-key': 'k' } });
  const table = `${SCHEMA}.k_${type}`;
  let state: Record<string, any> | undefined;
  const sync = async (): Promise<number[]> => {
    const run = await runTap([], { config, catalog: streams, state });
    expect(run.stderr).not.toMatch(/ERROR/);
    expect(run.code).toBe(0);
    state = lastState(run.messages);
    return byType(run.messages, 'RECORD').map((m) => m.record.id as number);
  };
  const bookmark = () => state?.bookmarks[stream].replication_key_value;

  expect(await sync()).toEqual([1, 2]);
  expect(bookmark()).toBe(bookmarks[0]);

  await sql.unsafe(`INSERT INTO ${table} VALUES (3, '${values.bc1}'), (10, '${values.bc200}')`);
  expect(await sync()).toEqual([2, 3]);
  expect(bookmark()).toBe(bookmarks[1]);

  await sql.unsafe(`INSERT INTO ${table} VALUES (4, '${values.ad10000}')`);
  expect(await sync()).toEqual([3, 4]);
  expect(bookmark()).toBe(bookmarks[2]);

  await sql.unsafe(`INSERT INTO ${table} VALUES (5, '${values.ad10001}'), (11, '${values.ad2024}')`);
  expect(await sync()).toEqual([4, 5]);
});
