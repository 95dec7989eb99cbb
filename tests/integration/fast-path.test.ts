/**
 * copyToRecords (COPY bytes → RECORD bytes) writes byte-for-byte what a string-built reference
 * (tests/helpers/record-reference.ts: decoded fields through the string converters) writes, on
 * every fixture table and view (every odd value of tests/fixtures) plus values aimed at each byte
 * writer's edges — with json_as_object off and on, through the ctid page query (an extra field,
 * the resume position) and the plain one, into the stdout writer with tiny chunks and into the
 * memory writer, with checkpoints every 2 rows so the order of RECORDs and STATEs is checked too.
 */
import { Writable } from 'node:stream';
import type { StreamPlan } from '../../lib/catalog/plan';
import { loadConfig } from '../../lib/config/load-config';
import type { RunContext } from '../../lib/context';
import { connect, type TapSql } from '../../lib/db/connect';
import { introspect } from '../../lib/discovery/introspect';
import type { RelationInfo } from '../../lib/pg/types';
import { createLogger } from '../../lib/log/logger';
import { singerRecordFormat } from '../../lib/messages/record-format';
import { createMemoryWriter, createStreamWriter, type MessageWriter } from '../../lib/messages/writer';
import { copyOutBatches } from '../../lib/db/copy-out';
import { copyToRecords, type CopyReadOptions } from '../../lib/sync/copy-reader';
import { fullTableFromPage, fullTablePlain } from '../../lib/sync/queries';
import { columnConverter } from '../../lib/values/convert';
import { adminSql, testConfig } from '../helpers/db';
import { copyLines, recordEncoder, splitCopyLine } from '../helpers/record-reference';

const EXTRA_SCHEMA = 'tap_fast_path';
let sql: TapSql;
let relations: RelationInfo[];

const EDGE_TABLE = `
CREATE TABLE ${EXTRA_SCHEMA}.edges (
  id serial PRIMARY KEY,
  t text, c "char", j json, jb jsonb, u uuid, tm time, iv interval, e bytea,
  ts timestamp(6), tstz timestamptz, d date, b boolean, b1 bit(1), nm numeric, r real, f8 float8,
  ia int[], ba bigint[], ra real[], na numeric[], ta text[], tsa timestamptz[]
)`;

/** Rows that hit each byte writer's fallback and its fast edges. */
const EDGE_ROWS = `
INSERT INTO ${EXTRA_SCHEMA}.edges (t, c, j, jb, u, tm, iv, e, ts, tstz, d, b, b1, nm, r, f8, ia, ba, ra, na, ta, tsa) VALUES
 ('plain ascii', 'a', '{"a": 1}', '{"a": [1, "x\\"y"]}', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '00:00:00', '1 day',
  '\\x', '2024-02-29 13:14:15', '2024-02-29 13:14:15.5+00', '2024-02-29', true, B'1', 12.50, 1.5, 1e300,
  '{1,-2,3}', '{9223372036854775807,-9223372036854775808}', '{1.5,-0,1e+30}', '{1.10,-2}', '{a,"b c",NULL}',
  '{"2024-01-01 00:00:00+00"}'),
 (E'tab\\there\\nnew\\\\slash "q" \\x01 é 😀 \\u2028', '"', '"x"', '"\\u00e9"', NULL, '24:00:00', '-1 mon +2 days 03:04:05.678',
  '\\x00ff10', '2024-01-01 00:00:00.123456', '2024-01-01 00:00:00.000001', '0044-03-15 BC', false, B'0', 'NaN', 'Infinity', '-Infinity',
  '{{1,2},{3,NULL}}', '{}', '{NaN,-Infinity}', '{NaN}', '{"\\\\","\\""}', '{infinity,NULL}'),
 (repeat('x', 300000) || E'\\\\', NULL, '[]', 'null', NULL, '13:14:15.123456', '0', '\\x5c22',
  'infinity', '-infinity', 'infinity', NULL, NULL, '-0.000', '-0', '1.5e-07',
  '[0:1]={7,8}', '{NULL}', '{}', '{}', '{}', '{}'),
 (E'a\\tb\\nc\\\\d "e" \\rf\\bg\\fh é', '\\', '{}', '{}', NULL, NULL, NULL, NULL,
  '10000-01-01 00:00:00', '0001-01-01 00:00:00+00 BC', '10000-01-01', NULL, NULL, '1e-20', '3.4e38', '-1.7976931348623157e308',
  NULL, NULL, NULL, NULL, '{""}', NULL),
 (repeat('é', 50) || repeat('\\', 50) || E'\\013', NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  '2024-06-30 23:59:59.9', '1999-12-31 23:59:59.99+00', '1970-01-01', NULL, NULL, NULL, NULL, NULL,
  NULL, NULL, NULL, NULL, NULL, NULL)`;

