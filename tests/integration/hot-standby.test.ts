/**
 * The tap against a real hot standby (a streaming replica of the harness cluster):
 * FULL_TABLE and INCREMENTAL read the same records there as on the primary, LOG_BASED on the
 * standby is refused with one line, use_secondary reads from the standby while LOG_BASED runs
 * on the primary, and a recovery conflict during a read is retried.
 */
import { discover, select, type Catalog } from '../helpers/catalog';
import { serverVersionNum } from '../helpers/db';
import { expectOk, logicalFixture, records, type LogicalFixture } from '../helpers/logical';
import { byType } from '../helpers/messages';
import { startReplica, type Replica } from '../helpers/replica';
import { runTap } from '../helpers/run-tap';

const ROWS = 3000;
let fixture: LogicalFixture;
let replica: Replica;
let standbyConfig: Record<string, unknown>;
let standbyCatalog: Catalog;

const stream = (table: string) => `${fixture.schema}-${table}`;

beforeAll(async () => {
  fixture = await logicalFixture(
    'hot_standby',
    `CREATE TABLE S.items (id bigint PRIMARY KEY, payload text, updated_at timestamptz);
     INSERT INTO S.items SELECT g, repeat('x', g % 50), timestamptz '2024-01-01 00:00:00+00' + g * interval '1 second' FROM generate_series(1, ${ROWS}) g;
     CREATE TABLE S.changes (id int PRIMARY KEY, note text);
     INSERT INTO S.changes VALUES (1, 'one'), (2, 'two');
     CREATE VIEW S.where_read AS SELECT id, pg_is_in_recovery() AS in_recovery FROM S.items WHERE id <= 10;
     CREATE VIEW S.where_read_too AS SELECT * FROM S.where_read;
     CREATE VIEW S.slow_items AS SELECT id, payload, pg_sleep(0.001)::text AS slept FROM S.items;
     ANALYZE S.items, S.changes; -- the catalogs' row-count stays put (no autoanalyze between them)`,
    ['changes'],
  );
  replica = await startReplica();
  standbyConfig = { ...fixture.config, host: replica.host, port: replica.port };
  standbyCatalog = await discover(standbyConfig);
}, 120_000);

afterAll(async () => {
  await replica?.stop();
  // The standby's slot would hold the primary's WAL for the rest of the run.
  if (replica) expect(await fixture.sql`SELECT 1 FROM pg_replication_slots WHERE slot_name = ${replica.slot}`).toHaveLength(0);
  await fixture?.drop();
});

test('discovery, FULL_TABLE and INCREMENTAL on the standby give what the primary gives', async () => {
  expect(standbyCatalog).toEqual(fixture.catalog);
  const selections = {
    [stream('items')]: { 'replication-method': 'INCREMENTAL', 'replication-key': 'updated_at' },
    [stream('changes')]: { 'replication-method': 'FULL_TABLE' },
  };
  const onPrimary = await runTap([], { config: fixture.config, catalog: select(fixture.catalog, selections) });
  const onStandby = await runTap([], { config: standbyConfig, catalog: select(standbyCatalog, selections) });
  const primaryState = expectOk(onPrimary);
  const standbyState = expectOk(onStandby);
  expect(records(onStandby, stream('items'))).toHaveLength(ROWS);
  expect(records(onStandby, stream('items'))).toEqual(records(onPrimary, stream('items')));
  expect(records(onStandby, stream('changes'))).toEqual(records(onPrimary, stream('changes')));
  expect(standbyState.bookmarks[stream('items')].replication_key_value).toBe(primaryState.bookmarks[stream('items')].replication_key_value);
});

test('LOG_BASED on the standby is refused with one line saying why', async () => {
  const catalog = select(standbyCatalog, { [stream('changes')]: { 'replication-method': 'LOG_BASED' } });
  const run = await runTap([], { config: standbyConfig, catalog });
  expect(run.code).toBe(2);
  expect(run.stdout).toBe('');
  const why = serverVersionNum() < 160000 ? 'logical decoding on a standby needs PostgreSQL 16' : 'the tap reads LOG_BASED changes from the primary only';
  expect(run.stderr.trim().split('\n')).toEqual([expect.stringContaining(`the server is a hot standby (in recovery) and ${why}: point host at the primary`)]);
});

