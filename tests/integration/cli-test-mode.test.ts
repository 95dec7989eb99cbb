/** --test and passwords: connection report on stderr, exit 0/1, the password never in any output. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTap, type TapRun } from '../helpers/run-tap';
import { testConfig, testDb } from '../helpers/db';

const PASSWORD = 'S3cret-pw!"quote#42'; // set in tests/fixtures/10-cli-roles.sql
const db = testDb();

function expectNoPassword(run: TapRun, password: string): void {
  for (const form of [password, JSON.stringify(password).slice(1, -1), encodeURIComponent(password)]) {
    expect(run.stdout).not.toContain(form);
    expect(run.stderr).not.toContain(form);
  }
}

function stderrLines(run: TapRun): string[] {
  return run.stderr.split('\n').filter((line) => line !== '');
}

describe('--test', () => {
  it('reports server version and readable relations on stderr, exit 0, nothing on stdout', async () => {
    const run = await runTap(['--test'], { config: testConfig() });
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/connection OK: PostgreSQL \d+\.\d+.* at 127\.0\.0\.1:\d+, database tap_test, user postgres; \d+ readable relations/);
  });

  it('merges several config files in order, the later one wins', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tap-cli-merge-'));
    try {
      const good = join(dir, 'good.json');
      const badPort = join(dir, 'bad-port.json');
      writeFileSync(good, JSON.stringify(testConfig()));
      writeFileSync(badPort, JSON.stringify({ port: 1 }));
      expect((await runTap(['--test', '--config', good, '--config', badPort])).code).toBe(1);
      expect((await runTap(['--test', '--config', badPort, '--config', good])).code).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('works from PG* env vars alone', async () => {
    const run = await runTap(['--test'], {
      env: { PGHOST: db.host, PGPORT: String(db.port), PGUSER: db.user, PGDATABASE: db.dbname, PGSSLMODE: 'disable' },
    });
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('database tap_test');
  });

  it('a wrong port: exit 1, one line naming host, port, database and user, no password', async () => {
    const run = await runTap(['--test'], { config: testConfig({ port: 1, password: PASSWORD, connect_timeout: 5 }) });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    const lines = stderrLines(run);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/CONNECTION_FAILED: cannot connect to PostgreSQL \(host=127\.0\.0\.1 port=1 dbname=tap_test user=postgres sslmode=disable\): .*ECONNREFUSED/);
    expectNoPassword(run, PASSWORD);
  });
});

describe('password authentication (scram) for tap_password_user', () => {
  const user = { user: 'tap_password_user' };

  it('the right password works and is never printed, even at debug level', async () => {
    const run = await runTap(['--test'], { config: testConfig({ ...user, password: PASSWORD, log_level: 'debug' }) });
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('user tap_password_user');
    expect(run.stderr).toContain('[REDACTED]'); // the debug config line shows the key, not the value
    expectNoPassword(run, PASSWORD);
  });

  it('the password from PGPASSWORD works and is never printed', async () => {
    const run = await runTap(['--test'], { config: testConfig(user), env: { PGPASSWORD: PASSWORD }});
    expect(run.code).toBe(0);
    expectNoPassword(run, PASSWORD);
  });

  it.each(['text', 'json'])('a wrong password: exit 1, one %s line, neither password printed', async (log_format) => {
    const wrong = `${PASSWORD}-wrong`;
    const run = await runTap(['--test'], { config: testConfig({ ...user, password: wrong, log_level: 'debug', log_format }) });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    const errors = stderrLines(run).filter((line) => /error/i.test(line));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/password authentication failed for user \\?"tap_password_user\\?"/);
    expectNoPassword(run, wrong);
    expectNoPassword(run, PASSWORD);
  });

  it('no password at all fails cleanly', async () => {
    const run = await runTap(['--test'], { config: testConfig(user), env: { PGPASSWORD: undefined } });
    expect(run.code).toBe(1);
    expect(stderrLines(run)).toHaveLength(1);
    expect(run.stderr).toMatch(/CONNECTION_FAILED: .*user=tap_password_user/);
  });
});
