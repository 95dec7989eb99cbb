/**
 * The sync orchestrator: checks the parsed catalog against the live database (exit 2 before any
 * output when they do not fit), then runs each selected stream's strategy in turn. The
 * interrupted stream (`currently_syncing`) goes first; the last line of a successful run is a
 * STATE with `currently_syncing: null`.
 *
 * A stream that fails (its table dropped or no longer readable, before or during the run, or any
 * error inside it) fails alone: one error line naming it, its last STATE stands, and the other
 * streams still sync. The run then ends with exit 1 and a summary line listing the failed
 * streams. A signal or a closed output pipe still stops the whole run.
 *
 * STATE messages of the table streams are paced (./state-emitter.ts): one every
 * `state_interval` records or every few seconds, a failure's position at once, and one at the
 * end; LOG_BASED streaming writes its own as before.
 */
import { datesAsTextLookup } from '../catalog/dates-as-text';
import type { StreamPlan } from '../catalog/plan';
import type { RunContext } from '../context';
import { AbortedError, describeError, isPipeClosed, SyncError, TapError } from '../errors';
import { schemaMessage } from '../messages/serialize';
import type { RelationLookup } from '../pg/types';
import type { Bookmark, TapState } from '../state/types';
import { startingBookmark } from '../state/transitions';
import { checkRowFilters } from './check-row-filters';
import { syncFullTable } from './full-table';
import { syncIncremental } from './incremental';
import type { TapSql } from '../db/connect';
import { planDatabases, type DatabaseAccess, type DatabasePlans } from './database-plans';
import { heapFacts, type HeapFacts } from './heap-facts';
import { withRetries } from './retry';
import { StateEmitter } from './state-emitter';
import { checkpointAfterFailure } from './stream-io';
import { logicalStreamSchema } from './logical/logical-schema';
import { syncLogical } from './logical/logical-sync';
import { lsnFromBookmark, minLsn, parseLsn } from './logical/lsn';
import { checkLogicalSetup } from './logical/slot-check';
import { snapshotLogicalStream } from './logical/snapshot';
import type { SyncInput } from './sync-input';

type Strategy = (ctx: RunContext, plan: StreamPlan, state: StateEmitter, start: Bookmark, facts: HeapFacts) => Promise<void>;

function strategyFor(plan: StreamPlan): Strategy {
  switch (plan.method) {
    case 'FULL_TABLE':
      return syncFullTable;
    case 'INCREMENTAL':
      return syncIncremental;
    case 'LOG_BASED':
      return snapshotLogicalStream;
  }
}

/** A failure inside a stream as one line naming the stream; pipe and signal errors pass as they are. */
function streamFailure(streamName: string, error: unknown): unknown {
  if (error instanceof TapError || isPipeClosed(error)) return error;
  return new SyncError('STREAM_FAILED', `${streamName} failed: ${describeError(error)}; the last STATE written resumes it`);
}

/** Errors that stop the run rather than one stream: a signal, or nobody reading the output. */
function stopsTheRun(ctx: RunContext, error: unknown): boolean {
  return ctx.signal.aborted || error instanceof AbortedError || isPipeClosed(error);
}

/** The end of a run in which streams failed: one summary line; `failures` has each stream's error. */
export class StreamsFailedError extends SyncError {
  constructor(readonly failures: ReadonlyArray<{ stream: string; error: unknown }>, total: number) {
    const names = failures.map((f) => f.stream).join(', ');
    const rest = failures.length === total ? 'the last STATE resumes them' : 'the other streams synced, and the last STATE resumes the failed ones';
    super('STREAMS_FAILED', `${failures.length} of ${total} stream(s) failed: ${names}; ${rest}`);
  }
}

/** The failed streams, reported one line each as they fail and in one summary line at the end. */
class Failures {
  readonly failed: Array<{ stream: string; error: unknown }> = [];

  constructor(private readonly ctx: RunContext) {}

  get names(): string[] {
    return this.failed.map((f) => f.stream);
  }

  add(name: string, error: unknown): void {
    const failure = streamFailure(name, error);
    this.failed.push({ stream: name, error: failure });
    const line = failure instanceof SyncError && failure.code === 'STREAM_FAILED' ? failure.message : `${name} failed: ${describeError(failure)}`;
    this.ctx.log.error(line.replace(/\s*\n\s*/g, ' '), { stream: name });
  }

  /** Throws the summary when any stream failed. */
  check(total: number): void {
    if (this.failed.length > 0) throw new StreamsFailedError(this.failed, total);
  }
}

/** The longest a paced run goes without a STATE while streams finish. */
export const STATE_EVERY_MS = 2000;

