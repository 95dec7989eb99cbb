/**
 * BATCH messages (batch_config): the records of every replication method go to JSON-lines files,
 * each named by one BATCH message, and no STATE goes out before the BATCH messages of the rows
 * it covers — also when the run is killed.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type postgres from 'postgres';
import { discover, select, type Catalog } from '../helpers/catalog';
import { adminSql, testConfig } from '../helpers/db';
import { seededOffset } from '../helpers/kill';
import { expectOk, logicalFixture } from '../helpers/logical';
import { byType, lastState } from '../helpers/messages';
import { runTap, type TapRun, type TapRunOptions } from '../helpers/run-tap';

const SCHEMA = 'batch_msgs';
const WIDE = `${SCHEMA}-wide`;
const INC = `${SCHEMA}-inc`;
const BIG = `${SCHEMA}-big`;
const WIDE_ROWS = 2500;
const BIG_ROWS = 60_000;
let sql: postgres.Sql;
let dir: string;
let catalog: Catalog;

beforeAll(async () => {
  sql = adminSql();
  dir = mkdtempSync(join(tmpdir(), 'tap-batch-'));
  await sql.unsafe(`
    DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE;
    CREATE SCHEMA ${SCHEMA};
    CREATE TABLE ${SCHEMA}.wide (
      id int PRIMARY KEY, t text, n numeric, big bigint, f float8, b boolean, j jsonb,
      ts timestamptz, d date, arr int[], u uuid, raw bytea);
    INSERT INTO ${SCHEMA}.wide
      SELECT g,
        CASE WHEN g % 7 = 0 THEN NULL ELSE 'é "q" \\ ' || chr(10) || '☃ ' || g END,
        g * 1234567.0000001, 9007199254740993 + g, g / 3.0, g % 2 = 0,
        jsonb_build_object('k', g, 'a', jsonb_build_array(1, 'x')),
        '2024-02-29 12:34:56.789012+00'::timestamptz + g * interval '1 second', '2024-01-01'::date + g,
        ARRAY[g, g + 1], md5(g::text)::uuid, decode(lpad(to_hex(g), 8, '0'), 'hex')
      FROM generate_series(1, ${WIDE_ROWS}) g;
    CREATE TABLE ${SCHEMA}.inc (id int PRIMARY KEY, k int NOT NULL, v text);
    INSERT INTO ${SCHEMA}.inc SELECT g, g, 'v' || g FROM generate_series(1, 1000) g;
    CREATE TABLE ${SCHEMA}.big (id int PRIMARY KEY, pad text);
    INSERT INTO ${SCHEMA}.big SELECT g, repeat('p', 200) FROM generate_series(1, ${BIG_ROWS}) g;
  `);
  catalog = await discover(testConfig({ filter_schemas: [SCHEMA] }));
});

afterAll(async () => {
  await sql.unsafe(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
  await sql.end();
  rmSync(dir, { recursive: true, force: true });
});

interface BatchSettings {
  compression: 'gzip' | 'none';
  batchSize: number;
  prefix: string;
}

function batchConfig({ compression, batchSize, prefix }: BatchSettings): Record<string, unknown> {
  return { encoding: { format: 'jsonl', compression }, storage: { root: `file://${dir}`, prefix }, batch_size: batchSize };
}

function run(stream: string, method: Record<string, unknown>, batch: BatchSettings | undefined, extra: Record<string, unknown> = {}, options: TapRunOptions = {}): Promise<TapRun> {
  const config = testConfig({ filter_schemas: [SCHEMA], ...extra, ...(batch ? { batch_config: batchConfig(batch) } : {}) });
  return runTap([], { config, catalog: select(catalog, { [stream]: method }), ...options });
}

/** The path a manifest URI names; it must be a file:// URI into the configured folder and prefix. */
function pathOf(uri: string, prefix: string, stream: string, compression: string): string {
  expect(uri).toMatch(new RegExp(`^file://${dir}/${prefix}${stream}-[0-9a-f-]{36}-\\d+\\.jsonl${compression === 'gzip' ? '\\.gz' : ''}$`));
  return uri.slice('file://'.length);
}

