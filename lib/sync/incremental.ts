/**
 * INCREMENTAL: `WHERE key >= bookmark ORDER BY key`, inclusive like every Python tap (the rows
 * holding the bookmark value come again). The bookmark is compared in the column's own type.
 * Rows whose key is NULL are emitted once, on the first sync (they sort first; a warning counts
 * them); later syncs cannot see them, since NULL is never >= a bookmark.
 *
 * replication_key_value is the key's value as the RECORD carries it: a JSON number when a JS
 * number holds it exactly, otherwise the exact text as a JSON string (bigint > 2^53, long
 * numerics), so the bookmark never loses a digit.
 *
 * A transient failure mid-read is retried within the run (./retry.ts) from the key of the last
 * row written (`>=`: the rows holding that key come again), same version.
 */
import type { StreamPlan } from '../catalog/plan';
import type { RunContext } from '../context';
import { isConnectionLost } from '../db/transient-error';
import { activateVersionMessage } from '../messages/serialize';
import type { Bookmark } from '../state/types';
import { columnConverter } from '../values/convert';
import { bookmarkInput } from '../values/datetime';
import { copyToRecords } from './copy-reader';
import { BOOKMARK_SETTING, incrementalRows } from './queries';
import { addCopyResult, emptyCopyResult, withRetries } from './retry';
import type { StateEmitter } from './state-emitter';
import { checkpointAfterFailure, logWarnings, readCopy } from './stream-io';

/** The bookmark form of a key value's JSON text. */
export function bookmarkValue(json: string): string | number {
  const value: unknown = JSON.parse(json);
  if (typeof value === 'number') return String(value) === json ? value : json;
  return value as string;
}

export async function syncIncremental(ctx: RunContext, plan: StreamPlan, state: StateEmitter, start: Bookmark): Promise<void> {
  const id = plan.tapStreamId;
  const key = plan.replicationKey as string;
  const keyIndex = plan.columns.findIndex((c) => c.name === key);
  const keyToJson = columnConverter(plan.columns[keyIndex].type, { jsonAsObject: false }, () => undefined);
  const version = start.version ?? ctx.now().getTime();
  let value = start.replication_key_value ?? undefined;
  const checkpoint = () => {
    const bookmark: Bookmark = { last_replication_method: 'INCREMENTAL', version, replication_key: key };
    if (value !== undefined) bookmark.replication_key_value = value;
    state.setBookmark(id, bookmark);
    return state.emit();
  };
  await checkpoint();
  await ctx.writer.write(activateVersionMessage(plan.stream, version));

  const result = emptyCopyResult();
  let lastKeyText: string | null = null;
  const updateValue = () => {
    if (lastKeyText !== null) value = bookmarkValue(keyToJson(lastKeyText));
  };
  const readFromBookmark = async (retry: number) => {
    const hasBookmark = value !== undefined && value !== null;
    // postgres.js (type fetching off) never settles a reserve() that has to reconnect a closed
    // connection: after a lost connection, a pooled query opens one first.
    if (retry > 0) await ctx.sql`SELECT 1`;
    const session = await ctx.sql.reserve();
    let lost = false;
    try {
      if (hasBookmark) {
        const bound = bookmarkInput(plan.columns[keyIndex].type.kind, value as string | number);
        await session`SELECT set_config(${BOOKMARK_SETTING}, ${JSON.stringify({ [key]: bound })}, false)`;
      }
      const part = await copyToRecords(ctx, plan, await readCopy(incrementalRows(session, plan, key, hasBookmark)), {
        version,
        extraFields: 0,
        // The key of the last row written, read before each STATE (not per row).
        position: { field: keyIndex, onValue: (text) => { lastKeyText = text; } },
        checkpoint: () => {
          updateValue();
          return checkpoint();
        },
      });
      addCopyResult(result, part);
    } catch (error) {
      lost = isConnectionLost(error);
      throw error;
    } finally {
      updateValue();
      // A dead connection goes back to the pool by itself (as closed); released, it would be reused.
      if (!lost) session.release();
    }
  };
  try {
    await withRetries(ctx, id, readFromBookmark);
  } catch (error) {
    await checkpointAfterFailure(checkpoint, error);
    throw error;
  }
  const nullKeys = result.positionNulls;
  logWarnings(ctx, plan, result.warnings);
  if (nullKeys > 0) {
    ctx.log.warn(`${id}: ${nullKeys} row(s) with a NULL ${key} were emitted; later INCREMENTAL syncs cannot see changes to them`);
  }
  const limit = plan.bounds?.limit;
  if (limit !== undefined && result.records >= limit && value === start.replication_key_value) {
    // `>=` on a key that did not move: the next run would read the same rows again.
    ctx.log.warn(`${id}: the ${limit} rows of this run (the limit) all have ${key} = ${JSON.stringify(value ?? null)}; raise limit or max_record_count, or the stream cannot move past them`);
  }
  await checkpoint();
  ctx.log.info(`${id}: INCREMENTAL done`, { stream: id, records: result.records, replication_key_value: value ?? null });
}
