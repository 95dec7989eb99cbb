/**
 * The Meltano plugin definition (an `extractors` entry of the Meltano hub), made from the config
 * schema: one setting per key with its label, kind, description, default (`value`), `sensitive`
 * for secrets and `options` for enums. `npm run meltano:definition` writes it to meltano-hub.yml
 * and `--about` returns the same settings and capabilities.
 */
import { flatSettings, type ConfigSchema, type SettingSchema } from '../config/schema';

/** What the tap does, in Meltano's words. */
export const CAPABILITIES = [
  'catalog',
  'properties',
  'discover',
  'state',
  'about',
  'test',
  'activate-version',
  'batch',
  'log-based',
  'structured-logging',
  'stream-maps',
] as const;

export type SettingKind = 'string' | 'integer' | 'decimal' | 'boolean' | 'array' | 'object' | 'options' | 'password';

export interface MeltanoSetting {
  name: string;
  label: string;
  kind: SettingKind;
  description: string;
  value?: unknown;
  sensitive?: true;
  options?: Array<{ label: string; value: string }>;
}

export interface MeltanoDefinition {
  name: string;
  namespace: string;
  variant: string;
  label: string;
  description: string;
  executable: string;
  domain_url: string;
  keywords: string[];
  maintenance_status: 'beta';
  quality: 'unknown';
  log_parser: 'singer-sdk';
  capabilities: string[];
  settings: MeltanoSetting[];
}

const WORDS: Record<string, string> = {
  ssl: 'SSL',
  sslmode: 'SSL Mode',
  sslrootcert: 'SSL Root Certificate',
  sslcert: 'SSL Client Certificate',
  sslkey: 'SSL Client Key',
  dbname: 'Database Name',
  ssh: 'SSH',
  json: 'JSON',
  lsn: 'LSN',
};

/**
 * `filter_schemas` → `Filter Schemas`, `ssh_tunnel.private_key` → `SSH Tunnel: Private Key`; the
 * schema's `title` wins when it has one.
 */
export function settingLabel(name: string, setting: SettingSchema & { title?: string }): string {
  if (setting.title) return setting.title;
  const words = (part: string): string =>
    part
      .split('_')
      .map((word) => WORDS[word] ?? word.charAt(0).toUpperCase() + word.slice(1))
      .join(' ');
  return name.split('.').map(words).join(': ');
}

function settingKind(setting: SettingSchema): SettingKind {
  if (setting.writeOnly) return 'password';
  if (setting.enum) return setting.enum.every((v) => typeof v === 'string') ? 'options' : 'boolean';
  const types = ([] as string[]).concat(setting.type ?? 'string');
  if (types.includes('array')) return 'array';
  if (types.includes('object')) return 'object';
  if (types.includes('integer')) return 'integer';
  if (types.includes('number')) return 'decimal';
  if (types.includes('boolean')) return 'boolean';
  return 'string';
}

export function meltanoSetting(name: string, setting: SettingSchema): MeltanoSetting {
  const kind = settingKind(setting);
  const out: MeltanoSetting = { name, label: settingLabel(name, setting), kind, description: setting.description ?? '' };
  if (setting.default !== undefined && !setting.writeOnly) out.value = setting.default;
  if (setting.writeOnly) out.sensitive = true;
  if (kind === 'options') out.options = (setting.enum as string[]).map((value) => ({ label: value, value }));
  return out;
}

export function meltanoSettings(schema: ConfigSchema): MeltanoSetting[] {
  return flatSettings(schema).map(([name, setting]) => meltanoSetting(name, setting));
}

export function meltanoDefinition(schema: ConfigSchema, pkg: { name: string; description?: string }): MeltanoDefinition {
  return {
    name: pkg.name,
    namespace: pkg.name.replace(/-/g, '_'),
    variant: pkg.name,
    label: 'PostgreSQL',
    description: pkg.description ?? '',
    executable: pkg.name,
    domain_url: 'https://www.postgresql.org/',
    keywords: ['database', 'postgres', 'singer', 'log-based'],
    maintenance_status: 'beta',
    quality: 'unknown',
    log_parser: 'singer-sdk',
    capabilities: [...CAPABILITIES],
    settings: meltanoSettings(schema),
  };
}
