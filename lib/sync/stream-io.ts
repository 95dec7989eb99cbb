/** Small pieces the strategies share: opening a COPY stream, warning summaries, failure STATE. */
import type { PendingQuery, Row } from 'postgres';
import type { StreamPlan } from '../catalog/plan';
import type { RunContext } from '../context';
import type { Readable } from 'node:stream';

export async function readCopy(query: PendingQuery<Row[]>): Promise<Readable> {
  return (await query.readable()) as Readable;
}

/**
 * Call once a COPY stream is done with (ended, failed or abandoned). postgres.js pauses its
 * socket when the stream's buffer is full and resumes it only from the stream's read(); when
 * that pause falls on the last rows, nothing calls read() after the end, and the connection
 * never hears the answer to its next query. This resumes it.
 */
export function releaseCopyStream(stream: Readable): void {
  stream._read(0);
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
  if ((error as { code?: unknown }).code === 'EPIPE') return;
  try {
    await checkpoint();
  } catch {
    // The original error is the one to report.
  }
}
