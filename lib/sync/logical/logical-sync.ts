/**
 * One replication pass for every LOG_BASED stream: from the smallest bookmark to the WAL end
 * captured at start (or the idle / max-run limits, see liveness.ts), through the slot and
 * publication.
 *
 * WAL safety: the slot is confirmed only up to `confirmLsn`, the smallest LSN of the state the
 * tap was started with — what the target has committed — never a position this run only
 * emitted. Bookmarks move at commits, and between transactions to the server's WAL end from
 * keepalives, so a quiet stream still advances and the next run confirms it.
 */
import type { StreamPlan } from '../../catalog/plan';
import type { RunContext } from '../../context';
import { AbortedError, SyncError } from '../../errors';
import { recordFormatFor } from '../../messages/record-format';
import { activateVersionMessage } from '../../messages/serialize';
import type { RelationLookup } from '../../pg/types';
import type { StateEmitter } from '../state-emitter';
import { checkpointAfterFailure, logWarnings } from '../stream-io';
import type { ChangeEncoder } from './change-encoder';
import { FillBatch } from './fill-batch';
import { formatLsn, maxLsn, minLsn, parseLsn, pgTimestampToIso } from './lsn';
import { Liveness } from './liveness';
import { decodePgOutput, type PgOutputMessage } from './pgoutput-decoder';
import { openReplicationStream, type ReplicationSession } from './replication-stream';
import { StreamCursor } from './stream-cursor';
import { toastableWithoutFull, toastWarning } from './toast-check';

const STATUS_INTERVAL_MS = 10_000;

interface Target {
  id: string;
  table: { schema: string; name: string; partitioned: boolean };
  cursor: StreamCursor;
  encoder: ChangeEncoder;
  /** Records (and their bytes) written since the last report to the run's metrics (per transaction). */
  unreported: number;
  unreportedBytes: number;
}

interface Transaction {
  finalLsn: bigint;
  commitTime: bigint;
  /** The commit time as ISO text, made when first needed. */
  committedAt?: string;
  extractedAt: Date;
}

type StopReason = 'caught up' | 'idle' | 'max run' | 'signal';

class Pass {
  /** Every transaction committed before this has been handled (a bookmark for all streams). */
  position: bigint;
  private readonly targets = new Map<number, Target | null>();
  private txn: Transaction | undefined;
  private sinceCheckpoint = 0;
  records = 0;
  /** Records held back until values a change lacks are read back (WAL order kept). */
  readonly batch: FillBatch<Target>;

  constructor(
    private readonly ctx: RunContext,
    private readonly cursors: StreamCursor[],
    private readonly state: StateEmitter,
    private readonly start: bigint,
  ) {
    this.position = start;
    this.batch = new FillBatch(ctx.sql, ctx.log, (target, body) => this.record(target, body, this.txn?.extractedAt ?? ctx.now()));
  }

  checkpoint(): void | Promise<void> {
    this.sinceCheckpoint = 0;
    for (const cursor of this.cursors) this.state.setBookmark(cursor.id, cursor.bookmark(this.position));
    return this.state.emit();
  }

  /** Once per transaction, not per record. */
  reportRecords(): void {
    for (const cursor of this.cursors) this.ctx.metrics?.advance(cursor.id, Number(this.position - this.start));
    for (const target of this.targets.values()) {
      if (!target || target.unreported === 0) continue;
      this.ctx.metrics?.add(target.cursor.id, target.unreported, target.unreportedBytes);
      target.unreported = 0;
      target.unreportedBytes = 0;
    }
  }

  get inTransaction(): boolean {
    return this.txn !== undefined;
  }

  /** A keepalive: between transactions, everything before the server's WAL end is handled. */
  walEnd(lsn: bigint): void {
    if (!this.txn) this.position = maxLsn(this.position, lsn);
  }

  private async write(line: string): Promise<void> {
    const pending = this.ctx.writer.write(line);
    if (pending) await pending;
  }

  private target(relationId: number, txn: Transaction): Target | undefined {
    const target = this.targets.get(relationId);
    if (target === undefined) throw new SyncError('PGOUTPUT_PROTOCOL', `pgoutput: a change of relation ${relationId} came before its Relation message`);
    if (target === null || target.cursor.skips(txn.finalLsn)) return undefined;
    return target;
  }

  private async record(target: Target, body: string, extractedAt: Date): Promise<void> {
    const format = target.cursor.format;
    const line = format.prefix + body + format.tail(target.cursor.version, extractedAt);
    await this.write(line);
    format.written?.(1);
    this.records += 1;
    target.unreported += 1;
    target.unreportedBytes += Buffer.byteLength(line) + 1;
    this.sinceCheckpoint += 1;
    if (this.sinceCheckpoint >= this.ctx.config.state_interval) {
      const done = this.checkpoint();
      if (done) await done;
    }
  }

