/**
 * Keeps secrets out of every output. Which keys are secret is read from the config schema
 * (`writeOnly: true`, or `secret: true` as the Meltano SDK writes it) by walking it with
 * json-schema-traverse; the redactor then replaces those keys' values in objects, and any
 * occurrence of a secret value (also JSON- or URL-escaped) in text.
 */
import traverse from 'json-schema-traverse';
import type { ConfigSchema } from './schema';

export const REDACTED = '[REDACTED]';

export interface Redactor {
  /** The text with every secret value replaced by [REDACTED]. */
  text(text: string): string;
  /** A deep copy of `value` with secret keys' values (and secret values in strings) replaced. */
  object<T>(value: T): T;
}

/** Names of the properties marked secret anywhere in the schema (and their dotted paths). */
export function secretKeys(schema: ConfigSchema): Set<string> {
  const keys = new Set<string>();
  const visit: traverse.Callback = (node, ptr, _root, _parentPtr, parentKeyword, _parent, keyIndex) => {
    if (parentKeyword === 'properties' && typeof keyIndex === 'string' && (node.writeOnly === true || node.secret === true)) {
      keys.add(keyIndex);
      // Inside a group also its dotted name (ssh_tunnel.private_key), as a flat config key.
      const parts = ptr.split('/');
      keys.add(parts.filter((_part, i) => parts[i - 1] === 'properties').join('.'));
    }
  };
  traverse(schema as traverse.SchemaObject, visit);
  return keys;
}

/** The password inside a connection URL (`postgresql://user:password@host/db`), decoded, if any. */
export function urlPassword(text: string): string | undefined {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) return undefined;
  try {
    const password = new URL(text.trim()).password;
    return password ? decodeURIComponent(password) : undefined;
  } catch {
    // Not a URL that parses: the text as a whole is still a secret; a password in it cannot be told apart.
    return undefined;
  }
}

/**
 * Every string value held by a secret key in these (raw, possibly invalid) config objects, and
 * the password inside a secret connection URL.
 */
export function collectSecretValues(objects: unknown[], keys: Set<string>): string[] {
  const values: string[] = [];
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(visit);
    else if (value && typeof value === 'object') {
      for (const [key, inner] of Object.entries(value)) {
        if (keys.has(key) && (typeof inner === 'string' || typeof inner === 'number')) {
          values.push(String(inner));
          const password = typeof inner === 'string' ? urlPassword(inner) : undefined;
          if (password) values.push(password);
        }
        else visit(inner);
      }
    }
  };
  objects.forEach(visit);
  return values;
}

function variants(secret: string): string[] {
  const forms = new Set([secret, JSON.stringify(secret).slice(1, -1), encodeURIComponent(secret)]);
  return [...forms].filter((form) => form.length > 0);
}

export function createRedactor(keys: Set<string>, secretValues: string[]): Redactor {
  const needles = [...new Set(secretValues.flatMap(variants))].sort((a, b) => b.length - a.length);
  const text = (input: string): string =>
    needles.reduce((out, needle) => (out.includes(needle) ? out.split(needle).join(REDACTED) : out), input);
  const copy = (value: unknown): unknown => {
    if (typeof value === 'string') return text(value);
    if (Array.isArray(value)) return value.map(copy);
    if (value && typeof value === 'object') {
      return Object.fromEntries(
        Object.entries(value).map(([key, inner]) => [key, keys.has(key) && inner !== undefined ? REDACTED : copy(inner)]),
      );
    }
    return value;
  };
  return { text, object: <T>(value: T) => copy(value) as T };
}
