/**
 * Turns a COPY … TO STDOUT stream into Singer RECORD lines for one stream: the column converters
 * are chosen once, each row is split, encoded and written, and `checkpoint` runs every
 * `state_interval` records so the caller can write a resumable STATE.
 *
 * Two paths with byte-identical output: when the writer takes bytes (`writeBytes`, the stdout
 * writer) rows go from COPY bytes to RECORD bytes (lib/values/record-bytes.ts, byte-writers.ts);
 * otherwise each row is decoded to strings and encoded by the string converters.
 */
import type { StreamPlan } from '../catalog/plan';
import type { RunContext } from '../context';
import { AbortedError } from '../errors';
import { recordLine, recordPrefix } from '../messages/serialize';
import { copyLines, splitCopyLine } from '../values/copy-text';
import { columnConverter } from '../values/convert';
import { recordEncoder } from '../values/record-encoder';
import { ByteOutput } from '../values/byte-output';
import { recordBytesEncoder, type ByteColumn, type RecordBytesEncoder } from '../values/record-bytes';
import type { Readable } from 'node:stream';
import { copyBatches, releaseCopyStream } from './stream-io';

export interface CopyReadOptions {
  version?: number;
  /** Extra fields the query selects after the stream's columns (e.g. ctid), not emitted. */
  extraFields: number;
  /** Sees every row's fields (after the RECORD is written) for resume bookkeeping. */
  onRow?: (fields: ReadonlyArray<string | null>) => void;
  /**
   * The field indices `onRow` reads. When given, the byte path decodes only these (the other
   * entries are null); otherwise each field is decoded when read, which costs more per row.
   */
  onRowFields?: readonly number[];
  /** Runs after every `state_interval` records. */
  checkpoint: () => void | Promise<void>;
}

export interface CopyReadResult {
  records: number;
  /** Warning counts by `column: reason` (NaN, Infinity, …). */
  warnings: Map<string, number>;
}

export async function copyToRecords(
  ctx: RunContext,
  plan: StreamPlan,
  source: Readable,
  options: CopyReadOptions,
): Promise<CopyReadResult> {
  const warnings = new Map<string, number>();
  const columns = plan.columns.map((column) => ({
    name: column.name,
    type: column.type,
    toJson: columnConverter(column.type, { jsonAsObject: ctx.config.json_as_object }, (reason) => {
      const key = `${column.name}: ${reason}`;
      warnings.set(key, (warnings.get(key) ?? 0) + 1);
    }),
  }));
  const counts = { records: 0 };
  try {
    if (ctx.writer.writeBytes) await writeRecordBytes(ctx, plan, source, columns, options, counts);
    else await writeRecords(ctx, plan, source, recordEncoder(columns), options, counts);
  } finally {
    releaseCopyStream(source);
  }
  return { records: counts.records, warnings };
}

/** The string path (writers without `writeBytes`, e.g. the memory writer). */
async function writeRecords(
  ctx: RunContext,
  plan: StreamPlan,
  source: Readable,
  encode: (fields: ReadonlyArray<string | null>) => string,
  options: CopyReadOptions,
  counts: { records: number },
): Promise<void> {
  const prefix = recordPrefix(plan.stream);
  const width = plan.columns.length + options.extraFields;
  const fields: Array<string | null> = new Array(width);
  const interval = ctx.config.state_interval;
  let sinceCheckpoint = 0;
  for await (const lines of copyLines(source)) {
    if (ctx.signal.aborted) throw new AbortedError(String(ctx.signal.reason ?? 'signal'));
    const timeExtracted = ctx.now().toISOString();
    for (const line of lines) {
      splitCopyLine(line, fields, width);
      const pending = ctx.writer.write(recordLine(prefix, encode(fields), options.version, timeExtracted));
      if (pending) await pending;
      options.onRow?.(fields);
      counts.records += 1;
      sinceCheckpoint += 1;
      if (sinceCheckpoint >= interval) {
        sinceCheckpoint = 0;
        const done = options.checkpoint();
        if (done) await done;
      }
    }
  }
}

const LF = 0x0a;
/** Output bytes gathered before they go to the writer. */
const OUTPUT_BYTES = 256 * 1024;

/** `\.` as the last line: the end marker of old-protocol COPY output, not a row. */
function isEndMarker(chunk: Buffer, start: number, end: number): boolean {
  return end - start === 3 && chunk[start] === 0x5c && chunk[start + 1] === 0x2e;
}

/** onRow with the row's fields: only those it reads when `onRowFields` names them. */
function rowCallback(encoder: RecordBytesEncoder, options: CopyReadOptions): (() => void) | undefined {
  const { onRow, onRowFields } = options;
  if (!onRow) return undefined;
  if (!onRowFields) return () => onRow(encoder.fields);
  const fields: Array<string | null> = new Array(encoder.fields.length).fill(null);
  return () => {
    for (const k of onRowFields) fields[k] = encoder.field(k);
    onRow(fields);
  };
}

/** The byte path: same batches, RECORD lines, onRow, checkpoints and abort checks as writeRecords. */
async function writeRecordBytes(
  ctx: RunContext,
  plan: StreamPlan,
  source: Readable,
  columns: ByteColumn[],
  options: CopyReadOptions,
  counts: { records: number },
): Promise<void> {
  const writeBytes = (ctx.writer.writeBytes as (data: Uint8Array) => void | Promise<void>).bind(ctx.writer);
  const encoder = recordBytesEncoder(columns, {
    prefix: recordPrefix(plan.stream),
    jsonAsObject: ctx.config.json_as_object,
    extraFields: options.extraFields,
  });
  let pending: Promise<void> | undefined;
  const out = new ByteOutput(OUTPUT_BYTES, (filled) => {
    pending = writeBytes(filled) ?? pending;
  });
  const sendOutput = async (): Promise<void> => {
    out.flush();
    const wait = pending;
    pending = undefined;
    if (wait) await wait;
  };
  const interval = ctx.config.state_interval;
  let sinceCheckpoint = 0;
  const onRow = rowCallback(encoder, options);
  const encodeBatch = async (chunk: Buffer, end: number): Promise<void> => {
    if (ctx.signal.aborted) throw new AbortedError(String(ctx.signal.reason ?? 'signal'));
    encoder.setTail(options.version, ctx.now().toISOString());
    const lastLine = chunk.lastIndexOf(LF, end - 2) + 1;
    const rowsEnd = isEndMarker(chunk, lastLine, end) ? lastLine : end;
    let i = 0;
    while (i < rowsEnd) {
      i = encoder.encodeRow(chunk, i, out);
      onRow?.();
      counts.records += 1;
      sinceCheckpoint += 1;
      if (sinceCheckpoint >= interval) {
        sinceCheckpoint = 0;
        await sendOutput();
        const done = options.checkpoint();
        if (done) await done;
      }
    }
    await sendOutput();
  };

  let carry: Buffer | undefined;
  for await (const raw of copyBatches(source)) {
    let chunk = raw;
    if (carry) {
      chunk = Buffer.concat([carry, chunk]);
      carry = undefined;
    }
    const lastLf = chunk.lastIndexOf(LF);
    if (lastLf === -1) {
      if (chunk.length > 0) carry = chunk;
      continue;
    }
    if (lastLf + 1 < chunk.length) carry = chunk.subarray(lastLf + 1);
    await encodeBatch(chunk, lastLf + 1);
  }
  if (carry && !(carry.length === 2 && carry[0] === 0x5c && carry[1] === 0x2e)) {
    await encodeBatch(Buffer.concat([carry, Buffer.from([LF])]), carry.length + 1);
  }
}
