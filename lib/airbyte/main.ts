/**
 * The Airbyte entry point (bin/source-postgres-ts): `spec | check | discover | read`. stdout
 * carries only Airbyte messages — logs as LOG messages, failures as one ERROR trace with its
 * failure_type before a non-zero exit (2 for bad input, 1 otherwise). `check` reports a bad
 * connection or config as a FAILED status and exits 0; only a config that cannot be read as
 * JSON fails it. Never calls process.exit(). Logs and traces pass through the redactor.
 */
import { readJsonFile } from '../cli/read-json';
import { collectSecretValues, createRedactor, type Redactor } from '../config/redact';
import { InputError } from '../errors';
import type { Logger } from '../log/logger';
import { createStreamWriter, type MessageWriter } from '../messages/writer';
import { checkConnection } from './check';
import { parseAirbyteArgs, type AirbyteArgs } from './cli';
import { adaptConfig, type AirbyteSettings } from './config';
import { parseConfiguredCatalog } from './configured-catalog';
import { discoverCatalog } from './discover';
import { failureOf } from './failure';
import { airbyteLogger } from './log';
import { catalogMessage, connectionStatusMessage, errorTraceMessage, specMessage } from './messages';
import { ReadFailed, runRead } from './read';
import { openSession } from './session';
import { loadSpec, secretKeys } from './spec';
import type { ConnectorSpecification, StreamDescriptor } from './types';

interface Run {
  spec: ConnectorSpecification;
  out: MessageWriter;
  redactor: Redactor;
  log: Logger;
}

function ignore(pending: void | Promise<void>): void {
  if (pending) pending.catch(() => undefined);
}

/** Secrets of the raw config, and of the adapted one (a decrypted client key is a new string). */
function redactorFor(spec: ConnectorSpecification, raw: unknown, settings?: AirbyteSettings): Redactor {
  const keys = secretKeys(spec);
  const derived = settings ? { password: settings.tap.password, client_key: settings.tap.sslkey } : {};
  return createRedactor(keys, collectSecretValues([raw, derived], keys));
}

/** The --config file as JSON (its secrets known to the redactor from here on). */
function readConfig(run: Run, args: AirbyteArgs): unknown {
  const raw = readJsonFile(args.config as NonNullable<AirbyteArgs['config']>);
  run.redactor = redactorFor(run.spec, raw);
  return raw;
}

/** The adapted config; its warnings are logged unless the caller logs them later (read). */
function adapt(run: Run, raw: unknown, logWarnings = true): AirbyteSettings {
  const settings = adaptConfig(raw, run.spec);
  run.redactor = redactorFor(run.spec, raw, settings);
  if (logWarnings) settings.warnings.forEach((warning) => run.log.warn(warning));
  return settings;
}

async function check(run: Run, args: AirbyteArgs): Promise<void> {
  const raw = readConfig(run, args); // not JSON: an error, exit non-zero
  let status;
  try {
    const settings = adapt(run, raw);
    status = await checkConnection(settings, run.log);
  } catch (error) {
    status = { status: 'FAILED' as const, message: failureOf(error).message };
  }
  if (status.message) status.message = run.redactor.text(status.message);
  await run.out.write(connectionStatusMessage(status));
}

async function discover(run: Run, args: AirbyteArgs): Promise<void> {
  const settings = adapt(run, readConfig(run, args));
  const session = await openSession(settings, run.log, 1);
  try {
    await run.out.write(catalogMessage(await discoverCatalog(session.sql, session.server, settings)));
  } finally {
    await session.close();
  }
}

async function read(run: Run, args: AirbyteArgs): Promise<void> {
  const settings = adapt(run, readConfig(run, args), false);
  const catalog = parseConfiguredCatalog(readJsonFile(args.catalog as NonNullable<AirbyteArgs['catalog']>));
  const state = args.state ? readJsonFile(args.state) : undefined;
  await runRead({ settings, catalog, state, out: run.out, log: run.log });
}

function report(run: Run, thrown: unknown): void {
  const failures: ReadonlyArray<{ error: unknown; stream?: StreamDescriptor }> = thrown instanceof ReadFailed ? thrown.failures : [{ error: thrown }];
  process.exitCode = failures.some(({ error }) => error instanceof InputError) ? 2 : 1;
  for (const { error, stream } of failures) {
    if ((error as { code?: unknown } | null)?.code === 'EPIPE') return; // the reader went away: nothing to say
    const failure = failureOf(error);
    ignore(run.out.write(errorTraceMessage(run.redactor.text(failure.message), failure.failureType, Date.now(), stream)));
  }
}

export async function main(argv: string[]): Promise<void> {
  // An EPIPE on stdout is reported through the failed write; without a listener it would crash.
  process.stdout.on('error', () => undefined);
  const spec = loadSpec();
  const out = createStreamWriter(process.stdout);
  const run: Run = { spec, out, redactor: redactorFor(spec, undefined), log: undefined as unknown as Logger };
  run.log = airbyteLogger({ write: (line) => ignore(out.write(line)), redact: (text) => run.redactor.text(text) });
  try {
    const args = parseAirbyteArgs(argv);
    if (args.command === 'spec') await out.write(specMessage(spec));
    else if (args.command === 'check') await check(run, args);
    else if (args.command === 'discover') await discover(run, args);
    else await read(run, args);
  } catch (error) {
    report(run, error);
  } finally {
    await out.flush().catch(() => undefined);
  }
}
