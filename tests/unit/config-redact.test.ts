import { aboutMarkdown, buildAbout } from '../../lib/cli/about';
import { collectSecretValues, createRedactor, REDACTED, secretKeys } from '../../lib/config/redact';
import { flatSettings, loadConfigSchema } from '../../lib/config/schema';
import { createLogger } from '../../lib/log/logger';

const schema = loadConfigSchema();
const secret = 'S3cret-pw!"quote#42';

describe('redaction driven by the schema', () => {
  it('finds the writeOnly keys (and the SDK secret marker) by walking the schema', () => {
    expect([...secretKeys(schema)].sort()).toEqual([
      'password', 'private_key', 'private_key_password', 'sqlalchemy_url', 'ssh_tunnel.password', 'ssh_tunnel.private_key', 'ssh_tunnel.private_key_password', 'sslkey', 'url',
    ]);
    const nested = { type: 'object', properties: { a: { type: 'object', properties: { token: { secret: true } } } } };
    expect([...secretKeys(nested as unknown as typeof schema)]).toEqual(['token', 'a.token']);
  });

  it('replaces secret keys in objects, deeply, and secret values anywhere in strings', () => {
    const keys = secretKeys(schema);
    const redactor = createRedactor(keys, collectSecretValues([{ password: secret, nested: { sslkey: 'KEYDATA' } }], keys));
    expect(redactor.object({ password: secret, user: 'u', note: `pw=${secret}`, list: [{ sslkey: 'x' }] })).toEqual({
      password: REDACTED, user: 'u', note: `pw=${REDACTED}`, list: [{ sslkey: REDACTED }],
    });
    expect(redactor.text(`a ${secret} b KEYDATA`)).toBe(`a ${REDACTED} b ${REDACTED}`);
    expect(redactor.text(JSON.stringify({ message: `x ${secret}` }))).not.toContain('quote#42');
    expect(redactor.text(`postgres://u:${encodeURIComponent(secret)}@h`)).toBe(`postgres://u:${REDACTED}@h`);
  });

  it('keeps secrets out of log lines, text and JSON', () => {
    const keys = secretKeys(schema);
    const redactor = createRedactor(keys, [secret]);
    const lines: string[] = [];
    for (const format of ['text', 'json'] as const) {
      const log = createLogger({ level: 'debug', format, redact: redactor.text, sink: (line) => lines.push(line) });
      log.debug('config', redactor.object({ password: secret }));
      log.error(`failed with ${secret}`, { detail: secret });
    }
    expect(lines).toHaveLength(4);
    for (const line of lines) expect(line).not.toContain('quote#42');
  });

  it('--about lists every setting with secret flags and never a value', () => {
    const about = buildAbout(schema, { name: 'tap-postgres-ts', version: '9.9.9' });
    const password = about.settings.find((s) => s.name === 'password');
    expect(password).toMatchObject({ secret: true, type: 'string', env: 'PGPASSWORD' });
    expect(password).not.toHaveProperty('default');
    expect(about.settings.find((s) => s.name === 'port')).toMatchObject({ type: 'integer', secret: false });
    // Grouped settings by their dotted names, as Meltano names them.
    expect(about.settings.map((s) => s.name)).toEqual(flatSettings(schema).map(([name]) => name));
    expect(about.settings.find((s) => s.name === 'ssh_tunnel.private_key')).toMatchObject({ secret: true, type: 'string' });
    expect(about.settings.find((s) => s.name === 'ssh_tunnel.port')).toMatchObject({ type: 'integer', default: 22, secret: false });
    for (const setting of about.settings) expect(setting.description.length).toBeGreaterThan(10);
    expect(aboutMarkdown(about)).toContain('| password | string |  | PGPASSWORD | yes |');
  });
});
