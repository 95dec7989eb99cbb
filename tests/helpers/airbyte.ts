/**
 * Runs the built Airbyte connector (`bin/source-postgres-ts`) as Airbyte does — config, catalog
 * and state in files — and checks its output: every stdout line against the project's own
 * schemas/airbyte/messages.schema.json, records against their stream's json_schema.
 */
import Ajv, { type ValidateFunction } from 'ajv';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { testDb } from './db';
import { runBin, type TapRun, type TapRunOptions } from './run-tap';

export const SOURCE_BIN = join(__dirname, '..', '..', 'bin', 'source-postgres-ts');
const MESSAGE_SCHEMA = join(__dirname, '..', '..', 'schemas', 'airbyte', 'messages.schema.json');

export type Message = Record<string, any>;

export type SourceRunOptions = TapRunOptions;

/** `args` come first (the command), then the file flags. */
export function runSource(args: string[], options: SourceRunOptions = {}): Promise<TapRun> {
  return runBin(SOURCE_BIN, args, [], options);
}

/** A source-postgres config for the test database (TLS off unless overridden). */
export function airbyteConfig(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const db = testDb();
  const config: Record<string, unknown> = { host: db.host, port: db.port, database: db.dbname, username: db.user, ssl_mode: { mode: 'disable' } };
  if (db.password) config.password = db.password;
  return { ...config, ...overrides };
}

let compiled: { ajv: Ajv; validate: ValidateFunction } | undefined;

function messageValidator(): { ajv: Ajv; validate: ValidateFunction } {
  if (!compiled) {
    // strictRequired off: the schema's if/then branches require the payload its properties declare.
    const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false });
    compiled = { ajv, validate: ajv.compile(JSON.parse(readFileSync(MESSAGE_SCHEMA, 'utf8'))) };
  }
  return compiled;
}

/** Every stdout line is one JSON object valid against the connector's message schema; ends with LF. */
export function expectValidAirbyteLines(stdout: string): void {
  const { ajv, validate } = messageValidator();
  if (stdout === '') return;
  const lines = stdout.split('\n');
  expect(lines.pop()).toBe('');
  for (const line of lines) {
    const message = JSON.parse(line) as unknown;
    if (!validate(message)) throw new Error(`invalid Airbyte message ${line.slice(0, 300)}: ${ajv.errorsText(validate.errors)}`);
  }
}

/** Every RECORD matches the json_schema of its stream in `catalog` (types, not formats). */
export function expectRecordsMatchCatalog(messages: Message[], catalog: { streams: Array<Record<string, any>> }): void {
  const check = new Ajv({ strict: false, allErrors: true, validateFormats: false });
  const byStream = new Map(catalog.streams.map((s) => [`${s.namespace}.${s.name}`, check.compile(s.json_schema)]));
  for (const message of messages) {
    if (message.type !== 'RECORD') continue;
    const validate = byStream.get(`${message.record.namespace}.${message.record.stream}`);
    if (!validate) throw new Error(`RECORD of an unknown stream ${message.record.namespace}.${message.record.stream}`);
    if (!validate(message.record.data)) throw new Error(`RECORD does not match its json_schema: ${check.errorsText(validate.errors)} in ${JSON.stringify(message.record.data).slice(0, 300)}`);
  }
}

export function ofType(messages: Message[], type: string): Message[] {
  return messages.filter((m) => m.type === type);
}

export function recordsOf(messages: Message[], name: string): Array<Record<string, any>> {
  return ofType(messages, 'RECORD').filter((m) => m.record.stream === name).map((m) => m.record.data);
}

export function traces(messages: Message[], type: string): Message[] {
  return ofType(messages, 'TRACE').filter((m) => m.trace.type === type).map((m) => m.trace);
}

/** The statuses of one stream, in order. */
export function statuses(messages: Message[], name: string): string[] {
  return traces(messages, 'STREAM_STATUS').filter((t) => t.stream_status.stream_descriptor.name === name).map((t) => t.stream_status.status);
}

/** The state Airbyte would pass to the next run: the last STATE of each stream (or the last GLOBAL), without stats. */
export function nextState(messages: Message[]): Message[] {
  const last = new Map<string, Message>();
  for (const message of ofType(messages, 'STATE')) {
    const { sourceStats, ...state } = message.state;
    void sourceStats;
    const key = state.type === 'GLOBAL' ? 'GLOBAL' : JSON.stringify(state.stream.stream_descriptor);
    last.set(key, state);
  }
  return [...last.values()];
}

/** A configured catalog of these discovered streams (by name), each with its sync mode and options. */
export function configure(discovered: { streams: Array<Record<string, any>> }, choices: Record<string, Record<string, unknown>>): Message {
  const streams = discovered.streams
    .filter((s) => choices[s.name] !== undefined)
    .map((s) => ({ stream: s, sync_mode: 'full_refresh', destination_sync_mode: 'append', ...choices[s.name] }));
  return { streams };
}

/** Discovers with `config`; fails the test unless exactly one CATALOG comes back. */
export async function discoverAirbyte(config: unknown): Promise<{ streams: Array<Record<string, any>> }> {
  const run = await runSource(['discover'], { config });
  if (run.code !== 0) throw new Error(`discover failed (${run.code}): ${run.stdout} ${run.stderr}`);
  expectValidAirbyteLines(run.stdout);
  const catalogs = ofType(run.messages, 'CATALOG');
  expect(catalogs).toHaveLength(1);
  return catalogs[0].catalog;
}