/** The lines (raw JSON text) of one batch file. */
function fileLines(path: string): string[] {
  const raw = readFileSync(path);
  const text = (path.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8');
  expect(text.endsWith('\n')).toBe(true);
  return text.slice(0, -1).split('\n');
}

/** The raw JSON text of each RECORD's record object, in order. */
function recordTexts(run: TapRun, stream: string): string[] {
  const prefix = `{"type":"RECORD","stream":${JSON.stringify(stream)},"record":`;
  return run.stdout
    .split('\n')
    .filter((line) => line.startsWith(prefix))
    .map((line) => line.slice(prefix.length, line.lastIndexOf(',"version":')));
}

/** Each BATCH message's file lines, after checking the message's shape. */
function batches(run: TapRun, stream: string, settings: BatchSettings): string[][] {
  const messages = byType(run.messages, 'BATCH').filter((m) => m.stream === stream);
  return messages.map((m) => {
    expect(Object.keys(m)).toEqual(['type', 'stream', 'encoding', 'manifest']);
    expect(m.encoding).toEqual({ format: 'jsonl', compression: settings.compression });
    expect(m.manifest).toHaveLength(1);
    return fileLines(pathOf(m.manifest[0], settings.prefix, stream, settings.compression));
  });
}

/**
 * Walks the messages in order: at every STATE, `covered(state)` (the ids the state says are sent)
 * must all be in files announced before it (or in `before`, earlier runs'). Returns all ids announced.
 */
function checkStatesFollowTheirBatches(
  run: TapRun,
  stream: string,
  covered: (state: Record<string, any>) => number[],
  before: ReadonlySet<number> = new Set(),
): Set<number> {
  const announced = new Set<number>(before);
  let states = 0;
  for (const message of run.messages) {
    if (message.type === 'BATCH' && message.stream === stream) {
      for (const line of fileLines(message.manifest[0].slice('file://'.length))) announced.add(JSON.parse(line).id);
    } else if (message.type === 'STATE') {
      states += 1;
      const missing = covered(message.value).filter((id) => !announced.has(id));
      expect({ state: message.value, missing: missing.slice(0, 5) }).toEqual({ state: message.value, missing: [] });
    }
  }
  expect(states).toBeGreaterThan(2);
  return announced;
}

/** FULL_TABLE: the ids on the heap pages before the bookmark's ctid_page (all of them once the bookmark has none). */
async function pagesOf(table: string): Promise<Map<number, number>> {
  const rows = await sql.unsafe(`SELECT id, (ctid::text::point)[0]::int AS page FROM ${SCHEMA}.${table}`);
  return new Map(rows.map((r) => [Number(r.id), Number(r.page)]));
}

function fullTableCovered(stream: string, pages: Map<number, number>): (state: Record<string, any>) => number[] {
  return (state) => {
    const bookmark = state.bookmarks?.[stream];
    if (!bookmark) return [];
    const done = state.currently_syncing !== stream;
    return [...pages].filter(([, page]) => done || (bookmark.ctid_page !== undefined && page < bookmark.ctid_page)).map(([id]) => id);
  };
}

test.each(['gzip', 'none'] as const)('FULL_TABLE, %s: files of batch_size rows holding exactly the RECORD messages\' records; STATE after its BATCH', async (compression) => {
  const settings: BatchSettings = { compression, batchSize: 1000, prefix: `ft-${compression}-` };
  const [plain, batched] = [
    await run(WIDE, { 'replication-method': 'FULL_TABLE' }, undefined),
    await run(WIDE, { 'replication-method': 'FULL_TABLE' }, settings, { state_interval: 300 }),
  ];
  expectOk(plain);
  expectOk(batched);
  expect(byType(batched.messages, 'RECORD')).toEqual([]);
  const files = batches(batched, WIDE, settings);
  expect(files.map((lines) => lines.length)).toEqual([1000, 1000, 500]);
  // Byte for byte the record objects of the RECORD messages, in the same order.
  const expected = recordTexts(plain, WIDE);
  expect(expected).toHaveLength(WIDE_ROWS);
  expect(files.flat()).toEqual(expected);
  // The files are numbered 1, 2, 3 within the run.
  const uris = byType(batched.messages, 'BATCH').map((m) => m.manifest[0]);
  expect(uris.map((u: string) => u.replace(/^.*-(\d+)\.jsonl(\.gz)?$/, '$1'))).toEqual(['1', '2', '3']);
  // SCHEMA and ACTIVATE_VERSION stay lines; the version is activated after the last BATCH.
  const types = batched.messages.map((m) => m.type);
  expect(types[0]).toBe('SCHEMA');
  expect(types.lastIndexOf('ACTIVATE_VERSION')).toBeGreaterThan(types.lastIndexOf('BATCH'));
  checkStatesFollowTheirBatches(batched, WIDE, fullTableCovered(WIDE, await pagesOf('wide')));
});

test('INCREMENTAL: STATE never ahead of the announced rows; the next run sends the new rows', async () => {
  const settings: BatchSettings = { compression: 'gzip', batchSize: 250, prefix: 'inc-' };
  const method = { 'replication-method': 'INCREMENTAL', 'replication-key': 'k' };
  const first = await run(INC, method, settings, { state_interval: 100 });
  const state = expectOk(first);
  const announced = checkStatesFollowTheirBatches(first, INC, (s) => {
    const value = s.bookmarks?.[INC]?.replication_key_value;
    // Rows with a key below the bookmark are sent (those at it come again).
    return value === undefined ? [] : Array.from({ length: value - 1 }, (_, i) => i + 1);
  });
  expect(announced.size).toBe(1000);
  expect(batches(first, INC, settings).map((l) => l.length)).toEqual([250, 250, 250, 250]);
  expect(state.bookmarks[INC].replication_key_value).toBe(1000);

  await sql.unsafe(`INSERT INTO ${SCHEMA}.inc SELECT g, g, 'v' || g FROM generate_series(1001, 1010) g`);
  const second = await run(INC, method, settings, { state_interval: 100 }, { state });
  expect(expectOk(second).bookmarks[INC].replication_key_value).toBe(1010);
  const rows = batches(second, INC, settings).flat().map((l) => JSON.parse(l));
  expect(rows.map((r) => r.id)).toEqual(Array.from({ length: 11 }, (_, i) => 1000 + i));
  expect(rows[1]).toEqual({ id: 1001, k: 1001, v: 'v1001' });
});

/** An onSpawn hook that sends `signal`, once, when the tap has written `bytes` bytes to stdout. */
function signalAfterBytes(signal: NodeJS.Signals, bytes: number): TapRunOptions['onSpawn'] {
  return (child) => {
    let seen = 0;
    child.stdout?.on('data', (chunk: Buffer) => {
      if (seen < bytes && seen + chunk.length >= bytes) child.kill(signal);
      seen += chunk.length;
    });
  };
}

test.each(['SIGKILL', 'SIGTERM'] as const)('stopped mid-run by %s: its last STATE covers only announced rows, and resuming from it loses none', async (signal) => {
  const settings: BatchSettings = { compression: 'gzip', batchSize: 2000, prefix: `${signal}-` };
  const method = { 'replication-method': 'FULL_TABLE' };
  const first = await run(BIG, method, settings, { state_interval: 700 }, { onSpawn: signalAfterBytes(signal, seededOffset(`batch ${signal}`, 1500, 4000)) });
  if (signal === 'SIGKILL') expect(first.signal).toBe('SIGKILL');
  else expect(first.code).toBe(1);
  const pages = await pagesOf('big');
  const announced = checkStatesFollowTheirBatches(first, BIG, fullTableCovered(BIG, pages));
  const state = lastState(first.messages);
  expect(state?.currently_syncing).toBe(BIG);
  expect(state?.bookmarks[BIG].ctid_page).toBeGreaterThan(0);
  expect(announced.size).toBeLessThan(BIG_ROWS);

  const second = await run(BIG, method, settings, { state_interval: 700 }, { state });
  expectOk(second);
  const all = checkStatesFollowTheirBatches(second, BIG, fullTableCovered(BIG, pages), announced);
  expect(all.size).toBe(BIG_ROWS);
  // Every announced file is complete; a killed run may leave one file no BATCH message names,
  // a stopped one leaves none.
  const named = new Set([...first.messages, ...second.messages].filter((m) => m.type === 'BATCH').map((m) => m.manifest[0].split('/').pop()));
  for (const name of named) expect(existsSync(join(dir, name))).toBe(true);
  const orphans = readdirSync(dir).filter((f) => f.startsWith(`${signal}-`) && !named.has(f));
  expect(orphans.length).toBeLessThanOrEqual(signal === 'SIGKILL' ? 1 : 0);
});

test('config errors: an unsupported format, compression or root is refused before any output', async () => {
  const cases: Array<[Record<string, unknown>, string]> = [
    [{ encoding: { format: 'parquet' } }, '/batch_config/encoding/format'],
    [{ encoding: { compression: 'snappy' } }, '/batch_config/encoding/compression'],
    [{ storage: { root: 's3://bucket/x' } }, '/batch_config/storage/root'],
  ];
  for (const [group, key] of cases) {
    const result = await runTap([], { config: testConfig({ batch_config: group }), catalog: select(catalog, { [WIDE]: {} }) });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain(key);
  }
  // A folder that cannot be made (a file stands in its way): exit 2, nothing on stdout.
  const blocked = join(dir, 'blocked-file');
  writeFileSync(blocked, '');
  const result = await runTap([], { config: testConfig({ batch_config: { storage: { root: `file://${blocked}/sub` } } }), catalog: select(catalog, { [WIDE]: {} }) });
  expect(result.code).toBe(2);
  expect(result.stdout).toBe('');
  expect(result.stderr).toContain('batch_config/storage');
});

describe('LOG_BASED', () => {
  const settings: BatchSettings = { compression: 'gzip', batchSize: 3, prefix: 'lr-' };
  let f: Awaited<ReturnType<typeof logicalFixture>>;

  beforeAll(async () => {
    f = await logicalFixture(
      'batch',
      `CREATE TABLE S.a (id int PRIMARY KEY, v text);
       CREATE TABLE S.b (id int PRIMARY KEY, v text);
       INSERT INTO S.a SELECT g, 'a' || g FROM generate_series(1, 4) g;
       INSERT INTO S.b SELECT g, 'b' || g FROM generate_series(1, 2) g;`,
      ['a', 'b'],
      { batch_config: batchConfig(settings), state_interval: 2 },
    );
  });

  afterAll(async () => {
    await f.drop();
  });

  test('snapshot and streamed changes of two tables go to each stream\'s files; STATE after their BATCH', async () => {
    const a = `${f.schema}-a`;
    const b = `${f.schema}-b`;
    const first = await f.run(['a', 'b']);
    const state1 = expectOk(first);
    expect(byType(first.messages, 'RECORD')).toEqual([]);
    expect(batches(first, a, settings).flat().map((l) => JSON.parse(l).id)).toEqual([1, 2, 3, 4]);
    expect(batches(first, b, settings).flat().map((l) => JSON.parse(l).id)).toEqual([1, 2]);

    await f.sql.begin(async (tx) => {
      await tx.unsafe(`INSERT INTO ${f.schema}.a VALUES (5, 'a5'); INSERT INTO ${f.schema}.b VALUES (3, 'b3');`);
      await tx.unsafe(`UPDATE ${f.schema}.a SET v = 'A1' WHERE id = 1; DELETE FROM ${f.schema}.b WHERE id = 1;`);
      await tx.unsafe(`INSERT INTO ${f.schema}.a VALUES (6, 'a6')`);
    });
    const second = await f.run(['a', 'b'], state1);
    const state2 = expectOk(second);
    const changesA = batches(second, a, settings).flat().map((l) => JSON.parse(l));
    const changesB = batches(second, b, settings).flat().map((l) => JSON.parse(l));
    expect(changesA.map(({ _sdc_lsn, _sdc_deleted_at, ...rest }) => rest)).toEqual([{ id: 5, v: 'a5' }, { id: 1, v: 'A1' }, { id: 6, v: 'a6' }]);
    expect(changesB.map(({ _sdc_lsn, ...rest }) => rest)).toEqual([{ id: 3, v: 'b3', _sdc_deleted_at: null }, { id: 1, _sdc_deleted_at: expect.any(String) }]);
    // Every STATE that moved a bookmark past a change comes after the BATCH holding it.
    const seen: number[] = [];
    for (const message of second.messages) {
      if (message.type === 'BATCH') seen.push(...fileLines(message.manifest[0].slice('file://'.length)).map((l) => JSON.parse(l)._sdc_lsn));
      if (message.type === 'STATE' && message.value.bookmarks[a]?.lsn !== undefined && message.value.bookmarks[b]?.lsn !== undefined) {
        const lsn = Math.min(message.value.bookmarks[a].lsn, message.value.bookmarks[b].lsn);
        const changeLsns = [...changesA, ...changesB].map((r) => r._sdc_lsn).filter((l) => l < lsn);
        expect(changeLsns.every((l) => seen.includes(l))).toBe(true);
      }
    }
    expect(state2.bookmarks[a].lsn).toBeGreaterThan(Math.max(...changesA.map((r) => r._sdc_lsn)));
  });
});
