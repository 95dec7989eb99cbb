/**
 * A resumed FULL_TABLE loses no row. The first run of a table version records its snapshot
 * horizon in the STATE (`snapshot_xmin`: the xmin of a snapshot taken before its COPY, a 64-bit,
 * epoch-extended transaction id). A run that resumes at heap page P reads, in one statement and
 * so one snapshot, the pages from P on in full and the pages before P for the row versions whose
 * `xmin` is not older than that horizon.
 *
 * Why that is every row visible to the resumed run: a row version on a page before P that is
 * older than the horizon was committed before the first run's snapshot and is still live, so it
 * sat at the same place (a tuple does not move without becoming a new version with a new xmin,
 * and a rewrite changes the relfilenode, which restarts the table) when an earlier run read that
 * page in full. Every other row version visible now is newer: inserted or updated (HOT or not,
 * on any page) by a transaction that was running at the horizon or began later, subtransactions
 * included (their ids are above their parent's). Snapshot horizons never go backwards, so the
 * first run's horizon also covers every later run of the same version.
 *
 * The horizon moves up once a resumed run has sent the newer rows of the pages before P (they
 * come first in its statement): from then on its STATE holds the horizon of a snapshot taken at
 * its own start (`next`), before its COPY. A row older than that was committed before the COPY's
 * snapshot, so if it is on a page before P it was just sent or is older than the previous
 * horizon, and if it is on a later page already passed, it was sent in full. Without this, every
 * resume would send again all rows changed since the version began, and a table written to
 * faster than an often-interrupted run gets through them would never finish its version.
 *
 * Frozen tuples keep their original xmin (PostgreSQL ≥ 9.4 only sets flag bits), so a row
 * inserted between two runs and frozen by VACUUM FREEZE is still seen as newer. A row's 32-bit
 * xmin is compared as its distance below the snapshot's xmax: exact for every xmin the horizon
 * is about, as long as fewer than 2^31 transactions passed since the horizon; past that the
 * table is read again from page 0 in the same version. A row older than the horizon may look
 * newer (an ancient frozen xmin): it is sent twice, which at-least-once allows.
 */
import type { StreamPlan } from '../catalog/plan';
import type { RunContext } from '../context';
import type { TapSql } from '../db/connect';
import type { Bookmark } from '../state/types';
import { fullTableFromPage, quoteIdentifier, quoteQualified } from './queries';

/** Where a run of a resumable heap starts reading, and the horizon of its table version. */
export interface ResumePoint {
  page: number;
  /** 64-bit xid: row versions with an xmin at or above it are newer than what earlier runs of the version sent. */
  horizon: number;
  /** 64-bit xid: the horizon of a snapshot taken at this run's start, before its COPY. */
  next: number;
  /** The bookmark's sent pages stand (same heap, a usable horizon); false when the run starts at page 0. */
  resumed: boolean;
}

/** Fewer transactions than this since the horizon: a 32-bit xmin maps to one 64-bit xid. */
const MAX_SPAN = 2 ** 31;

/**
 * `start` is the stream's bookmark when it resumes the same heap (same relfilenode), else
 * undefined: the run starts at page 0 with a horizon taken now, before its COPY, or with
 * `horizon` when one was taken earlier in the run (an older horizon is as good: lib/sync/heap-facts.ts).
 */
export async function resumePoint(ctx: RunContext, plan: StreamPlan, start: Bookmark | undefined, horizon?: number | false): Promise<ResumePoint> {
  if (!start && typeof horizon === 'number') return { page: 0, horizon, next: horizon, resumed: false };
  const [row] = await ctx.sql`
    SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS xmin, pg_snapshot_xmax(pg_current_snapshot())::text AS xmax`;
  const now = { page: 0, horizon: Number(row.xmin), next: Number(row.xmin), resumed: false };
  if (!start || !(start.ctid_page || start.ctid_ranges?.length)) return now;
  const given = start.snapshot_xmin;
  if (typeof given !== 'number' || !Number.isSafeInteger(given)) {
    ctx.log.info(`${plan.tapStreamId}: the STATE has no snapshot_xmin (written by an older tap); reading the table again from page 0 in the same version`);
    return now;
  }
  if (Number(row.xmax) - given >= MAX_SPAN || given > Number(row.xmax)) {
    ctx.log.info(`${plan.tapStreamId}: too many transactions since the interrupted sync to tell which rows moved; reading the table again from page 0 in the same version`);
    return now;
  }
  return { page: start.ctid_page ?? 0, horizon: given, next: now.horizon, resumed: true };
}

/** The heap page of a ctid's text, "(page,offset)"; 0 for none. */
export function ctidPage(ctid: string | null): number {
  return ctid === null ? 0 : Number(ctid.slice(1, ctid.indexOf(',')));
}

function checkedInteger(value: number, what: string): string {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`invalid ${what} ${value}`);
  return String(value);
}

/** SQL condition: the row version's xmin is not older than `horizon` (in the statement's snapshot). */
export function newerThanHorizon(horizon: number): string {
  const xid = checkedInteger(horizon, 'snapshot horizon');
  const xmax = '(SELECT pg_snapshot_xmax(pg_current_snapshot())::text::int8)';
  // The row's xmin as a distance below the snapshot's xmax (mod 2^32), against the horizon's.
  return `((${xmax} - xmin::text::int8) % 4294967296 + 4294967296) % 4294967296 <= ${xmax} - ${xid}`;
}

/**
 * The rows a run reads from `point`: every row from its page on, in physical order, ctid last;
 * when it resumes (page > 0), first the rows of the pages before it that are newer than the
 * horizon (in one statement, so the same snapshot).
 */
export function resumeRows(sql: TapSql, plan: StreamPlan, point: ResumePoint) {
  if (point.page === 0) return fullTableFromPage(sql, plan, 0);
  const page = checkedInteger(point.page, 'heap page');
  const columns = plan.columns.map((c) => quoteIdentifier(c.name)).join(', ');
  const table = quoteQualified(plan.relation.schema, plan.relation.name);
  const newer = newerThanHorizon(point.horizon);
  const moved = sql.unsafe(`SELECT ${columns}, ctid FROM ONLY ${table} WHERE ctid < '(${page},0)'::tid AND ${newer}`);
  const rest = sql.unsafe(`SELECT ${columns}, ctid FROM ONLY ${table} WHERE ctid >= '(${page},0)'::tid`);
  return sql`COPY (${moved} UNION ALL ${rest}) TO STDOUT`;
}
