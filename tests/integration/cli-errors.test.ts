/** Bad command lines and bad files: exit 2, exactly one stderr line, nothing on stdout, no connection. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTap, type TapRun } from '../helpers/run-tap';
import { testConfig } from '../helpers/db';

function expectInputError(run: TapRun, pattern: RegExp): void {
  expect(run.stdout).toBe('');
  const lines = run.stderr.split('\n').filter((line) => line !== '');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
  expect(run.code).toBe(2);
}

describe('bad command lines exit 2 with one line', () => {
  it.each([
    [['--bogus'], /Unknown argument: bogus/],
    [['--discover', 'extra'], /Unknown argument: extra/],
    [['--catalog'], /Not enough arguments following: catalog/],
    [['--discover', '--state', 'x.json'], /--discover cannot be combined with --state/],
    [['--discover', '--catalog', 'x.json'], /--discover cannot be combined with --catalog/],
    [['--discover', '--properties', 'x.json'], /--discover cannot be combined with --properties/],
    [['--catalog', 'a.json', '--properties', 'b.json'], /--catalog and --properties cannot be combined/],
    [['--discover', '--test'], /--discover and --test cannot be combined/],
    [['--test', '--about'], /--test and --about cannot be combined/],
    [['--about', '--format', 'yaml'], /Invalid values/],
    [['--format', 'json'], /--format is only for --about/],
    [['--state', 'x.json'], /--state needs --catalog FILE/],
    [[], /nothing to do: give --discover/],
  ])('%j', async (args, pattern) => {
    expectInputError(await runTap(args), pattern);
  });
});

describe('bad files exit 2 naming the file and the flag', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tap-cli-errors-'));
  const broken = join(dir, 'broken.json');
  writeFileSync(broken, '{"password": "very-secret-pw", "port": ');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('missing config file', async () => {
    const run = await runTap(['--config', join(dir, 'missing.json'), '--discover']);
    expectInputError(run, /FILE_UNREADABLE: --config .*missing\.json: cannot read the file \(ENOENT\)/);
  });

  it('invalid JSON in a second config file, without echoing its text', async () => {
    const run = await runTap(['--config', broken, '--test'], { config: testConfig() });
    expectInputError(run, /FILE_INVALID_JSON: --config .*broken\.json: not valid JSON/);
    expect(run.stderr).not.toContain('very-secret-pw');
  });

  it.each(['--catalog', '--properties', '--state'])('invalid JSON given to %s', async (flag) => {
    const args = flag === '--state' ? ['--catalog', broken, '--state', broken] : [flag, broken];
    const run = await runTap(args, { config: testConfig() });
    expectInputError(run, flag === '--state' ? /--catalog .*broken\.json/ : new RegExp(`${flag} .*broken\\.json: not valid JSON`));
  });

  it('a config file that is not an object', async () => {
    expectInputError(await runTap(['--test'], { config: '[1]' }), /config file 1 must hold a JSON object/);
  });
});

describe('invalid config exits 2 before connecting', () => {
  it('names every bad key by JSON path, never a password', async () => {
    const run = await runTap(['--test'], {
      config: { port: 'abc', sslmode: 'sometimes', password: ['pw-in-array-xyz'], state_interval: 0 },
    });
    expectInputError(run, /CONFIG_INVALID: config: \/port must be an integer 1-65535 \(got "abc"\); /);
    expect(run.stderr).toContain('/sslmode must be one of');
    expect(run.stderr).toContain('/password must be a string');
    expect(run.stderr).toContain('/state_interval must be an integer >= 1 (got 0)');
    expect(run.stderr).not.toContain('pw-in-array-xyz');
  });

  it('a bad PG* env value names the env var', async () => {
    const run = await runTap(['--test'], { env: { PGPORT: 'five' } });
    expectInputError(run, /\/port \(from PGPORT\) must be an integer 1-65535 \(got "five"\)/);
  });
});

describe('a bad catalog or state exits 2 before connecting', () => {
  // Nothing listens on port 1: had the tap tried to connect, it would fail with CONNECTION_FAILED (exit 1).
  const unreachable = testConfig({ port: 1, connect_timeout: 5 });

  it.each([
    [{ streams: 'none' }, /BAD_CATALOG: catalog: must be an object with a "streams" array/],
    [{ streams: [{ tap_stream_id: 'public-t', schema: {}, metadata: [{ breadcrumb: [] }] }] }, /BAD_CATALOG: catalog: \/streams\/0\/metadata\/0 must have/],
  ])('catalog %j', async (catalog, pattern) => {
    expectInputError(await runTap([], { config: unreachable, catalog }), pattern);
  });

  it.each([
    [{ bookmarks: [] }, /BAD_STATE: state: \/bookmarks must be an object/],
    [{ currently_syncing: 7, bookmarks: {} }, /BAD_STATE: state: \/currently_syncing must be a string or null/],
    [{ bookmarks: { 'public-t': { lsn: 'soon' } } }, /BAD_STATE: state: \/bookmarks\/public-t\/lsn must be a number/],
  ])('state %j', async (state, pattern) => {
    expectInputError(await runTap([], { config: unreachable, catalog: { streams: [] }, state }), pattern);
  });
});

describe('config values of the wrong type or form exit 2 at once, before connecting', () => {
  const notPem = '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n';

  it.each([
    [{ host: 123 }, /CONFIG_INVALID: config: \/host must be a non-empty string \(got 123\)$/],
    [{ filter_schemas: 5 }, /CONFIG_INVALID: config: \/filter_schemas must be an array of non-empty strings or a comma-separated string \(got 5\)$/],
    [{ sslmode: 'verify-ca', sslrootcert: notPem }, /CONFIG_INVALID: config: \/sslrootcert is not a valid PEM certificate/],
    [{ sslmode: 'require', sslcert: notPem }, /CONFIG_INVALID: config: \/sslcert is not a valid PEM certificate/],
    [{ sslmode: 'require', sslkey: notPem }, /CONFIG_INVALID: config: \/sslkey is not a PEM private key/],
  ])('%j', async (overrides, pattern) => {
    const started = Date.now();
    // Every mode validates the config first: --test, --discover and a sync alike.
    for (const args of [['--test'], ['--discover']]) {
      expectInputError(await runTap(args, { config: { ...testConfig(), ...overrides } }), pattern);
    }
    expect(Date.now() - started).toBeLessThan(20_000);
  });
});
