/**
 * Turns a COPY … TO STDOUT stream into Singer RECORD lines for one stream: the column converters
 * are chosen once, each row is split, encoded and written, and `checkpoint` runs every
 * `state_interval` records so the caller can write a resumable STATE.
 */
import type { StreamPlan } from '../catalog/plan';
import type { RunContext } from '../context';
import { AbortedError } from '../errors';
import { recordLine, recordPrefix } from '../messages/serialize';
import { copyLines, splitCopyLine } from '../values/copy-text';
import { columnConverter } from '../values/convert';
import { recordEncoder } from '../values/record-encoder';
import type { Readable } from 'node:stream';
import { releaseCopyStream } from './stream-io';

export interface CopyReadOptions {
  version?: number;
  /** Extra fields the query selects after the stream's columns (e.g. ctid), not emitted. */
  extraFields: number;
  /** Sees every row's fields (after the RECORD is written) for resume bookkeeping. */
  onRow?: (fields: ReadonlyArray<string | null>) => void;
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
  const encode = recordEncoder(
    plan.columns.map((column) => ({
      name: column.name,
      toJson: columnConverter(column.type, { jsonAsObject: ctx.config.json_as_object }, (reason) => {
        const key = `${column.name}: ${reason}`;
        warnings.set(key, (warnings.get(key) ?? 0) + 1);
      }),
    })),
  );
  const counts = { records: 0 };
  try {
    await writeRecords(ctx, plan, source, encode, options, counts);
  } finally {
    releaseCopyStream(source);
  }
  return { records: counts.records, warnings };
}

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