/** Between streams: after SIGTERM/SIGINT, write the state reached and stop. */
async function stopIfAborted(ctx: RunContext, emitter: StateEmitter): Promise<void> {
  if (!ctx.signal.aborted) return;
  await emitter.flush();
  throw new AbortedError(String(ctx.signal.reason ?? 'signal'));
}

/** The LOG_BASED set-up is checked before any output; returns the slot's confirmed position. */
async function checkLogical(ctx: RunContext, plans: StreamPlan[]): Promise<bigint | undefined> {
  if (plans.length === 0) return undefined;
  const tables = plans.map((p) => ({ schema: p.relation.schema, name: p.relation.name, kind: p.relation.kind }));
  const setup = await checkLogicalSetup(ctx.sql, ctx.config, tables);
  return setup.slot?.confirmedFlushLsn ? parseLsn(setup.slot.confirmedFlushLsn) : undefined;
}

/**
 * A LOG_BASED stream streams from its bookmark; without one (first sync, or the WAL it needs
 * is gone from the slot) it is snapshotted first. Returns the bookmark LSN to stream from.
 */
function logicalStart(ctx: RunContext, plan: StreamPlan, bookmark: Bookmark, slotConfirmed: bigint | undefined): bigint | undefined {
  const lsn = lsnFromBookmark(bookmark.lsn);
  if (lsn !== undefined && slotConfirmed !== undefined && lsn < slotConfirmed) {
    ctx.log.warn(`${plan.tapStreamId}: its bookmark is older than what the slot still holds (the stream was not synced for a while); snapshotting it again`);
    return undefined;
  }
  return lsn;
}

/** The context a FULL_TABLE or INCREMENTAL stream reads with: its database's connection. */
function readingContext(ctx: RunContext, planned: DatabasePlans, plan: StreamPlan): RunContext {
  const database = planned.databaseOf(plan);
  if (database === undefined) return ctx;
  return { ...ctx, sql: planned.sqlOf(plan), sqlConfig: { ...(ctx.sqlConfig ?? ctx.config), dbname: database } };
}

/** The discovery queries a run plans with. */
export interface SyncLookups {
  /** On the reading connection: the plan checks the catalog against the live relations it reads. */
  reading: RelationLookup;
  /** With use_secondary (`ctx.primary`): the same on the primary, for everything LOG_BASED. */
  primary?: RelationLookup;
  /** With several databases: streams whose `database-name` is another database read through a connection to it (./database-plans.ts). */
  databases?: DatabaseAccess;
}

const withDatesAsText = (ctx: RunContext, lookup: RelationLookup): RelationLookup => (ctx.config.dates_as_string ? datesAsTextLookup(lookup) : lookup);

/** The run's plans; the catalog is taken here, so no frame of the run holds it once they are made. */
async function planRun(ctx: RunContext, input: SyncInput, lookups: SyncLookups): Promise<DatabasePlans> {
  const catalog = input.takeCatalog();
  const other = lookups.databases;
  const databases = other && { open: other.open, lookup: (sql: TapSql, schemas: readonly string[]) => withDatesAsText(ctx, (s) => other.lookup(sql, s))(schemas) };
  // The catalog queries run before any output: a transient fault there (a recovery conflict on a standby) is retried too.
  return withRetries(
    ctx,
    'planning the run',
    () => planDatabases(ctx.sql, ctx.config, catalog, input.state.currently_syncing, withDatesAsText(ctx, lookups.reading), databases),
    'with the catalog queries again',
  );
}

export async function runSync(ctx: RunContext, input: SyncInput, lookups: SyncLookups): Promise<void> {
  const planned = await planRun(ctx, input, lookups);
  try {
    await runPlans(ctx, input, planned, withDatesAsText(ctx, lookups.primary ?? lookups.reading));
  } finally {
    await planned.close();
  }
}

