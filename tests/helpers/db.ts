/** The test database published by global-setup, as tap config and as an admin connection. */
import postgres from 'postgres';

export interface TestDb {
  host: string;
  port: number;
  user: string;
  password: string;
  dbname: string;
  /** The cluster's self-signed certificate (valid for host name `localhost` only); '' if unknown. */
  certFile: string;
}

export function testDb(): TestDb {
  const env = process.env;
  if (!env.TAP_TEST_PORT) throw new Error('TAP_TEST_* not set: run the tests with `npm test` (jest global set-up)');
  return {
    host: env.TAP_TEST_HOST ?? '127.0.0.1',
    port: Number(env.TAP_TEST_PORT),
    user: env.TAP_TEST_USER ?? 'postgres',
    password: env.TAP_TEST_PASSWORD ?? '',
    dbname: env.TAP_TEST_DB ?? 'tap_test',
    certFile: env.TAP_TEST_CERT ?? '',
  };
}

/** Tap config (as written to a config file) for the test database, with overrides. */
export function testConfig(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const db = testDb();
  const config: Record<string, unknown> = { host: db.host, port: db.port, user: db.user, dbname: db.dbname, sslmode: 'disable' };
  if (db.password) config.password = db.password;
  return { ...config, ...overrides };
}

/** An admin (superuser) connection to the test database; call `.end()` when done. */
export function adminSql(dbname?: string): postgres.Sql {
  const db = testDb();
  return postgres({
    host: db.host,
    port: db.port,
    user: db.user,
    password: db.password || undefined,
    database: dbname ?? db.dbname,
    onnotice: () => undefined,
    max: 2,
  });
}

/** The test server's server_version_num (e.g. 150020), published by the global set-up. */
export function serverVersionNum(): number {
  return Number(process.env.TAP_TEST_SERVER_VERSION_NUM ?? 0);
}

/** One plain (no TLS) connection to `database` of a server; the harness and the bench use it. */
export function connectTo(server: { host: string; port: number; user: string; password: string }, database: string): postgres.Sql {
  return postgres({
    host: server.host,
    port: server.port,
    user: server.user,
    password: server.password || undefined,
    database,
    ssl: false,
    onnotice: () => undefined,
    max: 1,
  });
}

/**
 * Waits until every transaction of the cluster that began before now has ended, so that a
 * snapshot taken next has its horizon (xmin) past all of them. xids are cluster-wide: a
 * transaction another test file keeps open would otherwise hold a tap run's `snapshot_xmin`
 * back and make rows it should count as older look newer.
 */
export async function waitForHorizon(sql: postgres.Sql, timeoutMs = 60_000): Promise<void> {
  const [{ xid }] = await sql`SELECT txid_current()::text AS xid`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [{ xmin }] = await sql`SELECT txid_snapshot_xmin(txid_current_snapshot())::text AS xmin`;
    if (BigInt(xmin) > BigInt(xid)) return;
    if (Date.now() > deadline) throw new Error(`a transaction older than xid ${xid} still runs after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
