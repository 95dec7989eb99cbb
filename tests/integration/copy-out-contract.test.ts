/**
 * What lib/db/copy-out.ts relies on in postgres.js, checked on the driver itself, so that an
 * update that changes it fails here rather than as lost rows or a stalled connection: the exact
 * version; the query's `resolve` gets the COPY's Readable before any row reaches it; one `push`
 * per row and `push(null)` at the end; a `false` from push pauses the socket until `_read` is
 * called; a server error mid-COPY destroys the stream with that error; on the tap's own sockets
 * `resolve` runs while lib/db/copy-socket.ts hands the CopyOutResponse over, so the COPY can be
 * claimed and its rows never reach the driver; and copyOutBatches itself: every row in order as
 * its whole CopyData message, errors thrown, the connection usable afterwards.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { loadConfig } from '../../lib/config/load-config';
import { connect, type TapSql } from '../../lib/db/connect';
import { copyOutBatches, readableBatches } from '../../lib/db/copy-out';
import { claimCopyOut, type CopyClaim } from '../../lib/db/copy-socket';
import { testConfig } from '../helpers/db';
import { copyDataPayloads } from '../helpers/record-reference';

const ROWS = 20000;
/** Rows `1\t<n>\tx…` and their COPY text, as the server prints them. */
const QUERY_TEXT = `COPY (SELECT g, repeat('x', g % 50) FROM generate_series(1, ${ROWS}) AS g) TO STDOUT`;
const expectedText = Array.from({ length: ROWS }, (_, i) => `${i + 1}\t${'x'.repeat((i + 1) % 50)}\n`).join('');

let sql: TapSql;

beforeAll(() => {
  sql = connect(loadConfig([testConfig({ application_name: 'tap-copy-out-contract' })], {}), { max: 1 });
});

afterAll(async () => {
  await sql?.end();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));


test('postgres is the pinned version the adapter was written against', () => {
  const root = join(dirname(require.resolve('postgres')), '..', '..');
  const installed = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
  const declared = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  expect(installed.version).toBe('3.4.9');
  expect(declared.dependencies.postgres).toBe('3.4.9');
});

interface Hooked {
  stream: Readable;
  /** Rows pushed, in order. */
  rows: string[];
  ended: () => boolean;
  errors: unknown[];
  /** What push answers from now on. */
  answer: (value: boolean) => void;
  /** Rows already in the Readable's own buffer when the query resolved (none expected). */
  buffered: number;
}

/**
 * Runs a COPY with the query's `resolve` wrapped as copy-out.ts does: when it is called with the
 * Readable, push is replaced (recording each row) and an 'error' listener attached, at once.
 */
async function hookedCopy(text: string): Promise<Hooked> {
  const query = sql.unsafe(text);
  const rows: string[] = [];
  const errors: unknown[] = [];
  let ended = false;
  let answer = true;
  let buffered = -1;
  let hooked: Readable | undefined;
  const driverQuery = query as unknown as { resolve(value: unknown): void };
  const resolve = driverQuery.resolve;
  driverQuery.resolve = (value) => {
    if (hooked === undefined && value && typeof (value as Readable).push === 'function') {
      hooked = value as Readable;
      buffered = hooked.readableLength;
      (hooked as unknown as { push: (chunk: Buffer | null) => boolean }).push = (chunk) => {
        if (chunk === null) ended = true;
        else rows.push(Buffer.from(chunk).toString());
        return answer;
      };
      hooked.on('error', (error) => errors.push(error));
    }
    resolve(value);
  };
  const stream = (await query.readable()) as unknown as Readable;
  expect(stream).toBe(hooked);
  return { stream, rows, ended: () => ended, errors, answer: (value) => (answer = value), buffered };
}

async function until(condition: () => boolean): Promise<void> {
  for (let waited = 0; !condition() && waited < 10000; waited += 10) await sleep(10);
}

test("the driver resolves with the Readable before any row, pushes one row per push, then push(null)", async () => {
  const copy = await hookedCopy(QUERY_TEXT);
  expect(copy.buffered).toBe(0);
  await until(copy.ended);
  expect(copy.ended()).toBe(true);
  expect(copy.rows).toHaveLength(ROWS);
  expect(copy.rows.every((row) => row.indexOf('\n') === row.length - 1)).toBe(true);
  expect(copy.rows.join('')).toBe(expectedText);
  expect(copy.stream.readableLength).toBe(0);
  const [after] = await sql`SELECT 42 AS answer`;
  expect(after.answer).toBe(42);
});