function bytesSink(): { stream: Writable; text: () => string } {
  const parts: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      parts.push(Buffer.from(chunk));
      callback();
    },
  });
  return { stream, text: () => Buffer.concat(parts).toString('utf8') };
}

function planFor(relation: RelationInfo): StreamPlan {
  return {
    tapStreamId: `${relation.schema}-${relation.name}`,
    stream: `${relation.schema}-${relation.name}`,
    relation,
    method: 'FULL_TABLE',
    columns: relation.columns.filter((column) => column.supported),
    keyProperties: relation.primaryKey,
    schema: {},
    warnings: [],
  };
}

interface PathResult {
  output: string;
  /** The position reported before each checkpoint, and at the end. */
  positions: Array<string | null>;
  positionNulls: number;
  records: number;
  warnings: Array<[string, number]>;
}

const VERSION = 1700000000000;
const NOW = new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 678));
const INTERVAL = 2;
const stateLine = (n: number) => `{"type":"STATE","value":${n}}`;

function copyQuery(plan: StreamPlan, byPage: boolean) {
  return byPage ? fullTableFromPage(sql, plan, 0) : fullTablePlain(sql, plan);
}

/** The position field: the ctid, else the last column (NULL in some rows). */
function positionField(plan: StreamPlan, byPage: boolean): number {
  return byPage ? plan.columns.length : plan.columns.length - 1;
}

/** copyToRecords, as the tap runs it, into `writer`; a STATE line at every checkpoint. */
async function bytePath(writer: MessageWriter, plan: StreamPlan, jsonAsObject: boolean, byPage: boolean): Promise<Omit<PathResult, 'output'>> {
  const config = { ...loadConfig([testConfig({ json_as_object: jsonAsObject, state_interval: INTERVAL })], {}) };
  const ctx: RunContext = { config, sql, writer, log: createLogger({ level: 'error' }), signal: new AbortController().signal, now: () => NOW };
  const positions: Array<string | null> = [];
  let checkpoints = 0;
  let position: string | null | undefined;
  const options: CopyReadOptions = {
    version: VERSION,
    extraFields: byPage ? 1 : 0,
    position: { field: positionField(plan, byPage), onValue: (text) => { position = text; } },
    checkpoint: () => {
      positions.push(position === undefined ? 'none' : position);
      return ctx.writer.write(stateLine((checkpoints += 1)));
    },
  };
  const result = await copyToRecords(ctx, plan, copyOutBatches(copyQuery(plan, byPage)), options);
  await ctx.writer.flush();
  positions.push(position === undefined ? 'none' : position);
  return { positions, positionNulls: result.positionNulls, records: result.records, warnings: [...result.warnings].sort() };
}

/** The same COPY through the string reference (tests/helpers/record-reference.ts). */
async function referencePath(plan: StreamPlan, jsonAsObject: boolean, byPage: boolean): Promise<PathResult> {
  const warnings = new Map<string, number>();
  const encode = recordEncoder(
    plan.columns.map((column) => ({
      name: column.name,
      toJson: columnConverter(column.type, { jsonAsObject }, (reason) => {
        const key = `${column.name}: ${reason}`;
        warnings.set(key, (warnings.get(key) ?? 0) + 1);
      }),
    })),
  );
  const format = singerRecordFormat(plan.stream);
  const width = plan.columns.length + (byPage ? 1 : 0);
  const field = positionField(plan, byPage);
  const fields: Array<string | null> = new Array(width);
  const lines: string[] = [];
  const positions: Array<string | null> = [];
  let records = 0;
  let positionNulls = 0;
  let last: string | null | undefined;
  for await (const batch of copyLines(copyOutBatches(copyQuery(plan, byPage)))) {
    for (const line of batch) {
      splitCopyLine(line, fields, width);
      lines.push(format.prefix + encode(fields) + format.tail(VERSION, NOW));
      last = fields[field];
      if (last === null) positionNulls += 1;
      records += 1;
      if (records % INTERVAL === 0) {
        positions.push(last);
        lines.push(stateLine(records / INTERVAL));
      }
    }
  }
  positions.push(last === undefined ? 'none' : last);
  return { output: lines.map((line) => line + '\n').join(''), positions, positionNulls, records, warnings: [...warnings].sort() };
}

