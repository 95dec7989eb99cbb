/**
 * Turns the output of a COPY … TO STDOUT (text format, in batches of CopyData messages:
 * lib/db/copy-out.ts) into RECORD lines for one stream: the column writers are chosen once,
 * each row goes from COPY bytes to RECORD bytes (lib/values/record-bytes.ts, byte-writers.ts)
 * and the lines go to the writer's `writeBytes`; `checkpoint` runs every `state_interval`
 * records so the caller can write a resumable STATE.
 */
import type { StreamPlan } from '../catalog/plan';
import type { RunContext } from '../context';
import { AbortedError } from '../errors';
import { recordFormatFor, type StreamRecordFormat } from '../messages/record-format';
import { columnConverter } from '../values/convert';
import { ByteOutput } from '../values/byte-output';
import { copyFieldAt, recordBytesEncoder, type ByteColumn } from '../values/record-bytes';

export interface CopyReadOptions {
  version?: number;
  /** Extra fields the query selects after the stream's columns (e.g. ctid), not emitted. */
  extraFields: number;
  /**
   * The resume position: field `field` of the last row sent, its COPY escapes decoded (null
   * for NULL), goes to `onValue` before every checkpoint and after every batch of rows — not
   * per row, so nothing is decoded or allocated per row. A batch that fails part way reports
   * nothing: its rows already sent may come again on resume, none is skipped.
   */
  position?: PositionOptions;
  /** Runs after every `state_interval` records. */
  checkpoint: () => void | Promise<void>;
}

export interface PositionOptions {
  field: number;
  onValue: (text: string | null) => void;
}

export interface CopyReadResult {
  records: number;
  /** Warning counts by `column: reason` (NaN, Infinity, …). */
  warnings: Map<string, number>;
  /** Rows whose `position` field was NULL (0 without `position`). */
  positionNulls: number;
}

/**
 * Writes the RECORD lines of the COPY output `source`: batches of whole CopyData messages as
 * `copyOutBatches(query)` gives them (lib/db/copy-out.ts).
 */
export async function copyToRecords(
  ctx: RunContext,
  plan: StreamPlan,
  source: AsyncIterable<Buffer>,
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
  const counts = { records: 0, positionNulls: 0, bytes: 0 };
  const format = recordFormatFor(ctx.writer, plan.stream);
  await writeRecords(ctx, plan, format, source, columns, options, counts);
  return { records: counts.records, warnings, positionNulls: counts.positionNulls };
}

interface Counts {
  records: number;
  positionNulls: number;
  /** Bytes of RECORD lines written. */
  bytes: number;
}

/** Tells the run's metrics how many records were written since the last call (once per batch). */
function recordReporter(ctx: RunContext, plan: StreamPlan, counts: Counts): () => void {
  let records = counts.records;
  let bytes = counts.bytes;
  return () => {
    ctx.metrics?.add(plan.tapStreamId, counts.records - records, counts.bytes - bytes);
    records = counts.records;
    bytes = counts.bytes;
  };
}

/** Output bytes gathered before they go to the writer. */
const OUTPUT_BYTES = 256 * 1024;

async function writeRecords(
  ctx: RunContext,
  plan: StreamPlan,
  format: StreamRecordFormat,
  source: AsyncIterable<Buffer>,
  columns: ByteColumn[],
  options: CopyReadOptions,
  counts: Counts,
): Promise<void> {
  const writer = ctx.writer;
  const position = options.position;
  const encoder = recordBytesEncoder(columns, {
    prefix: format.prefix,
    jsonAsObject: ctx.config.json_as_object,
    extraFields: options.extraFields,
    nullField: position ? position.field : -1,
  });
  let pending: Promise<void> | undefined;
  // A row counts once its bytes are all in `out`, so at each drain the rows counted since the
  // last one are exactly the lines in `filled`.
  let drained = 0;
  const out = new ByteOutput(OUTPUT_BYTES, (filled) => {
    counts.bytes += filled.length;
    pending = writer.writeBytes(filled) ?? pending;
    format.written?.(encoder.rows - drained);
    drained = encoder.rows;
  });
  const sendOutput = async (): Promise<void> => {
    out.flush();
    counts.records = encoder.rows;
    counts.positionNulls = encoder.nulls;
    const wait = pending;
    pending = undefined;
    if (wait) await wait;
  };
  const interval = ctx.config.state_interval;
  let sinceCheckpoint = 0;
  const reportRecords = recordReporter(ctx, plan, counts);
  const encodeBatch = async (chunk: Buffer): Promise<void> => {
    if (ctx.signal.aborted) throw new AbortedError(String(ctx.signal.reason ?? 'signal'));
    encoder.setTail(format.tail(options.version, ctx.now()));
    const rowsEnd = chunk.length;
    // The position is the last row sent: decoded only when reported, never for a row still in `out`.
    let reported = encoder.rows;
    const reportPosition = () => {
      if (position && encoder.rows !== reported) position.onValue(copyFieldAt(chunk, encoder.lastRowStart, position.field));
      reported = encoder.rows;
    };
    let i = 0;
    try {
      while (i < rowsEnd) {
        const before = encoder.rows;
        i = encoder.encodeRows(chunk, i, rowsEnd, out, interval - sinceCheckpoint);
        sinceCheckpoint += encoder.rows - before;
        if (sinceCheckpoint >= interval) {
          sinceCheckpoint = 0;
          await sendOutput();
          reportPosition();
          const done = options.checkpoint();
          if (done) await done;
        }
      }
      await sendOutput();
      reportPosition();
    } finally {
      reportRecords();
    }
  };

  for await (const batch of source) await encodeBatch(batch);
}
