/**
 * Discovery, FULL_TABLE and LOG_BASED through a real SSH bastion (tests/helpers/sshd.ts) give the
 * same messages as a direct connection, every PostgreSQL session of the run (the replication one
 * included) is a client of the bastion, and a bastion killed mid-sync fails the run at once with
 * a STATE that resumes it.
 */
import { discover, select } from '../helpers/catalog';
import { logicalFixture, type LogicalFixture } from '../helpers/logical';
import { byType, expectValidSingerLines, lastState } from '../helpers/messages';
import { onFirstOutput } from '../helpers/kill';
import { runTap, type TapRun } from '../helpers/run-tap';
import { startBastion, type Bastion } from '../helpers/sshd';

let bastion: Bastion;
let f: LogicalFixture;
let direct: Record<string, unknown>;
let tunnelled: Record<string, unknown>;
const ROWS = 5_000;

function throughBastion(config: Record<string, unknown>, b: Bastion): Record<string, unknown> {
  return {
    ...config,
    ssh_tunnel: { enable: true, host: b.host, port: b.port, username: b.user, private_key: b.keys.user.ed25519.path, host_key: b.hostKeys.join('\n') },
  };
}

/** The run's messages as a target keeps them: time_extracted and table versions left out. */
function comparable(run: TapRun): unknown[] {
  return run.messages
    .filter((m) => m.type === 'SCHEMA' || m.type === 'RECORD')
    .map(({ time_extracted: _t, version: _v, ...rest }) => rest);
}

/** While the tap runs, the client ports of its backends (by application_name) and the bastion's ports. */
interface BackendWatch {
  /** Resolves once a backend of the application was seen (or after `ms`). */
  seen(ms: number): Promise<void>;
  stop(): Promise<{ backends: Map<string, number>; bastionPorts: Set<number> }>;
}