async function bothPaths(relation: RelationInfo, jsonAsObject: boolean, byPage: boolean) {
  const plan = planFor(relation);
  const reference = await referencePath(plan, jsonAsObject, byPage);
  const sink = bytesSink();
  const small = await bytePath(createStreamWriter(sink.stream, { chunkBytes: 4096 }), plan, jsonAsObject, byPage);
  const memory = createMemoryWriter();
  const inMemory = await bytePath(memory, plan, jsonAsObject, byPage);
  return {
    reference,
    fast: { ...small, output: sink.text() },
    memory: { ...inMemory, output: memory.lines.map((line) => line + '\n').join('') },
  };
}

/** The first differing line of two outputs (shortened), or undefined when they are equal. */
function firstDifference(where: string, actual: string, expected: string): Record<string, unknown> | undefined {
  if (actual === expected) return undefined;
  const a = actual.split('\n');
  const e = expected.split('\n');
  const line = a.findIndex((text, i) => text !== e[i]);
  const at = line === -1 ? a.length : line;
  const column = [...(a[at] ?? '')].findIndex((ch, i) => ch !== [...(e[at] ?? '')][i]);
  const cut = (text: string | undefined) => (text ?? '<none>').slice(Math.max(0, column - 60), column + 100);
  return { where, line: at, column, actual: cut(a[at]), expected: cut(e[at]) };
}

beforeAll(async () => {
  const admin = adminSql();
  try {
    await admin.unsafe(`DROP SCHEMA IF EXISTS ${EXTRA_SCHEMA} CASCADE; CREATE SCHEMA ${EXTRA_SCHEMA}`);
    await admin.unsafe(EDGE_TABLE);
    await admin.unsafe(EDGE_ROWS);
  } finally {
    await admin.end();
  }
  // Its own application_name: sync-full-table.test.ts ends the tap's COPY backends while it runs.
  sql = connect(loadConfig([testConfig({ application_name: 'tap-fast-path-test' })], {}));
  relations = await introspect(sql, { filter_schemas: ['tap_fixture', EXTRA_SCHEMA] });
});

afterAll(async () => {
  await sql?.end();
});

test('the fixture schema and the edge table are all read', () => {
  const names = relations.map((relation) => `${relation.schema}.${relation.name}`);
  expect(names).toEqual(expect.arrayContaining(['tap_fixture.all_types', 'tap_fixture.all_types_view', `${EXTRA_SCHEMA}.edges`]));
});

describe.each([false, true])('json_as_object %s', (jsonAsObject) => {
  test('the byte path writes what the string reference writes on every relation: lines, positions, counts, warnings', async () => {
    let compared = 0;
    for (const relation of relations) {
      const byPage = relation.kind === 'r';
      const { reference, fast, memory } = await bothPaths(relation, jsonAsObject, byPage);
      const where = `${relation.schema}.${relation.name}`;
      expect(firstDifference(where, fast.output, reference.output)).toBeUndefined();
      expect(firstDifference(where, memory.output, reference.output)).toBeUndefined();
      expect(fast.positions).toEqual(reference.positions);
      expect(memory.positions).toEqual(reference.positions);
      expect(fast.positionNulls).toBe(reference.positionNulls);
      expect(fast.records).toBe(reference.records);
      expect(memory.records).toBe(reference.records);
      expect(fast.warnings).toEqual(reference.warnings);
      compared += reference.records;
    }
    expect(compared).toBeGreaterThan(10);
  });
});

test('the edge rows reach the fallbacks: warnings and exact values', async () => {
  const edges = relations.find((relation) => relation.name === 'edges') as RelationInfo;
  const { fast } = await bothPaths(edges, false, true);
  expect(fast.records).toBe(5);
  expect(fast.warnings.map(([key]) => key)).toEqual(expect.arrayContaining(['nm: NaN', 'r: Infinity', 'ts: infinity', 'ra: NaN']));
  const records = fast.output
    .split('\n')
    .filter((line) => line.includes('"RECORD"'))
    .map((line) => JSON.parse(line).record);
  expect(records[0].ts).toBe('2024-02-29T13:14:15.000000+00:00');
  expect(records[0].tstz).toBe('2024-02-29T13:14:15.500000+00:00');
  expect(records[0].ia).toEqual([1, -2, 3]);
  expect(records[1].t).toBe('tab\there\nnew\\slash "q" \x01 é 😀 \u2028');
  expect(records[1].e).toBe('00ff10');
  expect(records[2].t).toHaveLength(300001);
  expect(records[2].ia).toEqual([7, 8]);
  expect(records[3].d).toBe('+010000-01-01');
  expect(records[3].t).toBe('a\tb\nc\\d "e" \rf\bg\fh é');
  expect(records[4].t.endsWith('\\\v')).toBe(true);
});
