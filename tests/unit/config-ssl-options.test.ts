import type { ConnectionOptions } from 'node:tls';
import { loadConfig } from '../../lib/config/load-config';
import { sslOptions } from '../../lib/db/ssl-options';

const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
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
    const tls = options({ sslmode: 'prefer', sslcert: PEM, sslkey: PEM }) as ConnectionOptions;
    expect(tls).toMatchObject({ cert: PEM, key: PEM, rejectUnauthorized: false });
  });

  it('a missing certificate file names the key', () => {
    expect(() => options({ sslmode: 'verify-full', sslrootcert: '/no/such/ca.pem' })).toThrow(
      'config: /sslrootcert must be inline PEM text or a readable file (ENOENT: /no/such/ca.pem)',
    );
  });
});
