/**
 * copyToRecords without a server: the CopyData messages of COPY text split into batches at every
 * message boundary give the same RECORD lines, positions and checkpoints as one batch; the end
 * marker of old servers is not a row; a row of the wrong width, or a message whose row ends
 * before or after its length says, fails with COPY_FORMAT.
 */
import type { StreamPlan } from '../../lib/catalog/plan';
import { loadConfig } from '../../lib/config/load-config';
import type { RunContext } from '../../lib/context';
import type { TapSql } from '../../lib/db/connect';
import { createLogger } from '../../lib/log/logger';
import { createMemoryWriter } from '../../lib/messages/writer';
import type { ColumnInfo, ValueKind } from '../../lib/pg/types';
import { copyToRecords } from '../../lib/sync/copy-reader';
import { copyDataMessages } from '../helpers/record-reference';

const column = (name: string, kind: ValueKind): ColumnInfo => ({
  name,
  position: 0,
  type: { kind, isArray: false, sqlType: kind, baseTypeName: kind, delimiter: ',' },
  notNull: false,
  supported: true,
});

const plan = {
  tapStreamId: 'public-t',
  stream: 'public-t',
  method: 'FULL_TABLE',
  columns: [column('id', 'bigint'), column('name', 'string'), column('at', 'timestamptz')],
  keyProperties: ['id'],
  schema: {},
  warnings: [],
} as unknown as StreamPlan;

/** Each line (with its LF) as the CopyData message the server sends it in. */
function messages(...lines: string[]): Buffer[] {
  return lines.map((line) => copyDataMessages([line]));
}

const ROWS = messages('1\tü\\tx\t2024-01-01 00:00:00+00\t(0,1)\n', '2\t\\N\t\\N\t(0,2)\n', '3\t😀 "q"\\\\\t2024-06-30 12:00:00.5+02\t(1,1)\n');

async function* batches(parts: Buffer[]): AsyncGenerator<Buffer> {
  for (const part of parts) yield part;
}

const config = loadConfig([{ host: 'localhost', user: 'u', dbname: 'd', state_interval: 2 }], {});

async function run(parts: Buffer[]) {
  const writer = createMemoryWriter();
  const ctx: RunContext = {
    config,
    sql: undefined as unknown as TapSql,
    writer,
    log: createLogger({ level: 'error' }),
    signal: new AbortController().signal,
    now: () => new Date(Date.UTC(2024, 0, 1)),
  };
  const positions: Array<string | null> = [];
  let position: string | null = 'none';
  const result = await copyToRecords(ctx, plan, batches(parts), {
    version: 1,
    extraFields: 1,
    position: { field: 3, onValue: (text) => { position = text; } },
    checkpoint: () => {
      positions.push(position);
      return writer.write('STATE');
    },
  });
  return { lines: writer.lines, positions: [...positions, position], records: result.records };
}

test('every split of the messages into batches gives the output of one batch', async () => {
  const whole = await run([Buffer.concat(ROWS)]);
  expect(whole.records).toBe(3);
  expect(whole.positions).toEqual(['(0,2)', '(1,1)']);
  expect(whole.lines).toHaveLength(4);
  expect(JSON.parse(whole.lines[0]).record).toEqual({ id: 1, name: 'ü\tx', at: '2024-01-01T00:00:00.000000+00:00' });
  expect(whole.lines[2]).toBe('STATE');
  expect(JSON.parse(whole.lines[3]).record).toEqual({ id: 3, name: '😀 "q"\\', at: '2024-06-30T12:00:00.500000+02:00' });
  for (let a = 0; a <= ROWS.length; a += 1) {
    for (let b = a; b <= ROWS.length; b += 1) {
      const parts = [ROWS.slice(0, a), ROWS.slice(a, b), ROWS.slice(b)].map((part) => Buffer.concat(part));
      expect(await run(parts)).toEqual(whole);
    }
  }
});

test('the end marker of old servers is not a row; a row of the wrong width is COPY_FORMAT', async () => {
  expect((await run([Buffer.concat([...ROWS, ...messages('\\.\n')])])).records).toBe(3);
  await expect(run(messages('1\tx\n'))).rejects.toMatchObject({ code: 'COPY_FORMAT' });
});

test('a row that ends before or after its message does is COPY_FORMAT', async () => {
  const [row] = messages('1\tx\t\\N\t(0,1)\n');
  const short = Buffer.from(row);
  short.writeUInt32BE(row.length - 1 - 1, 1); // the LF falls past the message
  await expect(run([short])).rejects.toMatchObject({ code: 'COPY_FORMAT' });
  const [twoRows] = messages('1\tx\t\\N\t(0,1)\n2\ty\t\\N\t(0,2)\n');
  await expect(run([twoRows])).rejects.toMatchObject({ code: 'COPY_FORMAT' });
});
