/** Small pieces the strategies share: a COPY's output, warning summaries, failure STATE. */
import type { PendingQuery, Row } from 'postgres';
import type { StreamPlan } from '../catalog/plan';
import type { RunContext } from '../context';
import { copyOutBatches } from '../db/copy-out';
import { isPipeClosed } from '../errors';

/**
 * The COPY output of `query` in batches (lib/db/copy-out.ts), for copyToRecords. Nothing is
 * sent before the batches are read.
 */
export async function readCopy(query: PendingQuery<Row[]>): Promise<AsyncIterable<Buffer>> {
  return copyOutBatches(query);
}

export function logWarnings(ctx: RunContext, plan: StreamPlan, warnings: Map<string, number>): void {
  for (const [what, count] of warnings) {
    ctx.log.warn(`${plan.tapStreamId}: ${count} value(s) of column ${what} have no JSON form and were written as null`);
  }
}

/**
 * After a failure mid-stream (signal, lost connection, dropped table), writes one more STATE with
 * the position reached, so the next run resumes as late as possible. When the pipe itself is
 * gone (EPIPE) nothing can be written; the last STATE the reader got stands.
 */
export async function checkpointAfterFailure(checkpoint: () => void | Promise<void>, error: unknown): Promise<void> {
  if (isPipeClosed(error)) return;
  try {
    await checkpoint();
  } catch {
    // The original error is the one to report.
  }
}
