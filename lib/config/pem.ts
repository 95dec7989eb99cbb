/**
 * Certificates and keys are checked before anything connects, so a bad one is a config error
 * naming its key instead of a failed TLS handshake: every certificate block of sslrootcert and
 * sslcert must parse, and sslkey must be an unencrypted private key. Messages never quote the text.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';

export type PemKey = 'sslrootcert' | 'sslcert' | 'sslkey';

export const PEM_KEYS: readonly PemKey[] = ['sslrootcert', 'sslcert', 'sslkey'];

/** Inline text (a PEM header, or several lines) rather than a file path. */
export function isInlinePem(value: string): boolean {
  return value.includes('-----BEGIN') || value.includes('\n');
}

const CERTIFICATE_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

function keyProblem(text: string): string | undefined {
  if (/-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: *4, *ENCRYPTED/.test(text)) {
    return 'is an encrypted private key; give it unencrypted (the tap takes no key passphrase)';
  }
  try {
    createPrivateKey({ key: text, format: 'pem' });
    return undefined;
  } catch {
    return 'is not a PEM private key (-----BEGIN PRIVATE KEY----- …)';
  }
}

/** Why `text` is not usable PEM for `key`, or undefined when it is. */
export function pemProblem(key: PemKey, text: string): string | undefined {
  if (key === 'sslkey') return keyProblem(text);
  const blocks = text.match(CERTIFICATE_BLOCK) ?? [];
  if (blocks.length === 0) return 'holds no PEM certificate (-----BEGIN CERTIFICATE----- …)';
  for (const [index, block] of blocks.entries()) {
    try {
      new X509Certificate(block);
    } catch {
      return `is not a valid PEM certificate (certificate ${index + 1} of ${blocks.length} does not parse)`;
    }
  }
  return undefined;
}
