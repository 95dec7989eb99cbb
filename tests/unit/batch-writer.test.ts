import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { createBatchWriter, type BatchWriter } from '../../lib/messages/batch-writer';
import type { BatchCompression } from '../../lib/messages/batch-files';
import { createMemoryWriter } from '../../lib/messages/writer';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'batch-writer-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function setup(batchSize: number, compression: BatchCompression = 'gzip') {
  const out = createMemoryWriter();
  const writer = await createBatchWriter(out, { directory: dir, prefix: 'b-', compression, batchSize, runId: 'run' });
  return { out, writer };
}

/** The record lines of `records` as the COPY byte path hands them over: marker, object, LF. */
function recordBytes(writer: BatchWriter, stream: string, records: object[]): Buffer {
  const format = writer.recordFormat(stream);
  format.tail(undefined, new Date());
  return Buffer.from(records.map((r) => format.prefix + JSON.stringify(r) + '\n').join(''));
}

function fileRecords(uri: string): object[] {
  const path = uri.slice('file://'.length);
  const raw = readFileSync(path);
  const text = (path.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8');
  return text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l));
}

const rows = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => ({ id: from + i, s: `é"\n${from + i}` }));
const state = (n: number) => JSON.stringify({ type: 'STATE', value: { n } });

test('files of batchSize records, one BATCH message each, rotating inside one writeBytes call', async () => {
  const { out, writer } = await setup(4);
  await writer.write('{"type":"SCHEMA","stream":"s"}');
  await writer.writeBytes(recordBytes(writer, 's', rows(1, 10)));
  await writer.flush();
  const messages = out.lines.map((l) => JSON.parse(l));
  expect(messages.map((m) => m.type)).toEqual(['SCHEMA', 'BATCH', 'BATCH', 'BATCH']);
  expect(messages[1]).toEqual({
    type: 'BATCH',
    stream: 's',
    encoding: { format: 'jsonl', compression: 'gzip' },
    manifest: [`file://${join(dir, 'b-s-run-1.jsonl.gz')}`],
  });
  expect(messages.slice(1).map((m) => fileRecords(m.manifest[0]))).toEqual([rows(1, 4), rows(5, 8), rows(9, 10)]);
});

test('a STATE waits for the BATCH of the records before it; a newer one replaces it', async () => {
  const { out, writer } = await setup(5, 'none');
  await writer.writeBytes(recordBytes(writer, 's', rows(1, 2)));
  await writer.write(state(2));
  await writer.writeBytes(recordBytes(writer, 's', rows(3, 3)));
  await writer.write(state(3));
  expect(out.lines).toEqual([]);
  await writer.writeBytes(recordBytes(writer, 's', rows(4, 6)));
  // The file filled at record 5: its BATCH, then the newest waiting STATE; record 6 is in a new file.
  expect(out.lines.map((l) => JSON.parse(l).type)).toEqual(['BATCH', 'STATE']);
  expect(JSON.parse(out.lines[1]).value).toEqual({ n: 3 });
  await writer.write('{"type":"ACTIVATE_VERSION","stream":"s","version":1}');
  const types = out.lines.map((l) => JSON.parse(l).type);
  expect(types).toEqual(['BATCH', 'STATE', 'BATCH', 'ACTIVATE_VERSION']);
  expect(fileRecords(JSON.parse(out.lines[2]).manifest[0])).toEqual(rows(6, 6));
  // No file open: a STATE goes out at once.
  await writer.write(state(6));
  expect(JSON.parse(out.lines[4]).value).toEqual({ n: 6 });
});

test('records as strings (LOG_BASED changes) of two streams go to a file each; a waiting STATE closes both', async () => {
  const { out, writer } = await setup(3);
  const a = writer.recordFormat('a');
  const b = writer.recordFormat('b');
  const change = (format: typeof a, record: object) => writer.write(format.prefix + JSON.stringify(record) + format.tail(1, new Date()));
  await change(a, { id: 1 });
  await change(b, { id: 100 });
  await writer.write(state(1));
  await change(a, { id: 2 });
  await change(a, { id: 3 });
  const messages = out.lines.map((l) => JSON.parse(l));
  expect(messages.map((m) => [m.type, m.stream])).toEqual([
    ['BATCH', 'a'],
    ['BATCH', 'b'],
    ['STATE', undefined],
  ]);
  expect(fileRecords(messages[0].manifest[0])).toEqual([{ id: 1 }, { id: 2 }, { id: 3 }]);
  expect(fileRecords(messages[1].manifest[0])).toEqual([{ id: 100 }]);
});

test('writeBytes calls made before the previous one settled keep their order and their bytes', async () => {
  const { out, writer } = await setup(2);
  const data = recordBytes(writer, 's', rows(1, 3));
  const first = writer.writeBytes(data);
  // The caller may reuse its buffer at once.
  const second = writer.writeBytes(recordBytes(writer, 's', rows(4, 5)));
  data.fill(0);
  await Promise.all([first, second]);
  await writer.flush();
  const files = out.lines.map((l) => JSON.parse(l).manifest[0]);
  expect(files.flatMap(fileRecords)).toEqual(rows(1, 5));
});

test('a file that cannot be written fails the writer; the STATE after its records never goes out', async () => {
  const { out, writer } = await setup(100);
  // The file's name is taken (files are created exclusively, never overwritten).
  mkdirSync(join(dir, 'b-s-run-1.jsonl.gz'));
  const writes = (async () => {
    await writer.writeBytes(recordBytes(writer, 's', rows(1, 3)));
    await writer.write(state(3));
    await writer.flush();
  })();
  await expect(writes).rejects.toMatchObject({ code: 'BATCH_FILE_FAILED', message: expect.stringContaining('b-s-run-1.jsonl.gz') });
  expect(out.lines).toEqual([]);
  expect(() => writer.write(state(4))).toThrow(/batch file/);
});
