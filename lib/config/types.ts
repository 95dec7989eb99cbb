/** The validated, normalised configuration every other module reads. Built by `loadConfig`. */
export type SslMode = 'disable' | 'allow' | 'prefer' | 'require' | 'verify-ca' | 'verify-full';
export type ReplicationMethod = 'FULL_TABLE' | 'INCREMENTAL' | 'LOG_BASED';

/** An enabled SSH tunnel (see schemas/config.schema.json, ssh_tunnel). */
export interface SshTunnelConfig {
  host: string;
  port: number;
  username: string;
  /** Inline key text or a file path. */
  private_key?: string;
  private_key_password?: string;
  password?: string;
  /** Public key(s) or SHA256 fingerprint(s) the bastion must present, one a line. */
  host_key?: string;
}

/** BATCH messages instead of RECORD messages (see schemas/config.schema.json, batch_config). */
export interface BatchConfig {
  format: 'jsonl';
  compression: 'gzip' | 'none';
  /** The configured `file://` URL, and the absolute folder it names. */
  root: string;
  folder: string;
  prefix: string;
  /** Records per file. */
  batch_size: number;
}

export interface TapConfig {
  host: string;
  port: number;
  user: string;
  password?: string;
  /** The database connected to (the first one when the config names several). */
  dbname: string;
  /** `dbname` as a comma-separated list of several databases: each is discovered. */
  databases?: string[];
  /** Discover the databases of this list that exist (not templates, not rdsadmin), as singer-io. */
  filter_dbs?: string[];
  /** Only these schemas are discovered; undefined = every schema the user can use. */
  filter_schemas?: string[];
  sslmode: SslMode;
  /** A file path or inline PEM text. */
  sslrootcert?: string;
  sslcert?: string;
  sslkey?: string;
  application_name: string;
  /** Seconds. */
  connect_timeout: number;
  /** Set only when the tunnel is enabled. */
  ssh_tunnel?: SshTunnelConfig;
  /** Set only when use_secondary is true: discovery, FULL_TABLE and INCREMENTAL read there. */
  secondary?: { host: string; port: number };
  default_replication_method?: ReplicationMethod;
  /** json/jsonb as parsed JSON values instead of JSON text strings. */
  json_as_object: boolean;
  /** Columns added to a selected table since discovery: sent (include) or left out (ignore). */
  new_columns: 'include' | 'ignore';
  /** A STATE message once this many records went out since the last one (and at the end of the run). */
  state_interval: number;
  /** Session timeouts in milliseconds (0 = none), sent as start-up parameters. */
  statement_timeout: number;
  lock_timeout: number;
  idle_in_transaction_session_timeout: number;
  /** Retries of a stream after a transient failure, and the first wait (seconds, doubling). */
  max_retries: number;
  retry_backoff_seconds: number;
  /** FULL_TABLE: connections reading one table's page ranges on one snapshot (1 = one connection). */
  max_parallel_slices: number;
  /** FULL_TABLE: tables with fewer heap pages are read by one connection. */
  slice_min_pages: number;
  replication_slot_name: string;
  publication_name: string;
  logical_idle_exit_seconds: number;
  logical_max_run_seconds: number;
  /** Seconds between progress reports (record_count metrics) on stderr. */
  progress_interval_seconds: number;
  log_level: 'debug' | 'info' | 'warn' | 'error';
  log_format: 'text' | 'json';
  /** Set only when batch_config has a setting: records go to batch files. */
  batch_config?: BatchConfig;
  /** libpq's options: command-line options for the server, sent at start-up. */
  options?: string;
  /** Per tap_stream_id: SQL conditions ANDed into its FULL_TABLE / INCREMENTAL query (the user's own SQL). */
  stream_options?: Record<string, { custom_where_clauses: string[] }>;
  /** LIMIT of every FULL_TABLE and INCREMENTAL query. */
  max_record_count?: number;
  /** LIMIT of every INCREMENTAL query. */
  limit?: number;
  /** Replication key of INCREMENTAL streams whose catalog names none. */
  default_replication_key?: string;
  /** Stream names `<schema>_<table>` in the messages. */
  include_schemas_in_destination_stream_name?: boolean;
  /** date/timestamp/timestamptz columns as the server's text, typed string. */
  dates_as_string?: boolean;
  /** false: no ACTIVATE_VERSION messages. */
  emit_activate_version_messages?: boolean;
  /** The Singer SDK's inline stream maps and their config (lib/maps/stream-maps.ts); checked when loaded. */
  stream_maps?: Record<string, unknown>;
  stream_map_config?: Record<string, unknown>;
}
