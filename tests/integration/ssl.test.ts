/**
 * sslmode against the TLS-enabled test cluster, whose self-signed certificate names DNS:localhost
 * only — so verify-full must fail for 127.0.0.1 while verify-ca passes.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../lib/config/load-config';
import { connect } from '../../lib/db/connect';
import { writeCertificate } from '../helpers/certificate';
import { testDb } from '../helpers/db';

const db = testDb();

async function sslInUse(overrides: Record<string, unknown>): Promise<boolean> {
  const config = loadConfig([{ host: db.host, port: db.port, user: db.user, dbname: db.dbname, connect_timeout: 10, ...overrides }], {});
  const sql = connect(config, { max: 1 });
  try {
    const [row] = await sql<Array<{ ssl: boolean }>>`SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()`;
    return row.ssl;
  } finally {
    await sql.end({ timeout: 1 });
  }
}

describe('sslmode', () => {
  it('disable connects without TLS', async () => {
    expect(await sslInUse({ sslmode: 'disable' })).toBe(false);
  });

  it.each(['prefer', 'allow', 'require'])('%s connects with TLS to a TLS server (certificate not verified)', async (sslmode) => {
    expect(await sslInUse({ sslmode })).toBe(true);
  });

  it('ssl "true" (the Python taps\' key) means require', async () => {
    expect(await sslInUse({ ssl: 'true' })).toBe(true);
  });

  it('verify-full with the CA file and host localhost works', async () => {
    expect(await sslInUse({ sslmode: 'verify-full', host: 'localhost', sslrootcert: db.certFile })).toBe(true);
  });

  it('verify-full with inline PEM works', async () => {
    expect(await sslInUse({ sslmode: 'verify-full', host: 'localhost', sslrootcert: readFileSync(db.certFile, 'utf8') })).toBe(true);
  });

  it('verify-full with host 127.0.0.1 fails: the certificate is for localhost only', async () => {
    await expect(sslInUse({ sslmode: 'verify-full', host: '127.0.0.1', sslrootcert: db.certFile })).rejects.toThrow(/127\.0\.0\.1.*(altnames|not in the cert)/i);
  });

  it('verify-ca with host 127.0.0.1 works: the CA is checked, the host name is not', async () => {
    expect(await sslInUse({ sslmode: 'verify-ca', host: '127.0.0.1', sslrootcert: db.certFile })).toBe(true);
  });

  describe('with an unrelated CA', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tap-ssl-test-'));
    let otherCa = '';
    beforeAll(async () => {
      otherCa = (await writeCertificate(dir, 'other', 'other')).certFile;
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('verify-ca fails', async () => {
      await expect(sslInUse({ sslmode: 'verify-ca', sslrootcert: otherCa })).rejects.toThrow(/certificate/i);
    });

    it('require verifies the CA when sslrootcert is given, as libpq does', async () => {
      await expect(sslInUse({ sslmode: 'require', sslrootcert: otherCa })).rejects.toThrow(/certificate/i);
    });
  });

  it('an unreadable sslrootcert file is a config error', async () => {
    await expect(sslInUse({ sslmode: 'verify-ca', sslrootcert: '/nonexistent/ca.pem' })).rejects.toThrow(
      'config: /sslrootcert must be inline PEM text or a readable file (ENOENT: /nonexistent/ca.pem)',
    );
  });

  describe('tap_ssl_only_user (pg_hba rejects it without TLS)', () => {
    it('fails with disable', async () => {
      await expect(sslInUse({ user: 'tap_ssl_only_user', sslmode: 'disable' })).rejects.toThrow(/pg_hba\.conf rejects connection.*no encryption/);
    });

    it('works with require', async () => {
      expect(await sslInUse({ user: 'tap_ssl_only_user', sslmode: 'require' })).toBe(true);
    });
  });
});
