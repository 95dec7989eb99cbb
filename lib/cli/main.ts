/**
 * The Singer entry point: parse flags, read files, validate config, catalog and state (all
 * before connecting), connect, run one mode. Never calls process.exit(): it sets
 * process.exitCode and returns (0 success, 1 failure during the run, 2 bad input — see
 * lib/errors.ts). Every stderr line passes through the schema-driven redactor.
 */
import { loadConfigWithWarnings } from '../config/load-config';
import { collectSecretValues, createRedactor, secretKeys, type Redactor } from '../config/redact';
import { flatSettings, loadConfigSchema, type ConfigSchema } from '../config/schema';
import { VARIANT_SECRET_KEYS } from '../config/variant-keys';
import { connect, readingConfig, type TapSql } from '../db/connect';
import { connectionFailure } from '../db/connection-error';
import { checkSupported, serverInfo } from '../db/server-info';
import type { SshTunnel } from '../db/ssh-tunnel';
import { describeError, InputError, isPipeClosed, TapError } from '../errors';
import { createLogger, type Logger } from '../log/logger';
import { liveViewFor } from '../log/progress-view';
import type { SyncInput } from '../sync/sync-input';
import { aboutMarkdown, buildAbout, readPackageInfo } from './about';
import { parseArgs, usesSelection, type CliArgs } from './args';
import { runDiscover, runSyncMode, runTest, writeStdout, type ModeInput } from './modes';
import { readJsonFile } from './read-json';
import { parseSyncInput } from './sync-input';

interface Outcome {
  redactor: Redactor;
  log?: Logger;
  debug: boolean;
}

/** Secrets from the raw files (even invalid ones, the Python taps' secret keys too) and from the env, before anything can fail. */
function redactorFor(schema: ConfigSchema, objects: unknown[]): Redactor {
  const keys = new Set([...secretKeys(schema), ...VARIANT_SECRET_KEYS]);
  const fromEnv = flatSettings(schema)
    .filter(([key, setting]) => keys.has(key) && setting['x-env'])
    .map(([, setting]) => process.env[setting['x-env'] as string])
    .filter((value): value is string => typeof value === 'string' && value !== '');
  return createRedactor(keys, [...collectSecretValues(objects, keys), ...fromEnv]);
}

function report(error: unknown, outcome: Outcome): void {
  process.exitCode = error instanceof TapError ? error.exitCode : 1;
  if (isPipeClosed(error)) return; // the reader went away: nothing to say, exit 1
  const log = outcome.log ?? createLogger({ redact: outcome.redactor.text });
  log.error(describeError(error).replace(/\s*\n\s*/g, ' '));
  if (outcome.debug && !(error instanceof TapError) && error instanceof Error && error.stack) {
    log.debug(error.stack.replace(/\s*\n\s*/g, ' | '));
  }
}

async function printInfo(args: CliArgs, schema: ConfigSchema): Promise<void> {
  const pkg = readPackageInfo();
  if (args.mode === 'help') return writeStdout(args.help + '\n');
  if (args.mode === 'version') return writeStdout(`${pkg.name} ${pkg.version}\n`);
  const about = buildAbout(schema, pkg);
  return writeStdout(args.aboutFormat === 'markdown' ? aboutMarkdown(about) : JSON.stringify(about, null, 2) + '\n');
}

/** `sync` is the catalog and state parsed before connecting; `--select` builds the run's catalog here. */
async function runMode(args: CliArgs, input: ModeInput, catalog: unknown, state: unknown, sync: SyncInput | undefined): Promise<void> {
  if (args.mode === 'test') return runTest(input);
  if (usesSelection(args)) {
    const { catalogForRun } = await import('./selection');
    const selected = await catalogForRun(input, args, catalog, args.mode === 'sync');
    if (args.mode === 'discover') return writeStdout(JSON.stringify(selected) + '\n');
    return runSyncMode(input, parseSyncInput(selected, state, input.config.dbname));
  }
  if (sync) return runSyncMode(input, sync);
  return runDiscover(input);
}

export async function main(argv: string[]): Promise<void> {
  const schema = loadConfigSchema();
  const outcome: Outcome = { redactor: redactorFor(schema, []), debug: false };
  let sql: TapSql | undefined;
  let primary: TapSql | undefined;
  let tunnel: SshTunnel | undefined;
  // An EPIPE on stdout is reported through the failed write; without a listener it would crash.
  process.stdout.on('error', () => undefined);
  try {
    const args = await parseArgs(argv);
    if (args.mode === 'help' || args.mode === 'version' || args.mode === 'about') return await printInfo(args, schema);
    const rawConfigs = args.configFiles.map(readJsonFile);
    outcome.redactor = redactorFor(schema, rawConfigs);
    let catalog = args.catalog ? readJsonFile(args.catalog) : undefined;
    const state = args.state ? readJsonFile(args.state) : undefined;
    if (args.mode === 'none') throw new InputError('USAGE', 'nothing to do: give --discover, --catalog FILE, --select PATTERN, --test or --about (see --help)');
    const { config, warnings } = loadConfigWithWarnings(rawConfigs, process.env, schema);
    // A bad stream map exits 2 before connecting; lib/maps loads only when the config has maps.
    if (config.stream_maps) (await import('../maps/stream-maps')).compileStreamMaps(config.stream_maps, config.stream_map_config);
    outcome.redactor = redactorFor(schema, [...rawConfigs, config]);
    const level = args.quiet && (config.log_level === 'debug' || config.log_level === 'info') ? 'warn' : config.log_level;
    // On a terminal a sync's progress is live lines at the bottom; log lines go above them.
    const live = args.mode === 'sync' && config.log_format === 'text' ? liveViewFor(process.stderr, level === 'debug' || level === 'info') : undefined;
    const log = createLogger({ level, format: config.log_format, redact: outcome.redactor.text, sink: live?.print });
    outcome.log = log;
    outcome.debug = config.log_level === 'debug';
    warnings.forEach((warning) => log.warn(warning));
    log.debug('config', outcome.redactor.object({ ...config }) as unknown as Record<string, unknown>);
    // Checked before connecting; with --select and no --catalog only the state can be checked yet.
    const sync = args.mode === 'sync' ? parseSyncInput(catalog ?? { streams: [] }, state, config.dbname) : undefined;
    // Only --select reads the catalog file again; otherwise `sync` hands it to planning, which drops it.
    if (!usesSelection(args)) catalog = undefined;
    if (config.ssh_tunnel) tunnel = await (await import('../db/ssh-tunnel')).openSshTunnel(config, log);
    // use_secondary: reads go to the replica, LOG_BASED to the primary (connected when used).
    sql = connect(readingConfig(config), { log, max: args.mode === 'sync' ? 4 : 1, tunnel });
    if (config.secondary) primary = connect(config, { log, max: args.mode === 'sync' ? 4 : 1, tunnel });
    const server = await serverInfo(sql).catch((error: unknown) => {
      throw connectionFailure(error, readingConfig(config));
    });
    log.debug('connected', { server_version: server.version });
    checkSupported(server);
    const stderr = (line: string): void => void process.stderr.write(outcome.redactor.text(line) + '\n');
    await runMode(args, { sql, primary, config, log, server, stderr, live, tunnel }, catalog, state, sync);
  } catch (error) {
    report(error, outcome);
  } finally {
    if (sql) await sql.end({ timeout: 1 }).catch(() => undefined);
    if (primary) await primary.end({ timeout: 1 }).catch(() => undefined);
    if (tunnel) await tunnel.close();
  }
}