async function runPlans(runCtx: RunContext, { state }: SyncInput, planned: DatabasePlans, primaryLookup: RelationLookup): Promise<void> {
  const sendSchema = (plan: StreamPlan) => (plan.method === 'LOG_BASED' ? logicalStreamSchema(plan, [], runCtx.config.json_as_object) : plan.schema);
  // Stream maps are checked here, before any output, and the run's writer applies them. Their
  // modules load only for a config that has them: a run without maps runs exactly as before.
  const mapped = runCtx.config.stream_maps ? (await import('../maps/plan-maps')).applyStreamMaps(runCtx, planned, sendSchema) : undefined;
  const { plans, unavailable } = mapped ?? planned;
  const ctx = mapped?.ctx ?? runCtx;
  const logicalCtx: RunContext = ctx.primary ? { ...ctx, sql: ctx.primary, sqlConfig: ctx.config } : ctx;
  const strategies = plans.map(strategyFor);
  if (plans.length + unavailable.length === 0) ctx.log.warn('no stream is selected in the catalog: set "selected": true in a stream\'s metadata at breadcrumb []');

  const failures = new Failures(ctx);
  for (const gone of unavailable) failures.add(gone.tapStreamId, new SyncError('STREAM_UNAVAILABLE', gone.message));
  const logicalPlans = plans.filter((p) => p.method === 'LOG_BASED');
  const slotConfirmed = await checkLogical(logicalCtx, logicalPlans);
  await checkRowFilters(ctx, plans);

  const emitter = new StateEmitter(state, ctx.writer, { everyRecords: ctx.config.state_interval, everyMs: STATE_EVERY_MS, clock: () => performance.now() });
  const streamCtx: RunContext = { ...ctx, writer: emitter.countingWriter(ctx.writer) };
  // Heap facts per database: an oid names a table of one database only.
  const facts = new Map<TapSql, HeapFacts>();
  for (const sql of planned.connections) facts.set(sql, await heapFacts(sql, plans.filter((p) => planned.sqlOf(p) === sql)));
  const confirmable: bigint[] = [];
  const schemaSent = new Set<string>();
  let resumeFirst: string | undefined;
  for (const [index, plan] of plans.entries()) {
    await stopIfAborted(ctx, emitter);
    const { bookmark, reset } = startingBookmark(emitter.current, plan.tapStreamId, plan.method, plan.replicationKey);
    if (reset) ctx.log.info(`${plan.tapStreamId}: bookmark reset (${reset})`);
    if (plan.method === 'LOG_BASED') {
      const lsn = reset ? undefined : logicalStart(ctx, plan, bookmark, slotConfirmed);
      // Only bookmarks given to the tap may be confirmed to the slot: the target has them.
      if (lsn !== undefined) {
        confirmable.push(lsn);
        continue;
      }
      schemaSent.add(plan.tapStreamId);
    }
    for (const warning of plan.warnings) ctx.log.warn(`${plan.tapStreamId}: ${warning}`, { stream: plan.tapStreamId });
    emitter.setCurrentlySyncing(plan.tapStreamId);
    const bookmarkProperties = plan.replicationKey ? [plan.replicationKey] : [];
    await ctx.writer.write(schemaMessage(plan.stream, sendSchema(plan), plan.keyProperties, bookmarkProperties));
    ctx.log.info(`${plan.tapStreamId}: ${plan.method === 'LOG_BASED' ? 'LOG_BASED snapshot' : `${plan.method} sync`} starts`, {
      stream: plan.tapStreamId,
      columns: plan.columns.length,
    });
    ctx.metrics?.start(plan.tapStreamId, { unit: 'rows', total: plan.relation.rowEstimate });
    try {
      const planCtx = plan.method === 'LOG_BASED' ? { ...logicalCtx, writer: streamCtx.writer } : readingContext(streamCtx, planned, plan);
      await strategies[index](planCtx, plan, emitter, reset ? {} : bookmark, facts.get(planned.sqlOf(plan)) as HeapFacts);
    } catch (error) {
      ctx.metrics?.end(plan.tapStreamId, 'failed');
      // The position the failed stream reached (its strategy set it) goes out now.
      await checkpointAfterFailure(() => emitter.flush(), error);
      if (stopsTheRun(ctx, error)) throw streamFailure(`stream ${plan.tapStreamId}`, error);
      failures.add(plan.tapStreamId, error);
      resumeFirst ??= plan.tapStreamId;
      schemaSent.delete(plan.tapStreamId);
      await ctx.writer.flush();
      continue;
    }
    ctx.metrics?.end(plan.tapStreamId, 'succeeded');
    emitter.setCurrentlySyncing(null);
    ctx.writer.endStream?.(plan.tapStreamId);
    const written = emitter.written;
    await emitter.emit();
    // The writer batches 1 MiB; a STATE written here goes out now, not with the next batch.
    if (emitter.written !== written) await ctx.writer.flush();
  }
  // Streaming writes a STATE at each of its checkpoints; the snapshots' positions go out first.
  await emitter.flush();
  emitter.setPace(undefined);
  // A LOG_BASED stream whose snapshot failed is not streamed: its next run snapshots it again.
  const streaming = logicalPlans.filter((p) => !failures.names.includes(p.tapStreamId));
  if (streaming.length > 0) {
    await stopIfAborted(ctx, emitter);
    try {
      await syncLogical(logicalCtx, streaming, emitter, minLsn(confirmable) ?? 0n, schemaSent, primaryLookup);
    } catch (error) {
      if (stopsTheRun(ctx, error) || failures.names.length === 0) throw streamFailure('LOG_BASED streaming', error);
      failures.add('LOG_BASED streaming', error);
    }
  }
  // The first stream that failed part-way goes first next time.
  emitter.setCurrentlySyncing(resumeFirst ?? null);
  await emitter.flush();
  failures.check(plans.length + unavailable.length);
}
