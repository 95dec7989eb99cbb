/**
 * The settings of the Python taps this one replaces (singer-io, pipelinewise and MeltanoLabs
 * tap-postgres), read from a merged raw config before validation. Each has one answer, listed in
 * docs/COMPATIBILITY.md:
 * - an alias: its value moves onto this tap's key of the same meaning (unless that key is set
 *   too: the tap's own key wins, with a note);
 * - accepted with a note, when it changes nothing this tap reads or sends;
 * - refused (exit 2, one line naming the key and what to use instead), when honouring it is not
 *   possible and ignoring it would change the data.
 * The Python taps' string booleans ("true") count as booleans here.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../errors';
import { connectionUrlKeys } from './connection-url';
import type { ValueSources } from './validate';

type Raw = Record<string, unknown>;

export interface VariantOutcome {
  /** Things the user should know: aliases overridden, keys that change nothing here. */
  notes: string[];
  /** Key -> the variant key its value came from, for validation messages. */
  sources: ValueSources;
}

function refuse(key: string, instead: string): never {
  throw new InputError('CONFIG_INVALID', `config: ${key} ${instead}`);
}

/** true/false, also as the Python taps write them ("true", "false", 1, 0). */
export function flag(key: string, value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  const text = String(value).trim().toLowerCase();
  if (text === 'true' || text === '1') return true;
  if (text === 'false' || text === '0' || text === '') return false;
  return refuse(key, `must be true or false (got ${JSON.stringify(value)})`);
}

function take(raw: Raw, key: string): unknown {
  const value = raw[key];
  delete raw[key];
  return value;
}

/** Sets `target` from the variant key `from`, unless the config sets `target` itself. */
function assign(raw: Raw, out: VariantOutcome, from: string, target: string, value: unknown): void {
  if (raw[target] !== undefined) {
    if (String(raw[target]) !== String(value)) out.notes.push(`config: ${from} ignored: ${target} is set`);
    return;
  }
  raw[target] = value;
  out.sources[target] = from;
}

/** A file path as the Python taps' defaults write it (`~/.postgresql/...`), with the home folder. */
function homePath(value: unknown): unknown {
  return typeof value === 'string' && value.startsWith('~/') ? join(homedir(), value.slice(2)) : value;
}

/** Variant keys whose values are secrets (redacted like this tap's own). */
export const VARIANT_SECRET_KEYS: readonly string[] = ['ssl_client_private_key'];

/** Plain renames: the variant key means exactly what this tap's key means. */
const ALIASES: ReadonlyArray<[string, string]> = [
  ['max_run_seconds', 'logical_max_run_seconds'],
  ['replication_max_run_seconds', 'logical_max_run_seconds'],
  ['replication_idle_exit_seconds', 'logical_idle_exit_seconds'],
];

/** Keys that change nothing this tap reads or sends, with why. */
const NO_EFFECT: Readonly<Record<string, string>> = {
  itersize: 'has no effect: rows stream with COPY, without a cursor fetch size',
  wal2json_message_format: 'has no effect: LOG_BASED reads changes with pgoutput; records and _sdc_deleted_at are the same for both formats',
  ssl_storage_directory: 'has no effect: inline certificates and keys are used from memory, never written to disk',
  break_at_end_lsn:
    'has no effect: LOG_BASED reads at least up to the WAL end captured at start, then stops after logical_idle_exit_seconds without a change (or logical_max_run_seconds)',
  faker_config: 'has no effect: stream map expressions have no fake() here',
  flattening_max_depth: 'has no effect: records are not flattened',
  flattening_max_key_length: 'has no effect: records are not flattened',
  flattening_separator: 'has no effect: records are not flattened',
};

/** MeltanoLabs' TLS settings onto sslmode/sslrootcert/sslcert/sslkey. */
function meltanoSsl(raw: Raw, out: VariantOutcome): void {
  const keys = ['ssl_enable', 'ssl_mode', 'ssl_certificate_authority', 'ssl_client_certificate_enable', 'ssl_client_certificate', 'ssl_client_private_key'];
  if (!keys.some((key) => key in raw)) return;
  const values = Object.fromEntries(keys.map((key) => [key, take(raw, key)]));
  if (values.ssl_enable !== undefined && flag('ssl_enable', values.ssl_enable)) {
    const mode = values.ssl_mode ?? 'verify-full';
    assign(raw, out, 'ssl_mode', 'sslmode', mode);
    // As MeltanoLabs: the CA is used to verify the server, in the verifying modes.
    if (values.ssl_certificate_authority !== undefined && (mode === 'verify-ca' || mode === 'verify-full')) {
      assign(raw, out, 'ssl_certificate_authority', 'sslrootcert', homePath(values.ssl_certificate_authority));
    }
  }
  if (values.ssl_client_certificate_enable !== undefined && flag('ssl_client_certificate_enable', values.ssl_client_certificate_enable)) {
    if (values.ssl_client_certificate === undefined || values.ssl_client_private_key === undefined) {
      refuse('ssl_client_certificate_enable', 'needs ssl_client_certificate and ssl_client_private_key (a file path or inline PEM each)');
    }
    assign(raw, out, 'ssl_client_certificate', 'sslcert', homePath(values.ssl_client_certificate));
    assign(raw, out, 'ssl_client_private_key', 'sslkey', homePath(values.ssl_client_private_key));
  }
}

