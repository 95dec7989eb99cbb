/**
 * A COPY that fails with its first rows: the server's error arrives in the same read as the start
 * of the COPY, before the tap reads the stream. The stream fails alone, with the server's code.
 */
import { discover, select } from '../helpers/catalog';
import { adminSql, testConfig } from '../helpers/db';
import { byType } from '../helpers/messages';
import { runTap } from '../helpers/run-tap';

const SCHEMA = 'copy_errors';
const config = testConfig({ filter_schemas: [SCHEMA] });

beforeAll(async () => {
  const sql = adminSql();
  await sql.unsafe(`
    DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE;
    CREATE SCHEMA ${SCHEMA};
    CREATE VIEW ${SCHEMA}.fails_early AS SELECT g AS id, 100 / (g - 3) AS q FROM generate_series(1, 10) g;
    CREATE TABLE ${SCHEMA}.fine (id int PRIMARY KEY);
    INSERT INTO ${SCHEMA}.fine VALUES (1), (2);
  `);
  await sql.end();
});

afterAll(async () => {
  const sql = adminSql();
  await sql.unsafe(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
  await sql.end();
});

test.each(['FULL_TABLE', 'INCREMENTAL'])('%s: an error with the first rows fails that stream with the server code; the others sync', async (method) => {
  const catalog = select(await discover(config), {
    [`${SCHEMA}-fails_early`]: method === 'INCREMENTAL' ? { 'replication-method': method, 'replication-key': 'id' } : { 'replication-method': method },
    [`${SCHEMA}-fine`]: { 'replication-method': 'FULL_TABLE' },
  });
  const run = await runTap([], { config, catalog });
  expect(run.code).toBe(1);
  expect(run.stderr).not.toMatch(/Unhandled|node:events/);
  expect(run.stderr).toMatch(/copy_errors-fails_early failed: 22012: division by zero/);
  expect(byType(run.messages, 'RECORD').filter((m) => m.stream === `${SCHEMA}-fine`)).toHaveLength(2);
});
