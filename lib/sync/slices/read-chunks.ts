/**
 * One read of chunks on one shared snapshot: `slices` connections take the chunks in order, one
 * at a time each. The first failure of any slice stops them all (their connections close) and is
 * the one thrown; the counts of the rows written go to `result` either way.
 */
import type { RunContext } from '../../context';
import type { TapSql } from '../../db/connect';
import { AbortedError } from '../../errors';
import type { CopyReadResult } from '../copy-reader';
import { addCopyResult } from '../retry';
import type { Chunk } from './plan';
import { openSharedSnapshot } from './snapshot-share';

export interface ChunkReads {
  /** Reads one chunk on `connection` (its statement goes out before the first await). */
  read: (connection: TapSql, chunk: Chunk) => Promise<CopyReadResult>;
  /** Runs on the first connection once its snapshot is exported, before the others connect; may throw. */
  ready?: (first: TapSql) => Promise<void>;
}

export async function readChunks(ctx: RunContext, slices: number, chunks: Chunk[], reads: ChunkReads, result: CopyReadResult): Promise<void> {
  const queue = [...chunks];
  const shared = await openSharedSnapshot(ctx, slices, reads.ready);
  let failure: { error: unknown } | undefined;
  const work = async (connection: TapSql): Promise<void> => {
    for (let chunk = queue.shift(); chunk && !failure; chunk = queue.shift()) {
      if (ctx.signal.aborted) throw new AbortedError(String(ctx.signal.reason ?? 'signal'));
      shared.ensureOpen();
      addCopyResult(result, await reads.read(connection, chunk));
    }
  };
  const fail = async (error: unknown) => {
    if (failure) return;
    failure = { error };
    await shared.abort();
  };
  await Promise.all(shared.connections.map((connection) => work(connection).catch(fail)));
  await shared.close();
  if (failure) throw failure.error;
}
