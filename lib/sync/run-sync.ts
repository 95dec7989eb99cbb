/**
 * The sync orchestrator: checks catalog and state against the live database (exit 2 before any
 * output when they do not fit), then runs each selected stream's strategy in turn. The
 * interrupted stream (`currently_syncing`) goes first; the last line of a successful run is a
 * STATE with `currently_syncing: null`.
 */
import { buildPlan, selectedStreams, streamLocation, type StreamPlan } from '../catalog/plan';
import { parseCatalog } from '../catalog/parse-catalog';
import type { RunContext } from '../context';
import { introspect } from '../discovery/introspect';
import { AbortedError, describeError, InputError, SyncError, TapError } from '../errors';
import { schemaMessage } from '../messages/serialize';
import { parseState } from '../state/parse-state';
import type { Bookmark } from '../state/types';
import { startingBookmark } from '../state/transitions';
import { syncFullTable } from './full-table';
import { syncIncremental } from './incremental';
import { StateEmitter } from './state-emitter';

type Strategy = (ctx: RunContext, plan: StreamPlan, state: StateEmitter, start: Bookmark) => Promise<void>;

function strategyFor(plan: StreamPlan): Strategy {
  switch (plan.method) {
    case 'FULL_TABLE':
      return syncFullTable;
    case 'INCREMENTAL':
      return syncIncremental;
    case 'LOG_BASED':
      throw new InputError('UNSUPPORTED_METHOD', `catalog stream ${plan.tapStreamId}: LOG_BASED replication is not available in this version; use FULL_TABLE or INCREMENTAL`);
  }
}

/** A failure inside a stream as one line naming the stream; pipe and signal errors pass as they are. */
function streamFailure(plan: StreamPlan, error: unknown): unknown {
  if (error instanceof TapError || (error as { code?: unknown }).code === 'EPIPE') return error;
  return new SyncError('STREAM_FAILED', `stream ${plan.tapStreamId} failed: ${describeError(error)}; the last STATE written resumes it`);
}

export async function runSync(ctx: RunContext, catalogInput: unknown, stateInput: unknown): Promise<void> {
  const catalog = parseCatalog(catalogInput);
  const selected = selectedStreams(catalog);
  const schemas = [...new Set(selected.map(({ stream, meta }) => streamLocation(stream, meta).schema).filter((s): s is string => !!s))];
  const relations = selected.length > 0 ? await introspect(ctx.sql, { ...ctx.config, filter_schemas: schemas }) : [];
  const state = parseState(stateInput, ctx.config.dbname, selected.map(({ stream }) => stream.tap_stream_id));
  const plans = buildPlan(catalog, relations, ctx.config, state.currently_syncing);
  const strategies = plans.map(strategyFor);
  if (plans.length === 0) ctx.log.warn('no stream is selected in the catalog: set "selected": true in a stream\'s metadata at breadcrumb []');

  const emitter = new StateEmitter(state, ctx.writer);
  for (const [index, plan] of plans.entries()) {
    if (ctx.signal.aborted) {
      await emitter.emit();
      throw new AbortedError(String(ctx.signal.reason ?? 'signal'));
    }
    const { bookmark, reset } = startingBookmark(emitter.current, plan.tapStreamId, plan.method, plan.replicationKey);
    if (reset) ctx.log.info(`${plan.tapStreamId}: bookmark reset (${reset})`);
    emitter.setCurrentlySyncing(plan.tapStreamId);
    const bookmarkProperties = plan.replicationKey ? [plan.replicationKey] : [];
    await ctx.writer.write(schemaMessage(plan.stream, plan.schema, plan.keyProperties, bookmarkProperties));
    ctx.log.info(`${plan.tapStreamId}: ${plan.method} sync starts`, { columns: plan.columns.length });
    try {
      await strategies[index](ctx, plan, emitter, bookmark);
    } catch (error) {
      throw streamFailure(plan, error);
    }
    emitter.setCurrentlySyncing(null);
    await emitter.emit();
    // The writer batches 1 MiB; a finished stream's STATE goes out now, not with the next batch.
    await ctx.writer.flush();
  }
  emitter.setCurrentlySyncing(null);
  await emitter.emit();
}
