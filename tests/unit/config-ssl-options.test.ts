import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConnectionOptions } from 'node:tls';
import { loadConfig } from '../../lib/config/load-config';
import { sslOptions } from '../../lib/db/ssl-options';

const dir = mkdtempSync(join(tmpdir(), 'tap-ssl-options-'));
execFileSync('openssl', ['req', '-new', '-x509', '-days', '1', '-nodes', '-subj', '/CN=db.example', '-newkey', 'rsa:2048',
  '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
const PEM = readFileSync(join(dir, 'cert.pem'), 'utf8');
const KEY = readFileSync(join(dir, 'key.pem'), 'utf8');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const options = (config: Record<string, unknown>) => sslOptions(loadConfig([{ host: 'db.example', ...config }], {}));

describe('sslmode to postgres.js ssl options', () => {
  it.each([
    ['disable', false],
    ['allow', 'prefer'],
    ['prefer', 'prefer'],
    ['require', 'require'],
  ])('%s without certificates', (sslmode, expected) => {
    expect(options({ sslmode })).toBe(expected);
  });

  it('never uses TLS on a Unix socket (as libpq)', () => {
    expect(options({ sslmode: 'require', host: '/var/run/postgresql' })).toBe(false);
  });

  it('require with sslrootcert verifies the CA but not the host name', () => {
    const tls = options({ sslmode: 'require', sslrootcert: PEM }) as ConnectionOptions;
    expect(tls).toMatchObject({ ca: PEM, rejectUnauthorized: true });
    expect(tls.checkServerIdentity?.('other.example', {} as never)).toBeUndefined();
  });

  it('verify-ca checks the chain only; verify-full also the configured host', () => {
    const ca = options({ sslmode: 'verify-ca', sslrootcert: PEM }) as ConnectionOptions;
    expect(ca.rejectUnauthorized).toBe(true);
    expect(ca.checkServerIdentity?.('x', {} as never)).toBeUndefined();
    const full = options({ sslmode: 'verify-full', sslrootcert: PEM }) as ConnectionOptions;
    const mismatch = full.checkServerIdentity?.('db.example', { subject: { CN: 'elsewhere' }, subjectaltname: 'DNS:elsewhere' } as never);
    expect(mismatch?.message).toMatch(/db\.example/);
    expect(full.checkServerIdentity?.('ignored', { subject: { CN: 'db.example' }, subjectaltname: 'DNS:db.example' } as never)).toBeUndefined();
  });

  it('client certificate and key (inline PEM) without a CA: TLS unverified', () => {
    const tls = options({ sslmode: 'prefer', sslcert: PEM, sslkey: KEY }) as ConnectionOptions;
    expect(tls).toMatchObject({ cert: PEM, key: KEY, rejectUnauthorized: false });
  });

  it('certificate files are read and checked', () => {
    writeFileSync(join(dir, 'not-pem.crt'), 'just text\n');
    const path = join(dir, 'cert.pem');
    expect(options({ sslmode: 'verify-ca', sslrootcert: path })).toMatchObject({ ca: PEM });
    expect(() => options({ sslmode: 'verify-ca', sslrootcert: join(dir, 'not-pem.crt') })).toThrow(
      `config: /sslrootcert file ${join(dir, 'not-pem.crt')} holds no PEM certificate`,
    );
    expect(() => options({ sslmode: 'require', sslkey: path })).toThrow(`config: /sslkey file ${path} is not a PEM private key`);
  });

  it('a missing certificate file names the key', () => {
    expect(() => options({ sslmode: 'verify-full', sslrootcert: '/no/such/ca.pem' })).toThrow(
      'config: /sslrootcert must be inline PEM text or a readable file (ENOENT: /no/such/ca.pem)',
    );
  });
});
