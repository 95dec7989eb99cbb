/**
 * Builds the one normalised TapConfig from the config files (merged in order, later wins), the
 * PG* environment and libpq's defaults — validated against schemas/config.schema.json before
 * anything connects.
 */
import { availableParallelism } from 'node:os';
import { InputError } from '../errors';
import { batchConfig } from './batch-config';
import { getPath, isPlainObject, nestDottedKeys, setPath } from './dotted';
import { LIBPQ_DEFAULTS, defaultHost, defaultUser, envValues } from './env-defaults';
import { isInlinePem, PEM_KEYS, pemProblem } from './pem';
import { rowFilters } from './row-filters';
import { loadConfigSchema, type ConfigSchema } from './schema';
import { sshTunnelConfig } from './ssh-tunnel-config';
import type { ReplicationMethod, SslMode, TapConfig } from './types';
import { validateConfig, type ValueSources } from './validate';
import { applyVariantKeys } from './variant-keys';

export interface LoadedConfig {
  config: TapConfig;
  /** Things the user should know (unknown keys, variant keys noted), to be logged once a logger exists. */
  warnings: string[];
}

/** Settings grouped in an object (ssh_tunnel). */
/** max_parallel_slices when unset: the CPU cores, at most 4. */
function defaultSlices(): number {
  return Math.min(4, availableParallelism());
}

function groupsOf(schema: ConfigSchema): Set<string> {
  return new Set(Object.keys(schema.properties).filter((key) => schema.properties[key].properties));
}

/**
 * One file's keys: `database` becomes `dbname` (unless the file has both), nulls mean unset,
 * Meltano's flat `ssh_tunnel.host` goes into the ssh_tunnel group.
 */
function normaliseFile(value: unknown, index: number, groups: Set<string>): Record<string, unknown> {
  if (!isPlainObject(value)) {
    throw new InputError('CONFIG_INVALID', `config: config file ${index + 1} must hold a JSON object`);
  }
  const out = nestDottedKeys(value, groups);
  if ('database' in out) {
    if (!('dbname' in out)) out.dbname = out.database;
    delete out.database;
  }
  return out;
}

function splitSchemas(value: unknown): string[] | undefined {
  const names = (Array.isArray(value) ? (value as string[]) : String(value ?? '').split(','))
    .map((name) => name.trim())
    .filter((name) => name !== '');
  return names.length > 0 ? names : undefined;
}

function withEnvironment(
  merged: Record<string, unknown>,
  schema: ConfigSchema,
  env: NodeJS.ProcessEnv,
): { combined: Record<string, unknown>; sources: ValueSources } {
  const combined = { ...merged };
  const sources: ValueSources = {};
  const fromEnv = envValues(schema, env);
  for (const [key, value] of Object.entries(fromEnv.values)) {
    const group = key.includes('.') ? combined[key.split('.')[0]] : undefined;
    if (getPath(combined, key) !== undefined || (group !== undefined && !isPlainObject(group))) continue;
    setPath(combined, key, value);
    sources[key] = fromEnv.sources[key];
  }
  return { combined, sources };
}

/** Removes keys the schema does not know, at the top and inside groups; one warning each. */
function dropUnknownKeys(merged: Record<string, unknown>, schema: ConfigSchema, groups: Set<string>): string[] {
  const warnings: string[] = [];
  for (const key of Object.keys(merged)) {
    if (!(key in schema.properties)) {
      warnings.push(`config: unknown key "${key}" ignored`);
      delete merged[key];
    } else if (groups.has(key) && isPlainObject(merged[key])) {
      const known = schema.properties[key].properties ?? {};
      const group = { ...(merged[key] as Record<string, unknown>) };
      for (const inner of Object.keys(group).filter((name) => !(name in known))) {
        warnings.push(`config: unknown key "${key}.${inner}" ignored`);
        delete group[inner];
      }
      merged[key] = group;
    }
  }
  return warnings;
}

/** use_secondary: the replica's host (required) and port (default: the primary's). */
function secondaryConfig(valid: Record<string, unknown>, port: number): TapConfig['secondary'] {
  if (valid.use_secondary !== true) return undefined;
  if (valid.secondary_host === undefined) throw new InputError('CONFIG_INVALID', 'config: /use_secondary is true but /secondary_host is not set');
  return { host: valid.secondary_host as string, port: (valid.secondary_port as number | undefined) ?? port };
}

/** Inline certificates and keys must be PEM that parses (files are checked when read). */
function checkInlinePem(valid: Record<string, unknown>): void {
  const problems = PEM_KEYS.flatMap((key) => {
    const value = valid[key];
    const problem = typeof value === 'string' && isInlinePem(value) ? pemProblem(key, value) : undefined;
    return problem ? [`/${key} ${problem}`] : [];
  });
  if (problems.length > 0) throw new InputError('CONFIG_INVALID', `config: ${problems.join('; ')}`);
}

