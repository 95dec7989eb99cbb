/**
 * Retries of a stream within the run. A transient failure (lib/db/transient-error.ts) is logged
 * as a warning with the server's code and message; after a wait of `retry_backoff_seconds`,
 * doubling with each further retry (1, 2, 4, 8, … s, at most 60), the attempt runs again — the
 * strategies resume from the position of the last row written, in the same table version. The
 * pool reconnects on the next query. Permanent failures are thrown at once; after `max_retries`
 * retries the last failure is thrown with the count, for the run to end with exit 1 and the
 * resumable STATE already written.
 */
import type { RunContext } from '../context';
import { describeFailure, isTransient } from '../db/transient-error';
import { AbortedError } from '../errors';
import type { CopyReadResult } from './copy-reader';

export const MAX_BACKOFF_SECONDS = 60;

/** The wait before retry number `retry` (0 = the first). */
export function backoffSeconds(first: number, retry: number): number {
  return Math.min(first * 2 ** retry, MAX_BACKOFF_SECONDS);
}

/** The transient failure the tap gave up on: the server's reason in one line, and the retries made. */
export class RetriesExhausted extends Error {
  constructor(readonly failure: unknown, retries: number) {
    const count = retries === 0 ? '' : ` (still failing after ${retries} ${retries === 1 ? 'retry' : 'retries'})`;
    super(describeFailure(failure) + count);
    this.name = 'RetriesExhausted';
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/**
 * Runs `attempt` (given the retry number, 0 first) until it succeeds, a failure is permanent,
 * or `ctx.config.max_retries` retries have failed. `what` names the stream in the log, `again`
 * says what the next attempt does.
 */
export async function withRetries<T>(ctx: RunContext, what: string, attempt: (retry: number) => Promise<T>, again = 'from the last row written'): Promise<T> {
  const max = ctx.config.max_retries;
  for (let retry = 0; ; retry += 1) {
    try {
      return await attempt(retry);
    } catch (error) {
      if (!isTransient(error) || ctx.signal.aborted) throw error;
      if (retry >= max) throw new RetriesExhausted(error, retry);
      const wait = backoffSeconds(ctx.config.retry_backoff_seconds, retry);
      ctx.log.warn(`${what}: ${describeFailure(error)}; retry ${retry + 1} of ${max} in ${wait} s, ${again}`);
      await sleep(wait * 1000, ctx.signal);
      if (ctx.signal.aborted) throw new AbortedError(String(ctx.signal.reason ?? 'signal'));
    }
  }
}

/** Adds one attempt's counts to the stream's total. */
export function addCopyResult(total: CopyReadResult, part: CopyReadResult): CopyReadResult {
  for (const [what, count] of part.warnings) total.warnings.set(what, (total.warnings.get(what) ?? 0) + count);
  total.records += part.records;
  total.positionNulls += part.positionNulls;
  return total;
}

export function emptyCopyResult(): CopyReadResult {
  return { records: 0, warnings: new Map(), positionNulls: 0 };
}
