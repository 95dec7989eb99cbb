/** LOG_BASED set-up: problems stop the run with exit 2 and the SQL that fixes them; --test reports the set-up. */
import { select } from '../helpers/catalog';
import { runTap } from '../helpers/run-tap';
import { logicalFixture, VIA_ROOT, type LogicalFixture } from '../helpers/logical';

let f: LogicalFixture;

beforeAll(async () => {
  f = await logicalFixture(
    'setup',
    `CREATE TABLE S.listed (id int PRIMARY KEY); CREATE TABLE S.unlisted (id int PRIMARY KEY);
     CREATE TABLE S.parts (id int, k int, PRIMARY KEY (id, k)) PARTITION BY LIST (k);
     CREATE TABLE S.parts_1 PARTITION OF S.parts FOR VALUES IN (1);`,
    ['listed'],
  );
});

const listedCatalog = () => select(f.catalog, { [`${f.schema}-listed`]: { 'replication-method': 'LOG_BASED' } });

afterAll(async () => {
  await f.drop();
});

test('a table missing from the publication: exit 2 before any output, with the fix', async () => {
  const run = await f.run(['listed', 'unlisted']);
  expect(run.code).toBe(2);
  expect(run.stdout).toBe('');
  expect(run.stderr).toContain(`ALTER PUBLICATION "${f.publication}" ADD TABLE "${f.schema}"."unlisted";`);
  expect(run.stderr).not.toContain('"listed";');
});

test(`a partitioned table needs ${VIA_ROOT ? 'publish_via_partition_root' : 'PostgreSQL 13'}`, async () => {
  if (!VIA_ROOT) {
    const run = await f.run(['parts']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`table "${f.schema}"."parts" is partitioned, and before PostgreSQL 13 a publication cannot send`);
    return;
  }
  await f.sql.unsafe(`ALTER PUBLICATION ${f.publication} ADD TABLE ${f.schema}.parts`);
  await f.sql.unsafe(`ALTER PUBLICATION ${f.publication} SET (publish_via_partition_root = false)`);
  try {
    const run = await f.run(['parts']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`ALTER PUBLICATION "${f.publication}" SET (publish_via_partition_root = true);`);
  } finally {
    await f.sql.unsafe(`ALTER PUBLICATION ${f.publication} SET (publish_via_partition_root = true)`);
  }
});

test('a missing slot or publication, and a slot of the wrong plugin: exit 2 with the SQL', async () => {
  const config = { ...f.config, replication_slot_name: 'tap_no_such_slot', publication_name: 'no such pub' };
  const missing = await runTap([], { config, catalog: listedCatalog() });
  expect(missing.code).toBe(2);
  expect(missing.stdout).toBe('');
  expect(missing.stderr).toContain(`SELECT pg_create_logical_replication_slot('tap_no_such_slot', 'pgoutput');`);
  const viaRoot = VIA_ROOT ? ' WITH (publish_via_partition_root = true)' : '';
  expect(missing.stderr).toContain(`CREATE PUBLICATION "no such pub" FOR TABLE "${f.schema}"."listed"${viaRoot};`);

  await f.sql.unsafe(`SELECT pg_create_logical_replication_slot('tap_setup_decoding', 'test_decoding')`);
  try {
    const wrong = await runTap([], { config: { ...f.config, replication_slot_name: 'tap_setup_decoding' }, catalog: listedCatalog() });
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/uses plugin test_decoding, the tap needs pgoutput/);
  } finally {
    await f.sql.unsafe(`SELECT pg_drop_replication_slot('tap_setup_decoding')`);
  }
});

test('--test reports wal_level, the slot and its plugin, the publication tables, and the missing privilege', async () => {
  const ok = await runTap(['--test'], { config: f.config });
  expect(ok.code).toBe(0);
  expect(ok.stdout).toBe('');
  expect(ok.stderr).toContain('LOG_BASED: wal_level logical; role postgres may replicate;');
  expect(ok.stderr).toContain(`slot ${f.slot}: plugin pgoutput, database tap_test`);
  expect(ok.stderr).toMatch(new RegExp(`publication ${f.publication}: \\d+ table\\(s\\)${VIA_ROOT ? ', publish_via_partition_root' : ''} \\(.*${f.schema}\\.listed`));

  await f.sql.unsafe(`CREATE ROLE tap_no_replication LOGIN`).catch(() => undefined);
  const limited = await runTap(['--test'], { config: { ...f.config, user: 'tap_no_replication', replication_slot_name: 'tap_none' } });
  expect(limited.code).toBe(0);
  expect(limited.stderr).toContain('role tap_no_replication lacks REPLICATION');
  expect(limited.stderr).toContain('ALTER ROLE "tap_no_replication" REPLICATION;');
  expect(limited.stderr).toContain(`SELECT pg_create_logical_replication_slot('tap_none', 'pgoutput');`);
});