test('a false from push pauses the socket until _read is called', async () => {
  const copy = await hookedCopy(QUERY_TEXT);
  copy.answer(false);
  await until(() => copy.rows.length > 0);
  // The rows of the socket read in progress still come; then nothing while paused.
  await sleep(300);
  const whilePaused = copy.rows.length;
  await sleep(300);
  expect(copy.rows.length).toBe(whilePaused);
  expect(whilePaused).toBeLessThan(ROWS);
  expect(copy.ended()).toBe(false);
  copy.answer(true);
  copy.stream._read(0);
  await until(copy.ended);
  expect(copy.rows.join('')).toBe(expectedText);
  const [after] = await sql`SELECT 43 AS answer`;
  expect(after.answer).toBe(43);
});

test('a server error mid-COPY destroys the stream with the error, emitted after the query resolved', async () => {
  const copy = await hookedCopy('COPY (SELECT 1 / (5000 - g) FROM generate_series(1, 10000) AS g) TO STDOUT');
  await until(() => copy.errors.length > 0);
  expect(copy.errors).toHaveLength(1);
  expect(copy.errors[0]).toMatchObject({ code: '22012' });
  expect(copy.ended()).toBe(false);
  expect(copy.rows).toHaveLength(4999);
  const [after] = await sql`SELECT 1 AS one`;
  expect(after.one).toBe(1);
});

test("on the tap's sockets the COPY is claimed while the driver handles CopyOutResponse: rows reach the sink, not push", async () => {
  const query = sql.unsafe(QUERY_TEXT);
  const sunk: string[] = [];
  let runs = 0;
  const pushed: Array<Buffer | null> = [];
  let claim: CopyClaim | undefined;
  const driverQuery = query as unknown as { resolve(value: unknown): void };
  const resolve = driverQuery.resolve;
  driverQuery.resolve = (value) => {
    if (claim === undefined && value instanceof Readable) {
      (value as unknown as { push: (chunk: Buffer | null) => boolean }).push = (chunk) => {
        pushed.push(chunk);
        return true;
      };
      claim = claimCopyOut({
        data: (src, start, end) => {
          sunk.push(...copyDataPayloads(src, start, end));
          runs += 1;
          return runs % 3 !== 0; // full every third run of messages: paused until resumed
        },
      });
    }
    resolve(value);
  };
  await query.readable();
  expect(claim).toBeDefined();
  // Outside a hand-over to the driver there is nothing to claim.
  expect(claimCopyOut({ data: () => true })).toBeUndefined();
  for (let waited = 0; pushed.length === 0 && waited < 10000; waited += 10) {
    await sleep(10);
    claim?.resume();
  }
  expect(pushed).toEqual([null]);
  expect(sunk).toHaveLength(ROWS);
  expect(sunk.join('')).toBe(expectedText);
  const [after] = await sql`SELECT 44 AS answer`;
  expect(after.answer).toBe(44);
});

test('copyOutBatches: every byte in order, batches bounded by a slow reader, the connection usable afterwards', async () => {
  const batchBytes = 4096;
  const parts: string[] = [];
  let largest = 0;
  let batches = 0;
  for await (const batch of copyOutBatches(sql.unsafe(QUERY_TEXT), batchBytes)) {
    batches += 1;
    largest = Math.max(largest, batch.length);
    parts.push(...copyDataPayloads(batch)); // whole messages only; a batch is valid until the next is asked for
    if (batches % 10 === 0) await sleep(1);
  }
  expect(parts.join('')).toBe(expectedText);
  // A full batch pauses the socket; the rest of the socket read in progress still joins it.
  expect(batches).toBeGreaterThan(1);
  expect(largest).toBeLessThanOrEqual(batchBytes + 256 * 1024);
  const [after] = await sql`SELECT 'after' AS word`;
  expect(after.word).toBe('after');
});

test('copyOutBatches throws the server error and the connection serves the next query', async () => {
  const read = async () => {
    let bytes = 0;
    for await (const batch of copyOutBatches(sql.unsafe('COPY (SELECT 1 / (5000 - g) FROM generate_series(1, 10000) AS g) TO STDOUT'))) bytes += batch.length;
    return bytes;
  };
  await expect(read()).rejects.toMatchObject({ code: '22012' });
  const [after] = await sql`SELECT 2 AS two`;
  expect(after.two).toBe(2);
});

test('readableBatches: a Readable opened by the caller gives every byte, and the connection serves the next query', async () => {
  const stream = (await sql.unsafe(QUERY_TEXT).readable()) as unknown as Readable;
  await sleep(50); // rows pile up in the Readable's own buffer first
  const parts: string[] = [];
  for await (const batch of readableBatches(stream, 4096)) parts.push(...copyDataPayloads(batch));
  expect(parts.join('')).toBe(expectedText);
  const [after] = await sql`SELECT 45 AS answer`;
  expect(after.answer).toBe(45);
});
