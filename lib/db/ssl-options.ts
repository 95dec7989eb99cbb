/**
 * libpq's sslmode, expressed as TLS options for lib/db/socket.ts (Node TLS options, or the words
 * 'prefer' and 'require' for unverified TLS):
 * - disable: no TLS; also for a Unix socket, which libpq never encrypts.
 * - allow, prefer: TLS when the server offers it, else plain text; unverified unless sslrootcert
 *   is given (client-certificate material is sent when the server asks for it).
 * - require: TLS, unverified — but, like libpq, the CA is verified when sslrootcert is given.
 * - verify-ca: the chain must lead to sslrootcert; the host name is not checked.
 * - verify-full: chain and host name (or IP address) checked against the certificate.
 * Certificates and keys are a file path or inline PEM text. verify-ca/verify-full without
 * sslrootcert trust Node's built-in CA store (libpq's `sslrootcert=system`).
 */
import { readFileSync } from 'node:fs';
import { checkServerIdentity, type ConnectionOptions, type PeerCertificate } from 'node:tls';
import { InputError } from '../errors';
import { isInlinePem, pemProblem, type PemKey } from '../config/pem';
import type { TapConfig } from '../config/types';

export type SslOption = false | 'prefer' | 'require' | ConnectionOptions;

/** Inline PEM text as is; anything else is a path to read. Either must be PEM that parses. */
export function readPem(key: PemKey, value: string): string {
  const inline = isInlinePem(value);
  let text: string;
  try {
    text = inline ? value : readFileSync(value, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new InputError('CONFIG_INVALID', `config: /${key} must be inline PEM text or a readable file (${reason}: ${value})`);
  }
  const problem = pemProblem(key, text);
  if (problem) throw new InputError('CONFIG_INVALID', `config: /${key} ${inline ? problem : `file ${value} ${problem}`}`);
  return text;
}

function material(config: TapConfig): ConnectionOptions {
  const options: ConnectionOptions = {};
  if (config.sslrootcert) options.ca = readPem('sslrootcert', config.sslrootcert);
  if (config.sslcert) options.cert = readPem('sslcert', config.sslcert);
  if (config.sslkey) options.key = readPem('sslkey', config.sslkey);
  return options;
}

export function sslOptions(config: TapConfig): SslOption {
  const mode = config.sslmode;
  if (mode === 'disable' || config.host.startsWith('/')) return false;
  const hasMaterial = Boolean(config.sslrootcert || config.sslcert || config.sslkey);
  if ((mode === 'allow' || mode === 'prefer') && !hasMaterial) return 'prefer';
  if (mode === 'require' && !hasMaterial) return 'require';
  const options = material(config);
  const verify = mode === 'verify-ca' || mode === 'verify-full' || options.ca !== undefined;
  options.rejectUnauthorized = verify;
  if (mode === 'verify-full') {
    // postgres.js gives no servername for an IP address; check the configured host ourselves.
    options.checkServerIdentity = (_name: string, cert: PeerCertificate) => checkServerIdentity(config.host, cert);
  } else {
    options.checkServerIdentity = () => undefined;
  }
  return options;
}
