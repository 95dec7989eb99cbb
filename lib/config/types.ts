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

export interface TapConfig {
  host: string;
  port: number;
  user: string;
  password?: string;
  dbname: string;
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
  default_replication_method?: ReplicationMethod;
  /** json/jsonb as parsed JSON values instead of JSON text strings. */
  json_as_object: boolean;
  /** Columns added to a selected table since discovery: sent (include) or left out (ignore). */
  new_columns: 'include' | 'ignore';
  /** A STATE message every this many records (and at the end of each stream). */
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
}
