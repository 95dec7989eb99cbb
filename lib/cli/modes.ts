/**
 * What each mode does once the config is valid and the server answers. Discovery and sync are
 * loaded on demand, so --about/--version/--help never load them.
 */
import type { TapConfig } from '../config/types';
import type { RunContext } from '../context';
import { AbortedError, isPipeClosed } from '../errors';
import type { Logger } from '../log/logger';
import { connect, readingConfig, type TapSql } from '../db/connect';
import type { SshTunnel } from '../db/ssh-tunnel';
import type { ServerInfo } from '../db/server-info';
import { SyncMetrics } from '../log/metrics';
import { logView, type LiveView } from '../log/progress-view';
import type { SyncInput } from '../sync/sync-input';
import { abortOnSignals } from './signals';

export interface ModeInput {
  /** Reads (discovery, FULL_TABLE, INCREMENTAL): the replica with use_secondary. */
  sql: TapSql;
  /** With use_secondary, the primary: everything LOG_BASED runs there. */
  primary?: TapSql;
  config: TapConfig;
  log: Logger;
  server: ServerInfo;
  /** Writes one line to stderr (redacted). */
  stderr: (line: string) => void;
  /** Live progress lines when stderr is a terminal (the logger prints above them). */
  live?: LiveView;
  /** The run's SSH tunnel, when ssh_tunnel is enabled. */
  tunnel?: SshTunnel;
}

export function writeStdout(text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    process.stdout.write(text, (error) => (error ? reject(error) : resolve()));
  });
}

/** --test: the answer goes to stderr; stdout is for protocol messages only. */
export async function runTest({ sql, primary, config, server, stderr, tunnel }: ModeInput): Promise<void> {
  const { introspect } = await import('../discovery/introspect');
  const { inspectLogicalSetup, logicalReport } = await import('../sync/logical/slot-check');
  const relations = await introspect(sql, config);
  stderr(
    `tap-postgres-ts: connection OK: PostgreSQL ${server.version} at ${readingConfig(config).host}:${readingConfig(config).port}, ` +
      `database ${config.dbname}, user ${config.user}${tunnel ? `, through SSH bastion ${tunnel.bastion}` : ''}; ${relations.length} readable relations`,
  );
  // LOG_BASED is optional: its set-up is reported, not required, here.
  for (const line of logicalReport(await inspectLogicalSetup(primary ?? sql, config), config)) stderr(`tap-postgres-ts: ${line}`);
}

/** A connection to another database of the same server (several databases), ended by the caller. */
export function databaseOpener({ config, log, tunnel }: ModeInput): (dbname: string) => TapSql {
  return (dbname) => connect({ ...readingConfig(config), dbname }, { log, max: 2, tunnel });
}

export async function runDiscover(input: ModeInput): Promise<void> {
  const { sql, config, log } = input;
  const { discoverCatalog } = await import('../discovery/discover');
  const catalog = await discoverCatalog(sql, config, log, databaseOpener(input));
  await writeStdout(JSON.stringify(catalog) + '\n');
}

function syncMetrics(input: ModeInput): SyncMetrics {
  const intervalMs = input.config.progress_interval_seconds * 1000;
  return new SyncMetrics(input.log, intervalMs, Date.now, input.live ?? logView(input.log, intervalMs));
}

export async function runSyncMode(input: ModeInput, sync: SyncInput): Promise<void> {
  const [{ runSync }, { syncWriter }, { introspect }] = await Promise.all([
    import('../sync/run-sync'),
    import('./sync-writer'),
    import('../discovery/introspect'),
  ]);
  const writer = await syncWriter(input.config);
  const controller = new AbortController();
  const removeHandlers = abortOnSignals(controller, input.log);
  const ctx: RunContext = {
    config: input.config,
    sql: input.sql,
    primary: input.primary,
    sqlConfig: readingConfig(input.config),
    writer,
    log: input.log,
    signal: controller.signal,
    now: () => new Date(),
    metrics: syncMetrics(input),
    tunnel: input.tunnel,
  };
  try {
    const lookupOn = (sql: TapSql) => (schemas: readonly string[]) => introspect(sql, { filter_schemas: [...schemas] });
    const databases = { open: databaseOpener(input), lookup: (sql: TapSql, schemas: readonly string[]) => lookupOn(sql)(schemas) };
    await runSync(ctx, sync, { reading: lookupOn(input.sql), primary: input.primary && lookupOn(input.primary), databases });
  } catch (error) {
    if (!isPipeClosed(error)) await writer.flush().catch(() => undefined);
    throw error;
  } finally {
    removeHandlers();
  }
  await writer.flush();
  if (controller.signal.aborted) throw new AbortedError(String(controller.signal.reason));
}
