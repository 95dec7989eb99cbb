/**
 * Self-signed certificates for the test servers, made in Node (selfsigned): no `openssl` command
 * needed. The server's certificate names the host `localhost` only (no IP address), so
 * verify-full against 127.0.0.1 must fail while verify-ca passes.
 */
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generate } from 'selfsigned';

export interface CertificateFiles {
  certFile: string;
  keyFile: string;
}

/** Writes `<name>.crt` and `<name>.key` (mode 600, as PostgreSQL requires) into `dir`. */
export async function writeCertificate(dir: string, commonName = 'localhost', name = 'server'): Promise<CertificateFiles> {
  const pems = await generate([{ name: 'commonName', value: commonName }], {
    keySize: 2048,
    algorithm: 'sha256',
    notAfterDate: new Date(Date.now() + 3 * 24 * 3600 * 1000),
    extensions: [
      { name: 'basicConstraints', cA: true },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, keyCertSign: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: [{ type: 2, value: commonName }] },
    ],
  });
  const certFile = join(dir, `${name}.crt`);
  const keyFile = join(dir, `${name}.key`);
  writeFileSync(certFile, pems.cert, { mode: 0o644 });
  writeFileSync(keyFile, pems.private, { mode: 0o600 });
  chmodSync(keyFile, 0o600);
  return { certFile, keyFile };
}
