/**
 * An Airbyte source-postgres configuration → the tap's TapConfig plus the Airbyte-only choices.
 * Users paste the configuration they already have: every key of the spec is honoured, or
 * refused with a config error naming it; none is silently dropped. Keys whose job this
 * connector does by design (a queue size, a load timeout) are accepted, with a warning when
 * set to anything but their default.
 */
import { createPrivateKey } from 'node:crypto';
import { loadConfigWithWarnings } from '../config/load-config';
import type { TapConfig } from '../config/types';
import { sshTunnelFromAirbyte } from './tunnel-method';
import { InputError } from '../errors';
import { configProblems, unknownKeys } from './config-problems';
import { jdbcParams } from './jdbc-params';
import { compileConfigValidator, loadSpec, oneOfBranches } from './spec';
import type { ConnectorSpecification } from './types';

export interface AirbyteSettings {
  tap: TapConfig;
  /** replication_method CDC: incremental streams are LOG_BASED, state is GLOBAL. */
  cdc: boolean;
  /** What to do when a saved LSN is older than the slot: fail, or read those tables again. */
  invalidCursor: 'fail' | 'resync';
  /** check: require a readable table in the chosen schemas. */
  checkPrivileges: boolean;
  /** Most connections the connector opens at once. */
  maxConnections: number;
  /** Things the user should know, logged once a logger exists. */
  warnings: string[];
}

type Json = Record<string, any>;

/** Accepted, but the connector does their job by design: a warning when not at the default. */
const INERT: Readonly<Record<string, string>> = {
  queue_size: 'changes stream with back-pressure; there is no queue to size',
  initial_load_timeout_hours: 'the initial snapshot is resumable and has no time limit',
};

export const DEFAULT_CONNECT_TIMEOUT = 10;
const APPLICATION_NAME = 'source-postgres-ts';

function fail(message: string): never {
  throw new InputError('CONFIG_INVALID', `config: ${message}`);
}

/** Keys of newer source-postgres versions, outside the spec: honoured or refused by name. */
function takeExtras(config: Json, warnings: string[]): { checkPrivileges: boolean; maxConnections: number } {
  const extras = { checkPrivileges: true, maxConnections: 4 };
  if (config.entra_service_principal_auth === true || config.entra_tenant_id || config.entra_client_id) {
    fail('/entra_service_principal_auth: Microsoft Entra ID authentication is not supported; use a password');
  }
  if ('check_privileges' in config) {
    if (typeof config.check_privileges !== 'boolean') fail('/check_privileges must be true or false');
    extras.checkPrivileges = config.check_privileges;
  }
  if ('max_db_connections' in config) {
    const n = config.max_db_connections;
    if (!Number.isInteger(n) || n < 1) fail('/max_db_connections must be an integer >= 1');
    extras.maxConnections = Math.min(4, n);
  }
  if ('checkpoint_target_interval_seconds' in config) {
    warnings.push('config: checkpoint_target_interval_seconds has no effect: a STATE is written every 10000 records, at least every 2 s while tables finish, and at the end');
  }
  for (const key of ['entra_service_principal_auth', 'entra_tenant_id', 'entra_client_id', 'check_privileges', 'max_db_connections', 'checkpoint_target_interval_seconds']) {
    delete config[key];
  }
  return extras;
}

/** An encrypted PEM client key is decrypted with client_key_password; a plain one needs none. */
function clientKey(ssl: Json): string | undefined {
  const key = ssl.client_key as string | undefined;
  if (!key || !/ENCRYPTED/.test(key)) return key;
  if (!ssl.client_key_password) fail('/ssl_mode/client_key is encrypted: give client_key_password');
  try {
    return createPrivateKey({ key, format: 'pem', passphrase: ssl.client_key_password }).export({ type: 'pkcs8', format: 'pem' }).toString();
  } catch {
    return fail('/ssl_mode/client_key cannot be decrypted with client_key_password (wrong password, or not a PEM key)');
  }
}

function cdcSettings(method: Json, spec: ConnectorSpecification, warnings: string[]): Record<string, unknown> {
  const branch = oneOfBranches(spec).get('replication_method')?.branches.get('CDC') as Json;
  for (const [key, why] of Object.entries(INERT)) {
    if (method[key] !== branch.properties[key].default) warnings.push(`config: replication_method.${key} has no effect: ${why}`);
  }
  return {
    replication_slot_name: method.replication_slot,
    publication_name: method.publication,
    logical_idle_exit_seconds: method.initial_waiting_seconds,
  };
}

function tapSettings(config: Json, spec: ConnectorSpecification, warnings: string[]): Record<string, unknown> {
  const ssl = (config.ssl_mode ?? {}) as Json;
  const params = jdbcParams(config.jdbc_url_params);
  if (params.sslmode !== undefined && config.ssl_mode && params.sslmode !== ssl.mode) {
    fail(`/jdbc_url_params sets sslmode=${params.sslmode}, /ssl_mode says ${ssl.mode}: keep one`);
  }
  const tap: Record<string, unknown> = {
    host: config.host,
    port: config.port,
    user: config.username,
    dbname: config.database,
    application_name: APPLICATION_NAME,
    connect_timeout: DEFAULT_CONNECT_TIMEOUT,
    ...params,
  };
  if (config.password !== undefined) tap.password = config.password;
  if ((config.schemas as string[]).length > 0) tap.filter_schemas = config.schemas;
  if (config.ssl_mode) {
    tap.sslmode = ssl.mode;
    if (ssl.ca_certificate) tap.sslrootcert = ssl.ca_certificate;
    if (ssl.client_certificate) tap.sslcert = ssl.client_certificate;
    const key = clientKey(ssl);
    if (key) tap.sslkey = key;
  }
  if (config.replication_method?.method === 'CDC') Object.assign(tap, cdcSettings(config.replication_method, spec, warnings));
  const ssh = sshTunnelFromAirbyte(config.tunnel_method);
  if (ssh) tap.ssh_tunnel = ssh;
  return tap;
}

/** Validates and maps the config; throws InputError naming every problem. */
export function adaptConfig(raw: unknown, spec: ConnectorSpecification = loadSpec()): AirbyteSettings {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail('must be a JSON object');
  const config = structuredClone(raw) as Json;
  const warnings: string[] = [];
  if (typeof config.ssl_mode?.mode === 'string') config.ssl_mode.mode = config.ssl_mode.mode.replace('_', '-');
  if (config.replication_method?.method === 'Xmin') {
    fail('/replication_method: Xmin is not supported; use Standard (a cursor column) or CDC');
  }
  const extras = takeExtras(config, warnings);
  const unknown = unknownKeys(config, spec);
  if (unknown.length > 0) fail(`${unknown.join(', ')}: not a setting of this connector (see its spec)`);
  const validate = compileConfigValidator(spec);
  if (!validate(config)) fail(configProblems(validate.errors ?? [], spec).join('; '));
  const { config: tap } = loadConfigWithWarnings([tapSettings(config, spec, warnings)], {});
  const method = config.replication_method as Json | undefined;
  return {
    tap,
    cdc: method?.method === 'CDC',
    invalidCursor: method?.invalid_cdc_cursor_position_behavior === 'Re-sync data' ? 'resync' : 'fail',
    ...extras,
    warnings,
  };
}
