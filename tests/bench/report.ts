/** One line of the benchmark table, and the Markdown table the bench prints. */
export interface BenchRow {
  table: string;
  what: string;
  rows: number;
  runs: number;
  medianSeconds: number;
  minSeconds: number;
  maxSeconds: number;
  /** Median wall time / median COPY wall time of the same table, same invocation. */
  ratioToCopy: number | null;
  rowsPerSecond: number | null;
  peakRssMiB: number | null;
  /** Median user + system CPU seconds of the measured process (the tap or psql, not the server). */
  cpuSeconds?: number | null;
  /** Rows / median client CPU seconds. */
  rowsPerCpuSecond?: number | null;
  /** Median CPU seconds of the server's backends that ended during the run (./server-cpu.ts). */
  serverCpuSeconds?: number | null;
  /** STATE messages of the counting run. */
  stateMessages?: number | null;
  /** RECORD line bytes (with LF) per RECORD, from the counting run. */
  bytesPerRecord: number | null;
  /** RECORD count == row count in the counting run. */
  recordsOk: boolean | null;
}

const dash = '—';

function fixed(value: number | null, digits: number): string {
  return value === null ? dash : value.toFixed(digits);
}

function grouped(value: number | null): string {
  return value === null ? dash : Math.round(value).toLocaleString('en-US');
}

export function formatTable(rows: readonly BenchRow[]): string {
  const lines = [
    '| table | what | median s | min–max s | ratio to COPY | rows/s | client CPU s | rows per client CPU s | server CPU s | peak RSS MiB | bytes/RECORD | STATEs | RECORDs = rows |',
    '|---|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---|',
  ];
  for (const row of rows) {
    lines.push(
      `| ${row.table} | ${row.what} | ${row.medianSeconds.toFixed(2)} | ${row.minSeconds.toFixed(2)}–${row.maxSeconds.toFixed(2)} | ` +
        `${row.ratioToCopy === null ? dash : row.ratioToCopy.toFixed(2) + '×'} | ${grouped(row.rowsPerSecond)} | ` +
        `${fixed(row.cpuSeconds ?? null, 2)} | ${grouped(row.rowsPerCpuSecond ?? null)} | ${fixed(row.serverCpuSeconds ?? null, 2)} | ` +
        `${fixed(row.peakRssMiB, 1)} | ${fixed(row.bytesPerRecord, 1)} | ${grouped(row.stateMessages ?? null)} | ${row.recordsOk === null ? dash : row.recordsOk ? 'yes' : 'NO'} |`,
    );
  }
  return lines.join('\n');
}
