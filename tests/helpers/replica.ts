/**
 * A streaming replica (hot standby) of the harness cluster, started by the tests that need one
 * from the same server binaries. The base backup uses the server's low-level backup API: a
 * physical slot keeps the WAL from before the backup, `pg_backup_start` (fast checkpoint), the
 * data folder copied with Node's fs while the backup runs (files that vanish meanwhile are
 * skipped; WAL replay repairs torn copies), `pg_backup_stop`, whose backup_label (and
 * tablespace_map) go into the copy. The copy gets standby.signal, primary_conninfo and its own
 * port, and starts streaming from the slot. It needs the cluster's data folder on this machine
 * (the embedded and local servers, not docker or TAP_POSTGRES_TEST_URL).
 */
import { chownSync, copyFileSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type postgres from 'postgres';
import { freePort, serverBindir } from './cluster';
import { connectTo, testDb } from './db';
import { reachableBindir, run, serverOsUser } from './server-binaries';

export interface Replica {
  host: string;
  port: number;
  /** Its physical slot on the primary (dropped by stop()). */
  slot: string;
  /** An admin connection to `database` (the test database by default) on the standby. */
  connect(database?: string): postgres.Sql;
  /** Waits until the standby has replayed everything the primary has written so far. */
  catchUp(timeoutMs?: number): Promise<void>;
  /** Stops the standby, drops its slot on the primary and removes its files. */
  stop(): Promise<void>;
}

/** Folders whose contents a base backup leaves out (the folders themselves are kept). */
const EMPTIED = new Set(['pg_wal', 'pg_replslot', 'pg_dynshmem', 'pg_notify', 'pg_serial', 'pg_snapshots', 'pg_stat_tmp', 'pg_subtrans']);
/** Files a base backup leaves out. */
const SKIPPED = new Set(['postmaster.pid', 'postmaster.opts', 'backup_label.old', 'tablespace_map.old', 'current_logfiles', 'pg_internal.init', 'postgresql.auto.conf.tmp']);

function isGone(error: unknown): boolean {
  return (error as NodeJS.ErrnoException).code === 'ENOENT';
}

/** Copies a live data folder, skipping what a base backup skips and what vanishes meanwhile. */
function copyDataDir(from: string, to: string, top = true): void {
  mkdirSync(to, { mode: 0o700 });
  let names: string[];
  try {
    names = readdirSync(from);
  } catch (error) {
    if (isGone(error)) return;
    throw error;
  }
  for (const name of names) {
    if (SKIPPED.has(name) || name.startsWith('pgsql_tmp')) continue;
    const source = join(from, name);
    const target = join(to, name);
    try {
      const stat = lstatSync(source);
      if (stat.isSymbolicLink()) throw new Error(`${source}: tablespaces are not supported by the test replica`);
      if (stat.isDirectory()) {
        if (top && EMPTIED.has(name)) mkdirSync(target, { mode: 0o700 });
        else copyDataDir(source, target, false);
      } else {
        copyFileSync(source, target);
      }
    } catch (error) {
      if (!isGone(error)) throw error;
    }
  }
}

/** The primary's admin connection settings (the harness's superuser). */
function primary(): { host: string; port: number; user: string; password: string } {
  const db = testDb();
  return { host: db.host, port: db.port, user: db.user, password: db.password };
}

async function lsnReached(standby: postgres.Sql, lsn: string): Promise<boolean> {
  const [row] = await standby`SELECT coalesce(pg_last_wal_replay_lsn() >= ${lsn}::pg_lsn, false) AS reached`;
  return row.reached === true;
}

/** Drops the standby's slot once its WAL sender has gone (it lingers a moment after the standby stops). */
async function dropSlot(admin: postgres.Sql, slot: string): Promise<void> {
  for (let i = 0; i < 50; i += 1) {
    const [row] = await admin`SELECT active FROM pg_replication_slots WHERE slot_name = ${slot}`;
    if (!row) return;
    if (!row.active) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await admin`SELECT pg_drop_replication_slot(${slot})`;
}

/**
 * Starts a hot standby of the harness cluster; `settings` are extra postgresql.conf lines for it
 * (e.g. `max_standby_streaming_delay = 0`).
 */
export async function startReplica(settings: string[] = []): Promise<Replica> {
  const source = primary();
  const admin = connectTo(source, 'postgres');
  const asUser = serverOsUser();
  const bindir = reachableBindir(serverBindir(), asUser);
  const slot = `tap_test_standby_${process.pid}_${Date.now() % 1e6}`;
  const root = mkdtempSync(join(tmpdir(), 'tap-postgres-ts-standby-'));
  const dataDir = join(root, 'data');
  const logFile = join(root, 'server.log');
  const port = await freePort();
  let started = false;
  // A test process that ends without stop() (a crash, a timeout) still stops its standby.
  const halt = (): void => {
    try {
      if (started) run(join(bindir, 'pg_ctl'), ['-D', dataDir, '-m', 'fast', '-w', 'stop'], asUser);
    } finally {
      started = false;
      rmSync(root, { recursive: true, force: true });
    }
  };
  process.once('exit', halt);
  const stop = async (): Promise<void> => {
    process.off('exit', halt);
    try {
      halt();
    } finally {
      await dropSlot(admin, slot).catch(() => undefined);
      await admin.end();
    }
  };
  try {
    const [{ dir, version }] = await admin`SELECT current_setting('data_directory') AS dir, current_setting('server_version_num')::int AS version`;
    if (!existsSync(join(dir, 'PG_VERSION'))) throw new Error(`the test replica needs the cluster's data folder on this machine; ${dir} is not here (docker or TAP_POSTGRES_TEST_URL server)`);
    await admin`SELECT pg_create_physical_replication_slot(${slot}, true)`;
    // One session for start and stop (postgres.js max 1 keeps it).
    if (version >= 150000) await admin`SELECT pg_backup_start('tap test standby', true)`;
    else await admin`SELECT pg_start_backup('tap test standby', true, false)`;
    copyDataDir(dir, dataDir);
    const [stopped] = version >= 150000 ? await admin`SELECT labelfile, spcmapfile FROM pg_backup_stop(false)` : await admin`SELECT labelfile, spcmapfile FROM pg_stop_backup(false, false)`;
    writeFileSync(join(dataDir, 'backup_label'), String(stopped.labelfile));
    if (stopped.spcmapfile) writeFileSync(join(dataDir, 'tablespace_map'), String(stopped.spcmapfile));
    mkdirSync(join(dataDir, 'pg_wal', 'archive_status'), { recursive: true });
    writeFileSync(join(dataDir, 'standby.signal'), '');
    const conninfo = `host=${source.host} port=${source.port} user=${source.user} application_name=tap_test_standby`;
    const auto = readFileSync(join(dataDir, 'postgresql.auto.conf'), 'utf8');
    writeFileSync(join(dataDir, 'postgresql.auto.conf'), [
      auto.trimEnd(),
      `port = ${port}`,
      `unix_socket_directories = '${root}'`,
      'hot_standby = on',
      `primary_conninfo = '${conninfo}'`,
      `primary_slot_name = '${slot}'`,
      ...settings,
      '',
    ].join('\n'));
    if (asUser) {
      chownSync(root, Number(run('id', ['-u', asUser]).trim()), Number(run('id', ['-g', asUser]).trim()));
      run('chown', ['-R', asUser, dataDir]);
    }
    run(join(bindir, 'pg_ctl'), ['-D', dataDir, '-l', logFile, '-w', '-t', '60', 'start'], asUser);
    started = true;
  } catch (error) {
    const log = existsSync(logFile) ? readFileSync(logFile, 'utf8').trim().split('\n').slice(-10).join('\n') : '';
    await stop().catch(() => undefined);
    throw new Error(`the test replica did not start: ${(error as Error).message}\n${log}`);
  }
  const replica: Replica = {
    host: '127.0.0.1',
    port,
    slot,
    connect: (database = testDb().dbname) => connectTo({ ...source, host: '127.0.0.1', port }, database),
    async catchUp(timeoutMs = 30_000) {
      // The harness commits asynchronously and an idle WAL writer flushes late: one synchronous
      // commit flushes the WAL written so far, which is all the standby can receive.
      await admin.begin(async (tx) => {
        await tx`SET LOCAL synchronous_commit = on`;
        await tx`SELECT txid_current()`;
      });
      const [{ lsn }] = await admin`SELECT pg_current_wal_flush_lsn()::text AS lsn`;
      const standby = replica.connect('postgres');
      try {
        const deadline = Date.now() + timeoutMs;
        while (!(await lsnReached(standby, String(lsn)))) {
          if (Date.now() > deadline) throw new Error(`the test replica did not replay up to ${lsn} in ${timeoutMs} ms`);
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      } finally {
        await standby.end();
      }
    },
    stop,
  };
  await replica.catchUp();
  return replica;
}
