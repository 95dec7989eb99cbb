import { adminSql } from '../helpers/db';
import { startReplica, type Replica } from '../helpers/replica';

let replica: Replica;
beforeAll(async () => { replica = await startReplica(); }, 120_000);
afterAll(async () => { await replica?.stop(); });

test('standby', async () => {
  const sql = adminSql();
  await sql.unsafe('DROP TABLE IF EXISTS hs_probe; CREATE TABLE hs_probe AS SELECT 1 AS x');
  await replica.catchUp();
  const s = replica.connect();
  const rows = await s`SELECT pg_is_in_recovery() AS r, (SELECT count(*) FROM hs_probe)::int AS n`;
  expect(rows[0]).toEqual({ r: true, n: 1 });
  await s.end(); await sql.end();
});
