/**
 * One context per run, built by the CLI and passed down (DESIGN §1: no module-level state).
 */
import type { Sql } from 'postgres';
import type { TapConfig } from './config/types';
import type { SshTunnel } from './db/ssh-tunnel';
import type { Logger } from './log/logger';
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
  /** The SSH tunnel every new connection goes through, when ssh_tunnel is enabled. */
  tunnel?: SshTunnel;
}