test('use_secondary: reads go to the standby, LOG_BASED in the same run to the primary', async () => {
  const config = { ...fixture.config, use_secondary: true, secondary_host: replica.host, secondary_port: replica.port };
  const discovered = await runTap(['--discover'], { config });
  expect(discovered.code).toBe(0);
  expect(discovered.messages[0]).toEqual(fixture.catalog);
  const catalog = select(fixture.catalog, {
    [stream('where_read')]: { 'replication-method': 'FULL_TABLE' },
    [stream('where_read_too')]: { 'replication-method': 'INCREMENTAL', 'replication-key': 'id' },
    [stream('changes')]: { 'replication-method': 'LOG_BASED' },
  });
  // LOG_BASED on the standby is refused (the test above): a run that syncs it went to the primary.
  const first = await runTap([], { config, catalog });
  const state = expectOk(first);
  const onStandby = Array.from({ length: 10 }, (_, i) => ({ id: i + 1, in_recovery: true }));
  expect(records(first, stream('where_read'))).toEqual(onStandby);
  expect(records(first, stream('where_read_too'))).toEqual(onStandby);
  expect(records(first, stream('changes')).map((r) => r.id)).toEqual([1, 2]);

  await fixture.sql.unsafe(`INSERT INTO ${fixture.schema}.changes VALUES (3, 'three')`);
  const second = await runTap([], { config, catalog, state });
  expectOk(second);
  expect(records(second, stream('changes')).map((r) => r.id)).toEqual([3]);
  expect(await fixture.confirmedFlush()).toBeGreaterThan(0);
});

test('use_secondary without secondary_host: exit 2 naming it', async () => {
  const run = await runTap(['--discover'], { config: { ...fixture.config, use_secondary: true } });
  expect(run.code).toBe(2);
  expect(run.stdout).toBe('');
  expect(run.stderr.trim()).toMatch(/\/use_secondary is true but \/secondary_host is not set$/);
});

test('a recovery conflict during a slow read on the standby is retried; the run ends with every row', async () => {
  const standby = replica.connect();
  await standby`ALTER SYSTEM SET max_standby_streaming_delay = 0`;
  await standby`SELECT pg_reload_conf()`;
  await standby.end();
  const [before] = await conflicts();
  const catalog = select(standbyCatalog, { [stream('slow_items')]: { 'replication-method': 'FULL_TABLE' } });
  let reading: () => void = () => undefined;
  const started = new Promise<void>((resolve) => (reading = resolve));
  let syncing = false;
  let cancelled = false;
  const running = runTap([], {
    // A short, doubling backoff: on a loaded machine the standby may still be replaying older
    // cleanup when the first retries start, and each would be cancelled at once.
    config: { ...standbyConfig, retry_backoff_seconds: 0.1, max_retries: 10 },
    catalog,
    timeoutMs: 55_000,
    onSpawn: (child) =>
      child.stderr?.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('FULL_TABLE sync starts')) {
          syncing = true;
          reading();
        }
        // The read's own cancellation (the catalog queries before it may be cancelled too).
        if (syncing && chunk.toString().includes('conflict with recovery')) cancelled = true;
      }),
  });
  await Promise.race([started, running]);
  // Dead rows VACUUM removes on the primary: replaying that cleanup conflicts with the read's
  // snapshot. Rounds until the standby has cancelled the read (then the retry must get through).
  let deleted = 0;
  while (deleted < 20 && !cancelled) {
    deleted += 1;
    await fixture.sql.unsafe(`DELETE FROM ${fixture.schema}.items WHERE id = ${ROWS + 1 - deleted}`);
    await fixture.sql.unsafe(`VACUUM ${fixture.schema}.items`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const run = await running;
  expectOk(run);
  expect((await conflicts())[0]).toBeGreaterThan(before);
  expect(run.stderr).toMatch(/40001: canceling statement due to conflict with recovery; retry 1 of 10/);
  // A view has no resumable position: the retry reads it again from the start, same version.
  // That last read has each row of its snapshot once: at least every row that still exists
  // (rows deleted after its snapshot was taken may be in it too).
  const ids = records(run, stream('slow_items')).map((r) => Number(r.id));
  const lastReadRows = Number(/FULL_TABLE done records=(\d+)/.exec(run.stderr)?.[1]);
  expect(lastReadRows).toBeGreaterThanOrEqual(ROWS - deleted);
  const lastRead = ids.slice(ids.length - lastReadRows).sort((a, b) => a - b);
  expect(lastRead).toEqual(Array.from({ length: lastReadRows }, (_, i) => i + 1));
  expect(new Set(byType(run.messages, 'RECORD').map((m) => m.version)).size).toBe(1);
}, 60_000);

/** Queries the standby cancelled for snapshot conflicts in the test database. */
async function conflicts(): Promise<number[]> {
  const standby = replica.connect();
  try {
    const rows = await standby`SELECT confl_snapshot::int AS n FROM pg_stat_database_conflicts WHERE datname = current_database()`;
    return rows.map((r) => Number(r.n));
  } finally {
    await standby.end();
  }
}
