/**
 * When a replication pass waits and when it stops. PostgreSQL decodes a whole transaction before
 * it sends the first change of it, which takes seconds for one of a few hundred thousand rows, and
 * sends nothing meanwhile. So until the server has read the WAL up to the end captured when the
 * run started, the pass waits for it as long as the connection lives, and only the max-run limit
 * stops it; the idle limit counts from the moment the server reaches that end. While it waits,
 * the pass asks the server for a keepalive now and then: the answer proves the connection alive
 * and tells how far the server has read.
 */
import { formatLsn } from './lsn';

export interface LivenessLimits {
  idleMs: number;
  maxRunMs: number;
}

/** Ask for a keepalive after this long without any message. */
export const PROBE_AFTER_MS = 1000;
/** Repeat the "waiting" log line this often. */
export const NOTICE_EVERY_MS = 30_000;
/** The longest single wait for a message, so the limits are looked at often enough. */
const MAX_WAIT_MS = 1000;

export class Liveness {
  private readonly started: number;
  /** The last change (XLogData), or the start. */
  private lastData: number;
  /** The last message of any kind, or the start. */
  private lastHeard: number;
  private lastProbe: number;
  private lastNotice: number | undefined;
  /** When the server's WAL position first reached `end`. */
  private reachedAt: number | undefined;
  /** The furthest WAL position the server has reported. */
  private server = 0n;

  constructor(private readonly limits: LivenessLimits, private readonly end: bigint, now: number) {
    this.started = now;
    this.lastData = now;
    this.lastHeard = now;
    this.lastProbe = now;
  }

  /** A message came: `lsn` is the WAL position it reports; `data` says whether it is a change. */
  heard(lsn: bigint, data: boolean, now: number): void {
    this.lastHeard = now;
    if (data) this.lastData = now;
    if (lsn > this.server) this.server = lsn;
    if (this.reachedAt === undefined && this.server >= this.end) this.reachedAt = now;
  }

  get reachedEnd(): boolean {
    return this.reachedAt !== undefined;
  }

  private idleSince(): number | undefined {
    return this.reachedAt === undefined ? undefined : Math.max(this.lastData, this.reachedAt);
  }

  /** Why the pass stops now, if it does. */
  stop(now: number): 'max run' | 'idle' | undefined {
    if (now - this.started >= this.limits.maxRunMs) return 'max run';
    const since = this.idleSince();
    if (since !== undefined && now - since >= this.limits.idleMs) return 'idle';
    return undefined;
  }

  /** How long to wait for the next message before looking at the limits again. */
  waitMs(now: number): number {
    let wait = Math.min(MAX_WAIT_MS, this.limits.maxRunMs - (now - this.started));
    const since = this.idleSince();
    if (since !== undefined) wait = Math.min(wait, this.limits.idleMs - (now - since));
    return Math.max(0, wait);
  }

  /** Whether to ask the server for a keepalive now (the caller then sends the request). */
  probe(now: number): boolean {
    if (now - this.lastHeard < PROBE_AFTER_MS || now - this.lastProbe < PROBE_AFTER_MS) return false;
    this.lastProbe = now;
    return true;
  }

  /**
   * The log line while the server, short of the end, has sent no change for longer than the idle
   * limit (and one probe more, so that the line can tell how far the server has read).
   */
  notice(now: number): string | undefined {
    if (this.reachedAt !== undefined || now - this.lastData < this.limits.idleMs + PROBE_AFTER_MS) return undefined;
    if (this.lastNotice !== undefined && now - this.lastNotice < NOTICE_EVERY_MS) return undefined;
    this.lastNotice = now;
    const read = this.server === 0n ? 'no position reported yet' : `WAL read up to ${formatLsn(this.server)}`;
    return (
      `waiting for the server to decode a large transaction: no change for ${Math.round((now - this.lastData) / 1000)} s, ` +
      `${read} of ${formatLsn(this.end)} (the WAL end at start); the idle limit counts from there, logical_max_run_seconds bounds the wait`
    );
  }
}
