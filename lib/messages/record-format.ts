/**
 * How a stream's RECORD lines are framed around the record object the value encoders write.
 * The engine writes every record as `prefix + {record object} + tail`: Singer's framing unless
 * the writer brings its own (`MessageWriter.recordFormat`, e.g. the Airbyte writer), so another
 * protocol costs no second serialisation of the record. Also names the LOG_BASED change columns.
 */
import { recordPrefix, recordTail } from './serialize';

export interface ChangeColumns {
  /** The change's WAL position, on every LOG_BASED record. */
  lsn: string;
  /** Commit time of a delete; null on inserts and updates. */
  deletedAt: string;
  /**
   * When set, every LOG_BASED record also carries its commit time here (snapshot rows: the
   * snapshot's time) and snapshot rows carry `deletedAt: null`.
   */
  updatedAt?: string;
}

export const SINGER_CHANGE_COLUMNS: Readonly<ChangeColumns> = { lsn: '_sdc_lsn', deletedAt: '_sdc_deleted_at' };

export interface StreamRecordFormat {
  /** Text before the record object (once per stream). */
  readonly prefix: string;
  /** Text after the record object's closing brace, without the LF, for records extracted at `at`. */
  tail(version: number | undefined, at: Date): string;
  readonly changeColumns: Readonly<ChangeColumns>;
  /** Told after `count` records of the stream went to the writer (optional). */
  written?(count: number): void;
}

/** Singer: `{"type":"RECORD","stream":…,"record":{…},"version":…,"time_extracted":"…"}`. */
export function singerRecordFormat(stream: string): StreamRecordFormat {
  let lastAt: Date | undefined;
  let lastIso = '';
  return {
    prefix: recordPrefix(stream),
    tail(version, at) {
      if (at !== lastAt) {
        lastAt = at;
        lastIso = at.toISOString();
      }
      return recordTail(version, lastIso);
    },
    changeColumns: SINGER_CHANGE_COLUMNS,
  };
}

/** The writer's framing for `stream`, else Singer's. */
export function recordFormatFor(writer: { recordFormat?(stream: string): StreamRecordFormat }, stream: string): StreamRecordFormat {
  return writer.recordFormat ? writer.recordFormat(stream) : singerRecordFormat(stream);
}
