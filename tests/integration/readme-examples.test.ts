/**
 * The README's examples, run as written against a database of the harness cluster that has the
 * tables they name (`public.orders`, `public.customers`, `public.audit_log`): the first-hour
 * block (config.json gets the test database's connection, the target after `|` is not run), and
 * the meltano.yml project, whose `select` and `metadata` are applied the way Meltano applies them.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type postgres from 'postgres';
import { parse } from 'yaml';
import { globToRegExp } from '../../lib/catalog/select-patterns';
import { adminSql, testConfig } from '../helpers/db';
import { byType, expectValidSingerLines, lastState } from '../helpers/messages';
import { runTap } from '../helpers/run-tap';

const ROOT = join(__dirname, '..', '..');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const DB = 'tap_readme';
const SLOT = 'meltano_app';
let admin: postgres.Sql;
let db: postgres.Sql;
let dir: string;

/** The fenced block of `lang` that follows the marker comment naming this test file. */
function block(lang: string, nth: number): string {
  const marker = '<!-- tests/integration/readme-examples.test.ts';
  let at = -1;
  for (let i = 0; i <= nth; i += 1) at = README.indexOf(marker, at + 1);
  expect(at).toBeGreaterThan(-1);
  const start = README.indexOf('```' + lang + '\n', at) + lang.length + 4;
  return README.slice(start, README.indexOf('\n```', start));
}

/** Shell words of one command line: whitespace-separated, single quotes kept together; `|` ends the tap's part. */
function words(line: string): { argv: string[]; piped: string[] } {
  const tokens = [...line.matchAll(/'([^']*)'|(\|)|(\S+)/g)].map((m) => (m[2] ? '|' : (m[1] ?? m[3]) as string));
  const pipe = tokens.indexOf('|');
  return pipe === -1 ? { argv: tokens, piped: [] } : { argv: tokens.slice(0, pipe), piped: tokens.slice(pipe + 1) };
}

/** The README's config with the test database's connection in place of the example's. */
function connection(example: Record<string, unknown>): Record<string, unknown> {
  const test = testConfig({ dbname: DB });
  const out: Record<string, unknown> = { ...example, host: test.host, port: test.port, user: test.user, dbname: DB, sslmode: 'disable' };
  if (test.password) out.password = test.password;
  else delete out.password;
  return out;
}

