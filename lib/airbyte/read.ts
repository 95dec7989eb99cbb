/**
 * `read`: the configured catalog and state become the engine's selection and Singer state, the
 * engine runs with the Airbyte writer, and the run ends with each stream's final status.
 * Catalog and state are checked before connecting where they can be, and against the live
 * relations before anything is written.
 */
import { abortOnSignals } from '../cli/signals';
import { streamId } from '../catalog/types';
import type { RunContext } from '../context';
import { introspect } from '../discovery/introspect';
import { AbortedError } from '../errors';
import type { Logger } from '../log/logger';
import type { MessageWriter } from '../messages/writer';
import { parseState } from '../state/parse-state';
import { runSync, StreamsFailedError } from '../sync/run-sync';
import { syncInput } from '../sync/sync-input';
import type { AirbyteSettings } from './config';
import { readSelection, type ReadSelection } from './configured-catalog';
import { checkSavedPositions, streamEstimates } from './read-plan';
import { openSession } from './session';
import { inputState } from './state';
import type { ConfiguredAirbyteCatalog, StreamDescriptor } from './types';
import { AirbyteWriter } from './writer';

export interface ReadInput {
  settings: AirbyteSettings;
  catalog: ConfiguredAirbyteCatalog;
  /** The parsed --state file, if any. */
  state: unknown;
  out: MessageWriter;
  log: Logger;
}

/** Thrown when the run failed after streams started: the stream it failed in, if known. */
/** A read that failed: one ERROR trace for each failure (each failed stream, or the run's error). */
export class ReadFailed extends Error {
  constructor(readonly failures: ReadonlyArray<{ error: unknown; stream: StreamDescriptor | undefined }>) {
    super('read failed');
  }
}

/** Names without a namespace resolve to the configured stream of that name. */
function nameResolver(catalog: ConfiguredAirbyteCatalog, schemas: readonly string[] | undefined): (name: string) => string | undefined {
  return (name) => {
    const matches = catalog.streams.filter((s) => s.stream.name === name);
    if (matches.length !== 1) return undefined;
    const namespace = matches[0].stream.namespace ?? (schemas?.length === 1 ? schemas[0] : undefined);
    return namespace === undefined ? undefined : streamId(namespace, name);
  };
}

function schemasOf(catalog: ConfiguredAirbyteCatalog, settings: AirbyteSettings): string[] | undefined {
  const named = catalog.streams.map((s) => s.stream.namespace).filter((n): n is string => typeof n === 'string');
  if (named.length === catalog.streams.length) return [...new Set(named)];
  return settings.tap.filter_schemas;
}

async function selectionFor(input: ReadInput, sql: RunContext['sql']): Promise<ReadSelection> {
  const { settings, catalog } = input;
  const schemas = schemasOf(catalog, settings);
  const relations = catalog.streams.length > 0 ? await introspect(sql, { filter_schemas: schemas }) : [];
  return readSelection(catalog, relations, { cdc: settings.cdc, databaseName: settings.tap.dbname, schemas: settings.tap.filter_schemas });
}

export async function runRead(input: ReadInput): Promise<void> {
  const { settings, log } = input;
  // The state is checked before anything is written, warnings included.
  const given = inputState(input.state, nameResolver(input.catalog, settings.tap.filter_schemas));
  [...settings.warnings, ...given.warnings].forEach((warning) => log.warn(warning));
  const session = await openSession(settings, log, settings.maxConnections);
  const controller = new AbortController();
  const removeHandlers = abortOnSignals(controller, log);
  try {
    const selection = await selectionFor(input, session.sql);
    const state = parseState(given.value, settings.tap.dbname, [...selection.streams.keys()]);
    await checkSavedPositions(session.sql, settings, selection, state);
    const writer = new AirbyteWriter({
      out: input.out,
      streams: selection.streams,
      logical: selection.logical,
      global: settings.cdc,
      estimates: await streamEstimates(session.sql, selection, state),
      clock: Date.now,
    });
    const ctx: RunContext = { config: settings.tap, sql: session.sql, writer, log, signal: controller.signal, now: () => new Date(), tunnel: session.tunnel };
    try {
      await runSync(ctx, syncInput(selection.catalog, state), { reading: (schemas) => introspect(session.sql, { filter_schemas: [...schemas] }) });
      if (controller.signal.aborted) throw new AbortedError(String(controller.signal.reason));
      await writer.finish(true);
    } catch (error) {
      const stream = writer.activeStream;
      if ((error as { code?: unknown }).code !== 'EPIPE') await Promise.resolve(writer.finish(false)).catch(() => undefined);
      if (error instanceof StreamsFailedError) {
        throw new ReadFailed(error.failures.map((f) => ({ error: f.error, stream: writer.descriptor(f.stream) })));
      }
      throw new ReadFailed([{ error, stream }]);
    }
    await writer.flush();
  } finally {
    removeHandlers();
    await session.close();
  }
}
