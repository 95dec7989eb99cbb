/**
 * The tap's postgres.js connection: sslmode as libpq, application_name, connect_timeout, no
 * connection recycling mid-sync, and the session settings every value converter relies on, sent
 * as startup parameters so they hold on replication connections too and win over whatever a
 * role or database sets (ALTER ROLE … SET): the text forms below, and the timeouts of the config
 * (statement_timeout and idle_in_transaction_session_timeout 0 unless configured, a short
 * lock_timeout). Temporal types, int8 and numeric come back as the server's text — never a JS
 * float or Date (no precision or zone loss). Sockets come from ./socket (TLS, the server's last
 * error), over an SSH tunnel's channels when there is one.
 */
import type { Duplex } from 'node:stream';
import postgres from 'postgres';
import type { TapConfig } from '../config/types';
import type { Logger } from '../log/logger';
import { openSocket } from './socket';
import { sslOptions } from './ssl-options';
import type { SshTunnel } from './ssh-tunnel';

/** Startup parameters: the text forms the value converter expects. */
export const SESSION_PARAMETERS: Readonly<Record<string, string>> = {
  TimeZone: 'UTC',
  DateStyle: 'ISO, YMD',
  IntervalStyle: 'iso_8601',
  extra_float_digits: '1',
  bytea_output: 'hex',
};

/** The startup parameters of a session: the text forms, application_name, the timeouts and libpq's options. */
export function sessionParameters(config: TapConfig): Record<string, string> {
  return {
    application_name: config.application_name,
    ...SESSION_PARAMETERS,
    statement_timeout: String(config.statement_timeout),
    lock_timeout: String(config.lock_timeout),
    idle_in_transaction_session_timeout: String(config.idle_in_transaction_session_timeout),
    ...(config.options ? { options: config.options } : {}),
  };
}

/** OIDs kept as server text: int8, numeric, date, time, timetz, timestamp, timestamptz, interval. */
export const TEXT_TYPE_OIDS = [20, 1700, 1082, 1083, 1266, 1114, 1184, 1186] as const;

const asText = (value: string): string => value;
const toParameter = (value: unknown): string => (value instanceof Date ? value.toISOString() : String(value));

/** postgres.js custom types: parse to the raw text; serialise Dates and bigints sensibly. */
export const TEXT_TYPES = {
  int8: { to: 20, from: [20], parse: asText, serialize: toParameter },
  numeric: { to: 1700, from: [1700], parse: asText, serialize: toParameter },
  timestamptz: { to: 1184, from: [1082, 1083, 1266, 1114, 1184, 1186], parse: asText, serialize: toParameter },
};

export interface ConnectOptions {
  /** Pool size; 1 for a single-session job. */
  max?: number;
  /** NOTICE messages go to its debug level. */
  log?: Logger;
  /** The run's SSH tunnel (ssh_tunnel): every connection is a channel through it. */
  tunnel?: SshTunnel;
}

/** The postgres.js options for a config (exported for replication connections and tests). */
export function connectionOptions(config: TapConfig, options: ConnectOptions = {}): postgres.Options<Record<string, postgres.PostgresType>> {
  const ssl = sslOptions(config);
  const target = {
    host: config.host,
    port: config.port,
    connectTimeout: config.connect_timeout,
    ssl,
    tlsOptional: config.sslmode === 'allow' || config.sslmode === 'prefer',
  };
  const tapOptions: postgres.Options<Record<string, postgres.PostgresType>> = {
    host: config.host,
    port: config.port,
    username: config.user,
    password: config.password,
    database: config.dbname,
    // TLS is negotiated by openSocket; postgres.js sees a ready socket.
    ssl: false,
    connect_timeout: config.connect_timeout,
    max: options.max ?? 4,
    max_lifetime: null,
    // Unnamed statements: most of the tap's statements run once (a COPY per table); naming and
    // caching each would cost a round of Parse/Describe and server memory per table, and a
    // transaction-mode pooler cannot keep named statements anyway.
    prepare: false,
    fetch_types: false,
    types: TEXT_TYPES,
    connection: sessionParameters(config),
    onnotice: (notice) => options.log?.debug('server notice', { severity: notice.severity, message: notice.message }),
  };
  // postgres.js's `socket` option (a function returning a connected socket) is not in its types.
  // Through a tunnel the connection is a forwarded channel; TLS still runs end to end inside it.
  const { tunnel } = options;
  const socket = (pgOptions?: { connection?: Record<string, unknown> }) => openSocket(target, tunnel && tunnelOpener(tunnel, pgOptions));
  return Object.assign(tapOptions, { socket });
}

/** Opens one forwarded channel for a postgres.js connection (its options name a replication one). */
function tunnelOpener(tunnel: SshTunnel, options?: { connection?: Record<string, unknown> }): () => Promise<Duplex> {
  // A replication connection is named so in the debug log.
  return () => tunnel.socket(options?.connection?.replication ? 'replication' : 'queries');
}

/** The tap's connection type (the same as RunContext's): parameters of any JS type. */
export type TapSql = postgres.Sql<Record<string, unknown>>;

/** The config that reads: the replica's host and port with use_secondary, else `config` itself. */
export function readingConfig(config: TapConfig): TapConfig {
  return config.secondary ? { ...config, host: config.secondary.host, port: config.secondary.port } : config;
}

/** A lazy pool: nothing connects until the first query. */
export function connect(config: TapConfig, options: ConnectOptions = {}): TapSql {
  return postgres(connectionOptions(config, options)) as unknown as TapSql;
}