function watchBackends(appName: string, b: Bastion): BackendWatch {
  const backends = new Map<string, number>();
  const bastionPorts = new Set<number>();
  let running = true;
  const loop = (async () => {
    while (running) {
      const rows = await f.sql<Array<{ pid: number; port: number; kind: string }>>`
        SELECT pid, client_port AS port, backend_type AS kind FROM pg_stat_activity WHERE application_name = ${appName} AND client_port IS NOT NULL`;
      for (const port of b.localPorts()) bastionPorts.add(port);
      for (const row of rows) backends.set(`${row.kind} ${row.pid}`, row.port);
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
  })();
  return {
    async seen(ms) {
      for (const until = Date.now() + ms; backends.size === 0 && Date.now() < until; ) await new Promise((resolve) => setTimeout(resolve, 50));
    },
    async stop() {
      running = false;
      await loop;
      return { backends, bastionPorts };
    },
  };
}

beforeAll(async () => {
  [bastion, f] = await Promise.all([
    startBastion({ user: 'tap_ssh_sync' }),
    logicalFixture(
      'ssh',
      `CREATE TABLE S.items (id bigint PRIMARY KEY, name text, amount numeric(20,4), at timestamptz, tags text[], doc jsonb);
       INSERT INTO S.items SELECT g, 'item ' || g, g * 1.5, timestamptz '2024-01-01' + g * interval '1 second', ARRAY['a', g::text], jsonb_build_object('n', g)
         FROM generate_series(1, ${ROWS}) g;`,
      ['items'],
      { logical_idle_exit_seconds: 1, state_interval: 2000 },
    ),
  ]);
  direct = f.config;
  tunnelled = throughBastion(direct, bastion);
});

afterAll(async () => {
  await bastion?.stop();
  await f?.drop();
});

test('discovery through the tunnel gives the direct catalog', async () => {
  const [viaTunnel, viaDirect] = await Promise.all([discover(tunnelled), discover(direct)]);
  expect(viaTunnel.streams.length).toBeGreaterThan(0);
  expect(viaTunnel).toEqual(viaDirect);
});

test('FULL_TABLE through the tunnel: the same SCHEMA and RECORDs as direct, every backend a client of the bastion', async () => {
  const catalog = select(f.catalog, { [`${f.schema}-items`]: { 'replication-method': 'FULL_TABLE' } });
  const appName = 'tap-ssh-full-table';
  const watch = watchBackends(appName, bastion);
  // The table locked until the watcher has seen the tap's backend: a quick run is not missed.
  const lock = await f.sql.reserve();
  await lock`BEGIN`;
  await lock.unsafe(`LOCK TABLE ${f.schema}.items IN ACCESS EXCLUSIVE MODE`);
  const running = runTap([], { config: { ...tunnelled, application_name: appName }, catalog });
  await watch.seen(20_000);
  await lock`COMMIT`;
  lock.release();
  const viaTunnel = await running;
  const seen = await watch.stop();
  const viaDirect = await runTap([], { config: direct, catalog });
  expect(viaTunnel.stderr).not.toMatch(/ERROR|WARN/);
  expect(viaTunnel.code).toBe(0);
  expectValidSingerLines(viaTunnel.stdout);
  expect(byType(viaTunnel.messages, 'RECORD')).toHaveLength(ROWS);
  expect(comparable(viaTunnel)).toEqual(comparable(viaDirect));
  expect(seen.backends.size).toBeGreaterThan(0);
  for (const port of seen.backends.values()) expect(seen.bastionPorts).toContain(port);
});

test('LOG_BASED through the tunnel: snapshot and streamed changes as direct; the replication connection is a channel too', async () => {
  const catalog = select(f.catalog, { [`${f.schema}-items`]: { 'replication-method': 'LOG_BASED' } });
  const first = await runTap([], { config: tunnelled, catalog });
  expect(first.code).toBe(0);
  expect(byType(first.messages, 'RECORD')).toHaveLength(ROWS);
  const state = lastState(first.messages);
  await f.sql.unsafe(`
    INSERT INTO ${f.schema}.items VALUES (${ROWS + 1}, 'new', 1.25, '2024-06-01 12:00:00.123456+00', '{x,y}', '{"k": [1, 2]}');
    UPDATE ${f.schema}.items SET name = 'changed', doc = '{"n": null}' WHERE id = 2;
    DELETE FROM ${f.schema}.items WHERE id = 3;`);
  const appName = 'tap-ssh-log-based';
  const watch = watchBackends(appName, bastion);
  // Both runs start from the same state: the slot is confirmed only up to the state's LSN.
  const viaTunnel = await runTap([], { config: { ...tunnelled, application_name: appName, log_level: 'debug' }, catalog, state });
  const seen = await watch.stop();
  const viaDirect = await runTap([], { config: direct, catalog, state });
  // The one expected warning: the table has TOASTable columns without REPLICA IDENTITY FULL.
  expect(viaTunnel.stderr).toMatch(/WARN LOG_BASED: table\(s\) with TOASTable columns/);
  expect(viaTunnel.stderr.replace(/^.*WARN LOG_BASED: table\(s\) with TOASTable columns.*$/m, '')).not.toMatch(/ERROR|WARN/);
  expect(viaTunnel.code).toBe(0);
  const changes = byType(viaTunnel.messages, 'RECORD').map((m) => m.record.id);
  expect(changes).toEqual([ROWS + 1, 2, 3]);
  expect(comparable(viaTunnel)).toEqual(comparable(viaDirect));
  // The walsender may come and go between two looks at pg_stat_activity: the tap's debug log
  // says which of its connections were channels of the tunnel.
  expect(viaTunnel.stderr).toMatch(/DEBUG SSH channel open target=\S+ purpose=replication/);
  expect(seen.backends.size).toBeGreaterThan(0);
  for (const port of seen.backends.values()) expect(seen.bastionPorts).toContain(port);
});

test('the bastion killed mid-sync: exit 1 within 5 s, the stream\'s error line and the summary, and the last STATE resumes the sync', async () => {
  // Big enough that the COPY is still on its way when the bastion dies.
  await f.sql.unsafe(`CREATE TABLE ${f.schema}.bulky (id int PRIMARY KEY, pad text);
    INSERT INTO ${f.schema}.bulky SELECT g, repeat(md5(g::text), 8) FROM generate_series(1, 60000) g;`);
  const stream = `${f.schema}-bulky`;
  const catalog = select(await discover(direct), { [stream]: { 'replication-method': 'FULL_TABLE' } });
  const doomed = await startBastion({ user: 'tap_ssh_sync' });
  let killedAt = 0;
  const run = await runTap([], {
    config: throughBastion(direct, doomed),
    catalog,
    onSpawn: onFirstOutput((child) => {
      child.stdout?.pause();
      doomed.kill();
      killedAt = Date.now();
      setTimeout(() => child.stdout?.resume(), 100);
    }),
  });
  const exitedAfter = Date.now() - killedAt;
  await doomed.stop();
  expect(killedAt).toBeGreaterThan(0);
  expect(run.code).toBe(1);
  expect(exitedAfter).toBeLessThan(5000);
  const errors = run.stderr.trim().split('\n').filter((line) => /ERROR/.test(line));
  expect(errors).toHaveLength(2);
  expect(errors[0]).toMatch(/SSH_TUNNEL_LOST: .*bastion .*was lost/);
  expect(errors[1]).toMatch(/STREAMS_FAILED: 1 of 1 stream\(s\) failed/);
  expect(run.stderr).not.toMatch(/\n\s+at /);
  const state = lastState(run.messages);
  expect(state?.bookmarks[stream].ctid_page).toBeGreaterThan(0);
  const resumed = await runTap([], { config: direct, catalog, state });
  expect(resumed.code).toBe(0);
  const ids = new Set([...byType(run.messages, 'RECORD'), ...byType(resumed.messages, 'RECORD')].map((m) => m.record.id));
  expect(ids.size).toBe(60000);
});
