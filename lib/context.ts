/**
 * One context per run, built by the CLI and passed down: no module keeps state of its own, so
 * two runs in one process (the tests) cannot see each other.
 */
import type { TapConfig } from './config/types';
import type { TapSql } from './db/connect';
import type { SshTunnel } from './db/ssh-tunnel';
import type { Logger } from './log/logger';
import type { SyncMetrics } from './log/metrics';
import type { MessageWriter } from './messages/writer';

export interface RunContext {
  config: TapConfig;
  /** Reads: discovery, FULL_TABLE, INCREMENTAL (the replica with use_secondary). */
  sql: TapSql;
  /** With use_secondary, the primary: slot, publication, WAL position, LOG_BASED snapshot and stream. */
  primary?: TapSql;
  /**
   * Where `sql` connects when that is not `config`'s server and database (use_secondary's replica,
   * another database of the server): the run's further connections (slices) go there too.
   */
  sqlConfig?: TapConfig;
  writer: MessageWriter;
  log: Logger;
  /** Aborted on SIGTERM/SIGINT: strategies stop reading, write a resumable STATE and return. */
  signal: AbortSignal;
  /** The wall clock (tests may fix it). */
  now: () => Date;
  /** record_count / sync_duration metrics; readers report once per batch of rows. */
  metrics?: SyncMetrics;
  /** The SSH tunnel every new connection goes through, when ssh_tunnel is enabled. */
  tunnel?: SshTunnel;
}
