/**
 * One context per run, built by the CLI and passed down (DESIGN §1: no module-level state).
 */
import type { Sql } from 'postgres';
import type { TapConfig } from './config/types';
import type { Logger } from './log/logger';
import type { SyncMetrics } from './log/metrics';
import type { MessageWriter } from './messages/writer';

export interface RunContext {
  config: TapConfig;
  sql: Sql<Record<string, unknown>>;
  writer: MessageWriter;
  log: Logger;
  /** Aborted on SIGTERM/SIGINT: strategies stop reading, write a resumable STATE and return. */
  signal: AbortSignal;
  /** The wall clock (tests may fix it). */
  now: () => Date;
  /** record_count / sync_duration metrics; readers report once per batch of rows. */
  metrics?: SyncMetrics;
}
