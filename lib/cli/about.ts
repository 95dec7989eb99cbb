/**
 * `--about`: name, version, description, capabilities and every setting of the config schema:
 * the Meltano plugin definition's fields (label, kind, description, value, sensitive, options;
 * lib/cli/meltano-definition.ts) plus type, default, env fallback and secret flag. Only the
 * schema is read, so no configured value — let alone a secret — can appear.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { flatSettings, type ConfigSchema, type SettingSchema } from '../config/schema';
import { CAPABILITIES, meltanoSetting, type MeltanoSetting } from './meltano-definition';

export interface AboutSetting extends MeltanoSetting {
  name: string;
  type: string;
  description: string;
  secret: boolean;
  default?: unknown;
  enum?: unknown[];
  env?: string;
}

export interface About {
  name: string;
  version: string;
  description: string;
  capabilities: string[];
  settings: AboutSetting[];
}

export interface PackageInfo {
  name: string;
  version: string;
  description?: string;
}

export function readPackageInfo(): PackageInfo {
  return JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as PackageInfo;
}

function typeName(setting: SettingSchema): string {
  if (setting.enum) {
    const kinds = new Set(setting.enum.map((value) => typeof value));
    return [...kinds].join(' | ');
  }
  const types = ([] as string[]).concat(setting.type ?? 'string');
  return types.map((type) => (type === 'array' ? 'array of strings' : type)).join(' | ');
}

export function buildAbout(schema: ConfigSchema, pkg: PackageInfo): About {
  const settings = flatSettings(schema).map(([name, setting]) => {
    const entry: AboutSetting = { ...meltanoSetting(name, setting), type: typeName(setting), secret: setting.writeOnly === true };
    if (setting.default !== undefined && !entry.secret) entry.default = setting.default;
    if (setting.enum) entry.enum = setting.enum;
    if (setting['x-env']) entry.env = setting['x-env'];
    return entry;
  });
  return { name: pkg.name, version: pkg.version, description: pkg.description ?? '', capabilities: [...CAPABILITIES], settings };
}

const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function aboutMarkdown(about: About): string {
  const rows = about.settings.map((s) =>
    `| ${s.name} | ${cell(s.type)} | ${s.default === undefined ? '' : cell(JSON.stringify(s.default))} | ${s.env ?? ''} | ${s.secret ? 'yes' : ''} | ${cell(s.description)} |`,
  );
  return [
    `# ${about.name} ${about.version}`,
    '',
    about.description,
    '',
    '## Capabilities',
    '',
    ...about.capabilities.map((capability) => `- ${capability}`),
    '',
    '## Settings',
    '',
    '| Setting | Type | Default | Env | Secret | Description |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows,
    '',
  ].join('\n');
}