/** singer-io's documented SSH settings onto the ssh_tunnel group. */
function singerSsh(raw: Raw, out: VariantOutcome): void {
  const names: Record<string, string> = {
    use_ssh_tunnel: 'enable',
    ssh_jump_server: 'host',
    ssh_jump_server_port: 'port',
    ssh_username: 'username',
    ssh_private_key_path: 'private_key',
  };
  if (!Object.keys(names).some((key) => key in raw)) return;
  const tunnel: Raw = raw.ssh_tunnel && typeof raw.ssh_tunnel === 'object' ? { ...(raw.ssh_tunnel as Raw) } : {};
  for (const [from, inner] of Object.entries(names)) {
    if (!(from in raw)) continue;
    const value = take(raw, from);
    if (tunnel[inner] !== undefined) {
      out.notes.push(`config: ${from} ignored: ssh_tunnel.${inner} is set`);
      continue;
    }
    tunnel[inner] = from === 'use_ssh_tunnel' ? flag(from, value) : homePath(value);
    out.sources[`ssh_tunnel.${inner}`] = from;
  }
  raw.ssh_tunnel = tunnel;
}

/** A connection URL: its parts win over host/port/user/... given separately (as MeltanoLabs). */
function connectionUrl(raw: Raw, out: VariantOutcome): void {
  const given = ['sqlalchemy_url', 'url'].filter((key) => raw[key] !== undefined);
  if (given.length > 1) refuse('sqlalchemy_url', 'and url are both set; give one');
  if (given.length === 0) return;
  const key = given[0];
  const parts = connectionUrlKeys(key, take(raw, key));
  for (const [target, value] of Object.entries(parts)) {
    if (raw[target] !== undefined && String(raw[target]) !== value) out.notes.push(`config: ${target} ignored: ${key} sets it`);
    raw[target] = value;
    out.sources[target] = key;
  }
}

/** Keys whose value decides: honoured for one value, refused for another. */
function byValue(raw: Raw, out: VariantOutcome): void {
  if ('debug_lsn' in raw && !flag('debug_lsn', take(raw, 'debug_lsn'))) {
    out.notes.push('config: debug_lsn false has no effect: LOG_BASED records always carry _sdc_lsn');
  }
  if ('log_based_single_connection' in raw && !flag('log_based_single_connection', take(raw, 'log_based_single_connection'))) {
    out.notes.push('config: log_based_single_connection false has no effect: LOG_BASED streams always share one replication connection');
  }
  if ('auto_bootstrap_log_based' in raw && !flag('auto_bootstrap_log_based', take(raw, 'auto_bootstrap_log_based'))) {
    refuse('auto_bootstrap_log_based', 'false is not supported: a LOG_BASED stream without a bookmark is always snapshotted first; remove the key');
  }
  if ('flattening_enabled' in raw) {
    if (flag('flattening_enabled', take(raw, 'flattening_enabled'))) {
      refuse('flattening_enabled', 'is not supported: objects (json, jsonb, hstore) are sent nested; flatten them in the target, or pick fields with stream_maps; remove the key');
    }
    out.notes.push('config: flattening_enabled false has no effect: records are never flattened');
  }
  if ('use_singer_decimal' in raw && flag('use_singer_decimal', take(raw, 'use_singer_decimal'))) {
    refuse('use_singer_decimal', 'is not supported: numeric values are sent as JSON numbers with every digit of the server\'s text; remove the key');
  }
  for (const key of ['include_schemas_in_destination_stream_name', 'emit_activate_version_messages', 'dates_as_string']) {
    if (typeof raw[key] === 'string') raw[key] = flag(key, raw[key]);
  }
}

/** Rewrites `raw` (a merged config) in place: variant keys become this tap's keys or notes. */
export function applyVariantKeys(raw: Raw): VariantOutcome {
  const out: VariantOutcome = { notes: [], sources: {} };
  connectionUrl(raw, out);
  meltanoSsl(raw, out);
  singerSsh(raw, out);
  for (const [from, target] of ALIASES) if (from in raw) assign(raw, out, from, target, take(raw, from));
  if ('logical_poll_total_seconds' in raw) {
    // 0 means the variant's own default: this tap's default applies.
    const seconds = take(raw, 'logical_poll_total_seconds');
    if (Number(seconds) !== 0) assign(raw, out, 'logical_poll_total_seconds', 'logical_idle_exit_seconds', seconds);
  }
  if ('tap_id' in raw) {
    // pipelinewise names one slot per tap with it; so does this tap.
    const id = String(take(raw, 'tap_id')).toLowerCase().replace(/[^a-z0-9_]/g, '_');
    assign(raw, out, 'tap_id', 'replication_slot_name', `tap_postgres_ts_${id}`.slice(0, 63));
  }
  byValue(raw, out);
  for (const [key, why] of Object.entries(NO_EFFECT)) {
    if (key in raw) {
      delete raw[key];
      out.notes.push(`config: ${key} ${why}`);
    }
  }
  return out;
}