  async handle(message: PgOutputMessage, changeLsn: bigint): Promise<void> {
    const txn = this.txn;
    switch (message.tag) {
      case 'Begin':
        this.txn = { finalLsn: message.finalLsn, commitTime: message.commitTime, extractedAt: this.ctx.now() };
        return;
      case 'Commit':
        await this.batch.flush();
        this.txn = undefined;
        this.position = maxLsn(this.position, message.endLsn);
        this.reportRecords();
        return;
      case 'Relation': {
        // A new SCHEMA may follow: the records before it go out first.
        await this.batch.flush();
        const cursor = this.cursors.find((c) => c.matches(message));
        const encoder = cursor ? await cursor.encoderFor(this.ctx, message, (line) => this.write(line)) : undefined;
        const relation = cursor?.plan.relation;
        this.targets.set(
          message.relationId,
          cursor && encoder && relation
            ? { id: cursor.id, table: { schema: relation.schema, name: relation.name, partitioned: relation.kind === 'p' }, cursor, encoder, unreported: 0, unreportedBytes: 0 }
            : null,
        );
        return;
      }
      case 'Origin':
      case 'Type':
        return;
      default:
        break;
    }
    if (!txn) throw new SyncError('PGOUTPUT_PROTOCOL', `pgoutput: ${message.tag} outside a transaction`);
    const lsn = Number(changeLsn);
    if (message.tag === 'Insert' || message.tag === 'Update') {
      const target = this.target(message.relationId, txn);
      if (!target) return;
      if (message.tag === 'Update' && message.oldTuple && target.encoder.keyChanged(message.oldTuple, message.newTuple)) {
        txn.committedAt ??= pgTimestampToIso(txn.commitTime);
        await this.batch.ready(target, target.encoder.delete(message.oldTuple, message.oldKind === 'O', lsn, txn.committedAt));
      }
      const old = message.tag === 'Update' && message.oldKind === 'O' ? message.oldTuple : undefined;
      if (target.encoder.wantsCommitTime) txn.committedAt ??= pgTimestampToIso(txn.commitTime);
      await this.batch.upsert(target, message.newTuple, old, lsn, txn.committedAt);
    } else if (message.tag === 'Delete') {
      const target = this.target(message.relationId, txn);
      if (!target) return;
      txn.committedAt ??= pgTimestampToIso(txn.commitTime);
      await this.batch.ready(target, target.encoder.delete(message.oldTuple, message.oldKind === 'O', lsn, txn.committedAt));
    } else {
      await this.batch.flush();
      for (const relationId of message.relationIds) {
        const target = this.target(relationId, txn);
        if (!target) continue;
        const version = target.cursor.nextVersion(this.ctx.now());
        this.ctx.log.info(`${target.cursor.id}: TRUNCATE in the WAL; new table version ${version} (ACTIVATE_VERSION)`);
        this.state.setBookmark(target.cursor.id, target.cursor.bookmark(this.position));
        await this.write(activateVersionMessage(target.cursor.plan.stream, version));
      }
    }
  }
}

async function readEndLsn(ctx: RunContext): Promise<{ end: bigint; slotConfirmed?: bigint }> {
  const [row] = await ctx.sql`
    SELECT pg_current_wal_lsn()::text AS end_lsn,
           (SELECT confirmed_flush_lsn::text FROM pg_replication_slots WHERE slot_name = ${ctx.config.replication_slot_name}) AS confirmed`;
  return { end: parseLsn(String(row.end_lsn)), slotConfirmed: row.confirmed ? parseLsn(String(row.confirmed)) : undefined };
}

async function stream(ctx: RunContext, session: ReplicationSession, pass: Pass, end: bigint, confirm: bigint): Promise<StopReason> {
  const config = ctx.config;
  const live = new Liveness({ idleMs: config.logical_idle_exit_seconds * 1000, maxRunMs: config.logical_max_run_seconds * 1000 }, end, Date.now());
  let lastStatus = Date.now();
  for (;;) {
    if (ctx.signal.aborted) return 'signal';
    if (!pass.inTransaction && pass.position >= end) return 'caught up';
    const now = Date.now();
    const stop = live.stop(now);
    if (stop) return stop;
    const notice = live.notice(now);
    if (notice) ctx.log.info(notice);
    const probe = live.probe(now);
    if (probe || now - lastStatus >= STATUS_INTERVAL_MS) {
      session.sendStatus(confirm, probe);
      lastStatus = now;
    }
    const message = await session.next(live.waitMs(now));
    if (message === 'idle') continue;
    if (message === 'end') throw new SyncError('REPLICATION_ENDED', 'the server ended the replication stream; run the tap again to resume');
    if (message.tag === 'PrimaryKeepalive') {
      live.heard(message.walEnd, false, Date.now());
      if (message.replyRequested) {
        session.sendStatus(confirm);
        lastStatus = Date.now();
      }
      pass.walEnd(message.walEnd);
      continue;
    }
    live.heard(message.walStart, true, Date.now());
    await pass.handle(decodePgOutput(message.data), message.walStart);
  }
}