beforeAll(async () => {
  admin = adminSql();
  await admin.unsafe(`SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '${SLOT}'`);
  await admin.unsafe(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
  await admin.unsafe(`CREATE DATABASE ${DB}`);
  db = adminSql(DB);
  await db.unsafe(`
    CREATE TABLE public.orders (id int PRIMARY KEY, amount numeric(10,2), updated_at timestamptz NOT NULL);
    INSERT INTO public.orders SELECT g, g * 2.5, timestamptz '2024-03-01' + g * interval '1 day' FROM generate_series(1, 4) g;
    CREATE TABLE public.customers (id int PRIMARY KEY, email text, password_hash text, updated_at timestamptz NOT NULL);
    INSERT INTO public.customers VALUES (1, 'ann@example.com', 'pbkdf2-hash', '2024-03-02'), (2, 'bo@example.com', 'pbkdf2-hash', '2024-03-05');
    CREATE TABLE public.audit_log (id bigint, msg text);
    INSERT INTO public.audit_log VALUES (1, 'login');
    CREATE PUBLICATION ${SLOT} FOR TABLE public.orders;
  `);
  await db.unsafe(`SELECT pg_create_logical_replication_slot('${SLOT}', 'pgoutput')`);
  dir = mkdtempSync(join(tmpdir(), 'tap-readme-'));
});

afterAll(async () => {
  await db.end();
  await admin.unsafe(`SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '${SLOT}'`);
  await admin.unsafe(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
  await admin.end();
  rmSync(dir, { recursive: true, force: true });
});

test('the first-hour block: install, --test, --select ... | target-csv', async () => {
  const lines = block('sh', 0).split('\n');
  expect(lines[0]).toMatch(/^npm install && npm link\b/);
  const heredoc = lines.indexOf("cat > config.json <<'EOF'");
  const config = JSON.parse(lines[heredoc + 1]);
  expect(Object.keys(config).sort()).toEqual(['dbname', 'host', 'password', 'port', 'user']);
  const configFile = join(dir, 'config.json');
  writeFileSync(configFile, JSON.stringify(connection(config)));
  const commands = lines.filter((line) => line.startsWith('tap-postgres-ts ')).map(words);
  expect(commands.map((c) => c.argv.slice(3))).toEqual([['--test'], ['--select', 'public-*']]);
  for (const { argv } of commands) expect(argv.slice(1, 3)).toEqual(['--config', 'config.json']);

  const test = await runTap(commands[0].argv.slice(3), { config: connection(config) });
  expect(test.code).toBe(0);
  expect(test.stdout).toBe('');
  expect(test.stderr).toMatch(/connection OK: PostgreSQL/);

  expect(commands[1].piped).toEqual(['target-csv']);
  const run = await runTap(['--config', configFile, ...commands[1].argv.slice(3)]);
  expect(run.stderr).not.toMatch(/ERROR|WARN/);
  expect(run.code).toBe(0);
  expectValidSingerLines(run.stdout);
  expect(byType(run.messages, 'SCHEMA').map((m) => m.stream)).toEqual(['public-audit_log', 'public-customers', 'public-orders']);
  expect(byType(run.messages, 'RECORD')).toHaveLength(7);
  expect(lastState(run.messages)?.currently_syncing).toBeNull();
});

test('the meltano.yml project: its select and metadata, as Meltano applies them, with LOG_BASED settings', async () => {
  const project = parse(block('yaml', 1));
  const hub = parse(readFileSync(join(ROOT, 'meltano-hub.yml'), 'utf8'));
  const schema = JSON.parse(readFileSync(join(ROOT, 'schemas', 'config.schema.json'), 'utf8'));
  const [extractor] = project.plugins.extractors;
  expect(extractor).toMatchObject({ name: hub.name, namespace: hub.namespace, executable: hub.executable, capabilities: hub.capabilities });
  expect(extractor.pip_url).toBeUndefined();
  for (const key of Object.keys(extractor.config)) expect(Object.keys(schema.properties)).toContain(key);
  expect(extractor.config.replication_slot_name).toBe(SLOT);
  const config = connection(extractor.config);

  const discovered = await runTap(['--discover', ...extractor.select.flatMap((p: string) => ['--select', p])], { config });
  expect(discovered.code).toBe(0);
  const catalog = discovered.messages[0];
  // Meltano's `metadata:` entries: stream id globs, keys set at breadcrumb [].
  for (const stream of catalog.streams) {
    const root = stream.metadata.find((e: { breadcrumb: string[] }) => e.breadcrumb.length === 0).metadata;
    for (const [glob, values] of Object.entries(extractor.metadata)) {
      if (globToRegExp(glob).test(stream.tap_stream_id)) Object.assign(root, values);
    }
  }
  const run = await runTap([], { config, catalog });
  expect(run.code).toBe(0);
  expectValidSingerLines(run.stdout);
  for (const line of run.stderr.split('\n').filter((l) => l !== '')) expect(JSON.parse(line)).toHaveProperty('levelname');
  const customers = byType(run.messages, 'RECORD').filter((m) => m.stream === 'public-customers').map((m) => m.record);
  expect(customers).toEqual([
    { id: 1, email: 'ann@example.com', updated_at: '2024-03-02T00:00:00.000000+00:00' },
    { id: 2, email: 'bo@example.com', updated_at: '2024-03-05T00:00:00.000000+00:00' },
  ]);
  expect(byType(run.messages, 'RECORD').filter((m) => m.stream === 'public-orders')).toHaveLength(4);
  expect(byType(run.messages, 'RECORD').some((m) => m.stream === 'public-audit_log')).toBe(false);
  const bookmarks = lastState(run.messages)?.bookmarks;
  expect(bookmarks['public-customers']).toMatchObject({ last_replication_method: 'INCREMENTAL', replication_key: 'updated_at' });
  expect(bookmarks['public-orders']).toMatchObject({ last_replication_method: 'LOG_BASED', lsn: expect.any(Number) });
});