export function loadConfigWithWarnings(
  configObjects: unknown[],
  env: NodeJS.ProcessEnv,
  schema: ConfigSchema = loadConfigSchema(),
): LoadedConfig {
  const groups = groupsOf(schema);
  const merged: Record<string, unknown> = Object.assign({}, ...configObjects.map((value, index) => normaliseFile(value, index, groups)));
  const variant = applyVariantKeys(merged);
  const warnings = [...dropUnknownKeys(merged, schema, groups), ...variant.notes];
  // The Python taps' `ssl: "true"` means sslmode require, and wins over PGSSLMODE.
  if (merged.sslmode === undefined && (merged.ssl === true || merged.ssl === 'true')) merged.sslmode = 'require';
  const { combined, sources } = withEnvironment(merged, schema, env);
  const valid = validateConfig(combined, schema, { ...variant.sources, ...sources });
  checkInlinePem(valid);

  const port = (valid.port as number | undefined) ?? LIBPQ_DEFAULTS.port;
  const user = (valid.user as string | undefined) ?? defaultUser();
  const config: TapConfig = {
    host: (valid.host as string | undefined) ?? defaultHost(port),
    port,
    user,
    dbname: (splitSchemas(valid.dbname) ?? [user])[0],
    sslmode: (valid.sslmode as SslMode | undefined) ?? LIBPQ_DEFAULTS.sslmode,
    application_name: (valid.application_name as string | undefined) ?? LIBPQ_DEFAULTS.application_name,
    connect_timeout: (valid.connect_timeout as number | undefined) ?? LIBPQ_DEFAULTS.connect_timeout,
    json_as_object: valid.json_as_object as boolean,
    new_columns: valid.new_columns as 'include' | 'ignore',
    state_interval: valid.state_interval as number,
    statement_timeout: valid.statement_timeout as number,
    lock_timeout: valid.lock_timeout as number,
    idle_in_transaction_session_timeout: valid.idle_in_transaction_session_timeout as number,
    max_retries: valid.max_retries as number,
    retry_backoff_seconds: valid.retry_backoff_seconds as number,
    max_parallel_slices: (valid.max_parallel_slices as number | undefined) ?? defaultSlices(),
    slice_min_pages: valid.slice_min_pages as number,
    replication_slot_name: valid.replication_slot_name as string,
    publication_name: valid.publication_name as string,
    logical_idle_exit_seconds: valid.logical_idle_exit_seconds as number,
    logical_max_run_seconds: valid.logical_max_run_seconds as number,
    progress_interval_seconds: valid.progress_interval_seconds as number,
    log_level: valid.log_level as TapConfig['log_level'],
    log_format: valid.log_format as TapConfig['log_format'],
  };
  const optional: Array<keyof TapConfig> = [
    'password',
    'sslrootcert',
    'sslcert',
    'sslkey',
    'options',
    'max_record_count',
    'limit',
    'default_replication_key',
    'include_schemas_in_destination_stream_name',
    'emit_activate_version_messages',
    'dates_as_string',
  ];
  for (const key of optional) if (valid[key] !== undefined) Object.assign(config, { [key]: valid[key] });
  const tunnel = sshTunnelConfig(valid.ssh_tunnel);
  if (tunnel) config.ssh_tunnel = tunnel;
  const batch = batchConfig(valid.batch_config);
  if (batch) config.batch_config = batch;
  const secondary = secondaryConfig(valid, port);
  if (secondary) config.secondary = secondary;
  const filter = splitSchemas(valid.filter_schemas);
  if (filter) config.filter_schemas = filter;
  const streamOptions = rowFilters(valid.stream_options);
  if (streamOptions) config.stream_options = streamOptions;
  // Several databases: `dbname` as a comma-separated list (the first is connected to first), or filter_dbs.
  const databases = splitSchemas(valid.dbname);
  if (databases && databases.length > 1) config.databases = databases;
  const filterDbs = splitSchemas(valid.filter_dbs);
  if (filterDbs) config.filter_dbs = filterDbs;
  if (valid.stream_maps !== undefined) {
    // Compiled (and a bad map refused) by lib/maps/stream-maps.ts, which only such runs load.
    config.stream_maps = valid.stream_maps as Record<string, unknown>;
    if (valid.stream_map_config !== undefined) config.stream_map_config = valid.stream_map_config as Record<string, unknown>;
  }
  if (valid.default_replication_method !== undefined) {
    config.default_replication_method = valid.default_replication_method as ReplicationMethod;
  }
  return { config, warnings };
}

/** The normalised config; unknown keys are dropped silently (use loadConfigWithWarnings to log them). */
export function loadConfig(configObjects: unknown[], env: NodeJS.ProcessEnv): TapConfig {
  return loadConfigWithWarnings(configObjects, env).config;
}