/** The max-run limit ended the pass before the WAL end captured at start: say where and why it matters. */
function warnMaxRun(ctx: RunContext, pass: Pass, end: bigint): void {
  const where = `logical_max_run_seconds (${ctx.config.logical_max_run_seconds}) ended the run at ${formatLsn(pass.position)}, before the WAL end ${formatLsn(end)} captured at start`;
  if (pass.inTransaction) {
    ctx.log.warn(`${where}, inside a transaction: the next run resumes from ${formatLsn(pass.position)} and sends that transaction again`);
  } else {
    ctx.log.warn(
      `${where}, while the server was still decoding and had sent no change of the next transaction: ` +
        'a transaction that takes longer than that to decode is never delivered; raise logical_max_run_seconds',
    );
  }
}

/**
 * `confirmLsn`: the smallest LSN of the LOG_BASED bookmarks the tap was started with (0 = none).
 * Each plan's bookmark in `state` holds its start LSN (set by the snapshot for new streams).
 * `lookup` reads the live columns of a table whose changes carry columns the plan lacks.
 */
export async function syncLogical(
  ctx: RunContext,
  plans: StreamPlan[],
  state: StateEmitter,
  confirmLsn: bigint,
  schemaSent: ReadonlySet<string>,
  lookup: RelationLookup,
): Promise<void> {
  const cursors = plans.map((plan) => new StreamCursor(plan, state.bookmark(plan.tapStreamId), ctx.now(), lookup, recordFormatFor(ctx.writer, plan.stream)));
  const { end, slotConfirmed } = await readEndLsn(ctx);
  const start = minLsn(cursors.map((c) => c.startLsn)) ?? 0n;
  if (slotConfirmed !== undefined && start < slotConfirmed) {
    ctx.log.warn(`the slot ${ctx.config.replication_slot_name} is confirmed up to ${formatLsn(slotConfirmed)}, past the oldest bookmark ${formatLsn(start)}: changes in between are no longer in the WAL (was an older state used?)`);
  }
  // Confirming less than the slot already has would move it backwards: confirm nothing then.
  const confirm = slotConfirmed !== undefined && confirmLsn <= slotConfirmed ? 0n : confirmLsn;
  const toast = toastWarning(await toastableWithoutFull(ctx.sql, plans.map((p) => p.relation)));
  if (toast) ctx.log.warn(toast);
  ctx.log.info('LOG_BASED streaming starts', { from: formatLsn(start), to: formatLsn(end), confirm: formatLsn(confirmLsn), streams: cursors.length });
  for (const cursor of cursors) {
    if (!schemaSent.has(cursor.id)) await ctx.writer.write(cursor.schemaLine(ctx.config.json_as_object));
  }

  const pass = new Pass(ctx, cursors, state, start);
  const session = await openReplicationStream(ctx.config, {
    slot: ctx.config.replication_slot_name,
    publication: ctx.config.publication_name,
    startLsn: start,
    log: ctx.log,
    now: ctx.now,
    tunnel: ctx.tunnel,
  });
  let reason: StopReason;
  for (const cursor of cursors) ctx.metrics?.start(cursor.id, { unit: 'lsn', total: Number(end > start ? end - start : 0n) });
  const endMetrics = (status: 'succeeded' | 'failed') => {
    pass.reportRecords();
    for (const cursor of cursors) ctx.metrics?.end(cursor.id, status);
  };
  try {
    session.sendStatus(confirm);
    reason = await stream(ctx, session, pass, end, confirm);
    // Held-back records of an unfinished transaction: the next run sends it again, whole.
    pass.batch.discard();
    await pass.checkpoint();
  } catch (error) {
    pass.batch.discard();
    endMetrics('failed');
    await checkpointAfterFailure(() => pass.checkpoint(), error);
    throw error;
  } finally {
    await session.close();
  }
  endMetrics(reason === 'signal' ? 'failed' : 'succeeded');
  for (const cursor of cursors) logWarnings(ctx, cursor.plan, cursor.warnings);
  for (const [id, count] of pass.batch.incomplete) {
    ctx.log.warn(`${id}: ${count} record(s) leave out value(s) the WAL did not carry: the row no longer existed when it was read back by key (its delete follows in the WAL), or the table has no key to read it by`);
  }
  if (reason === 'max run' && pass.position < end) warnMaxRun(ctx, pass, end);
  ctx.log.info(`LOG_BASED streaming done (${reason})`, { records: pass.records, position: formatLsn(pass.position) });
  if (reason === 'signal') throw new AbortedError(String(ctx.signal.reason ?? 'signal'));
}
