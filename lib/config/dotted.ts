/**
 * Settings grouped in an object (`ssh_tunnel: {host, …}`) are also named by a dotted path
 * (`ssh_tunnel.host`), as Meltano names them — in config files, env fallbacks and `--about`.
 */

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The value at a dotted path, or undefined. */
export function getPath(object: Record<string, unknown>, path: string): unknown {
  let value: unknown = object;
  for (const part of path.split('.')) value = isPlainObject(value) ? value[part] : undefined;
  return value;
}

/** Sets the value at a dotted path, creating (or copying) the groups on the way. */
export function setPath(object: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let target = object;
  for (const part of parts.slice(0, -1)) {
    target[part] = isPlainObject(target[part]) ? { ...(target[part] as Record<string, unknown>) } : {};
    target = target[part] as Record<string, unknown>;
  }
  target[parts[parts.length - 1]] = value;
}

/**
 * One config file's top-level keys with nulls dropped (null means unset), groups' nulls too, and
 * flat `group.key` entries moved into their group (a key given both ways keeps the nested value).
 */
export function nestDottedKeys(object: Record<string, unknown>, groups: Set<string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const flat: Array<[string, unknown]> = [];
  for (const [key, value] of Object.entries(object)) {
    if (value === null) continue;
    const group = key.split('.')[0];
    if (key.includes('.') && groups.has(group)) flat.push([key, value]);
    else if (groups.has(key) && isPlainObject(value)) out[key] = Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null));
    else out[key] = value;
  }
  for (const [key, value] of flat) {
    const group = key.split('.')[0];
    if (out[group] !== undefined && !isPlainObject(out[group])) continue;
    if (getPath(out, key) === undefined) setPath(out, key, value);
  }
  return out;
}
