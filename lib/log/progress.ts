/**
 * How far a stream is: rows sent, rows/s, percent and ETA, from the estimate its reader gives
 * (FULL_TABLE: heap pages read of the table's pages; INCREMENTAL and snapshots: rows of the
 * table's row estimate; LOG_BASED streaming: WAL bytes of the distance to the WAL end captured at
 * start). Pure formatting and arithmetic; lib/log/progress-view.ts prints it.
 */

export interface ProgressEstimate {
  unit: 'pages' | 'rows' | 'lsn';
  /** The whole: pages, rows or WAL bytes (0: unknown). */
  total: number;
}

export interface ProgressSnapshot {
  stream: string;
  records: number;
  /** Bytes of RECORD lines written. */
  bytes: number;
  seconds: number;
  estimate?: ProgressEstimate;
  /** Pages read or WAL bytes streamed (for rows, `records` is the amount done). */
  done?: number;
  /** The stream ended: 100 %. */
  finished?: boolean;
}

/** 0..1, or undefined when there is no estimate. Row estimates stop at 99 % until the end. */
export function fraction(s: ProgressSnapshot): number | undefined {
  if (s.finished) return 1;
  if (!s.estimate || s.estimate.total <= 0) return undefined;
  const done = s.estimate.unit === 'rows' ? s.records : s.done ?? 0;
  return Math.max(0, Math.min(done / s.estimate.total, s.estimate.unit === 'rows' ? 0.99 : 1));
}

export function rowsPerSecond(s: ProgressSnapshot): number {
  return s.seconds > 0 ? Math.round(s.records / s.seconds) : 0;
}

/** Seconds left at the rate so far; undefined without an estimate or before any progress. */
export function etaSeconds(s: ProgressSnapshot): number | undefined {
  const f = fraction(s);
  if (f === undefined || f <= 0) return undefined;
  return Math.round((s.seconds * (1 - f)) / f);
}

const group = (n: number): string => Math.round(n).toLocaleString('en-US');

function clock(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = String(seconds % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

/** The live line of a TTY: `public-orders  1,234,567 rows  245,310 rows/s  42%  ETA 0:12`. */
export function liveLine(s: ProgressSnapshot): string {
  const f = fraction(s);
  const eta = etaSeconds(s);
  const parts = [s.stream, `${group(s.records)} rows`, `${group(rowsPerSecond(s))} rows/s`];
  if (f !== undefined) parts.push(`${Math.floor(f * 100)}%`);
  if (eta !== undefined) parts.push(`ETA ${clock(eta)}`);
  return parts.join('  ');
}

/** Fields of a progress log line (numbers, for JSON logs). */
export function progressFields(s: ProgressSnapshot): Record<string, unknown> {
  const f = fraction(s);
  const eta = etaSeconds(s);
  const fields: Record<string, unknown> = { stream: s.stream, records: s.records, rows_per_second: rowsPerSecond(s) };
  if (f !== undefined) fields.percent = Math.floor(f * 1000) / 10;
  if (eta !== undefined) fields.eta_seconds = eta;
  return fields;
}

/** Fields of a stream's summary line. */
export function summaryFields(s: ProgressSnapshot): Record<string, unknown> {
  return { stream: s.stream, records: s.records, bytes: s.bytes, seconds: Math.round(s.seconds * 10) / 10, rows_per_second: rowsPerSecond(s) };
}
