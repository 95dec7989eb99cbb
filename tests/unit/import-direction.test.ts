/**
 * The import rules of lib/, checked on the source so they cannot silently regress: the neutral
 * model (pg/) and the value converter (values/) are leaves, nothing downstream of discovery
 * reaches back into it, only the CLI imports the CLI, and values/ has no import cycle.
 * Every import form counts: `import`, `import type`, `export … from` and `import()`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

const LIB = resolve(__dirname, '..', '..', 'lib');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** lib-relative module path (`values/convert`) → the lib modules it imports; packages as `pkg:<name>`. */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sourceFiles(LIB)) {
    const specifiers = ts.preProcessFile(readFileSync(file, 'utf8'), true, true).importedFiles.map((f) => f.fileName);
    const targets = specifiers.map((s) => (s.startsWith('.') ? relative(LIB, resolve(dirname(file), s)) : `pkg:${s}`));
    graph.set(relative(LIB, file).replace(/\.ts$/, ''), targets);
  }
  return graph;
}

const graph = importGraph();

function edges(): Array<[string, string]> {
  return [...graph].flatMap(([from, targets]) => targets.map((to): [string, string] => [from, to]));
}

function folder(module: string): string {
  return module.includes('/') ? module.slice(0, module.indexOf('/')) : module;
}

/** Every import that breaks `allowed`, as `from -> to`. */
function violations(allowed: (from: string, to: string) => boolean): string[] {
  return edges()
    .filter(([from, to]) => !allowed(from, to))
    .map(([from, to]) => `${from} -> ${to}`);
}

/** The import cycles of `of` among `modules` (each as a path `a -> b -> a`). */
function cycles(of: Map<string, string[]>, modules: (module: string) => boolean): string[] {
  const found: string[] = [];
  const done = new Set<string>();
  const visit = (module: string, path: string[]): void => {
    const at = path.indexOf(module);
    if (at >= 0) {
      found.push([...path.slice(at), module].join(' -> '));
      return;
    }
    if (done.has(module)) return;
    for (const next of of.get(module) ?? []) if (modules(next)) visit(next, [...path, module]);
    done.add(module);
  };
  for (const module of of.keys()) if (modules(module)) visit(module, []);
  return found;
}

test('the graph is read from the sources (imports of every form are found)', () => {
  expect(graph.get('values/convert')).toEqual(expect.arrayContaining(['values/array-literal', 'pg/types']));
  expect(graph.get('cli/modes')).toEqual(expect.arrayContaining(['discovery/introspect', 'sync/run-sync']));
  expect(graph.get('db/connect')).toContain('pkg:postgres');
  const circle = new Map([['a', ['b']], ['b', ['c']], ['c', ['a']], ['d', ['a']]]);
  expect(cycles(circle, () => true)).toEqual(['a -> b -> c -> a']);
});

test('values, catalog, sync, messages and pg never import discovery', () => {
  const downstream = ['values', 'catalog', 'sync', 'messages', 'pg'];
  expect(violations((from, to) => !(downstream.includes(folder(from)) && folder(to) === 'discovery'))).toEqual([]);
});

test('pg/ is a leaf: it imports only pg/ (no I/O, no packages)', () => {
  expect(violations((from, to) => folder(from) !== 'pg' || folder(to) === 'pg')).toEqual([]);
});

test('values/ imports only values/, pg/, errors and Node built-ins', () => {
  const allowed = (to: string) => ['values', 'pg', 'errors'].includes(folder(to)) || to.startsWith('pkg:node:');
  expect(violations((from, to) => folder(from) !== 'values' || allowed(to))).toEqual([]);
});

test('maps/ sits between catalog and messages: it imports only maps/, catalog/, messages/, errors, context and Node built-ins, and what it uses never imports it', () => {
  const allowed = (to: string) => ['maps', 'catalog', 'messages', 'errors', 'context'].includes(folder(to)) || to.startsWith('pkg:node:');
  expect(violations((from, to) => folder(from) !== 'maps' || allowed(to))).toEqual([]);
  const below = ['catalog', 'messages', 'values', 'pg', 'db', 'discovery'];
  expect(violations((from, to) => !(below.includes(folder(from)) && folder(to) === 'maps'))).toEqual([]);
});

test('only the entry points (the Singer CLI and the Airbyte source) import the CLI', () => {
  expect(violations((from, to) => folder(to) !== 'cli' || folder(from) === 'cli' || folder(from) === 'airbyte')).toEqual([]);
});

test('values/ has no import cycle', () => {
  expect(cycles(graph, (module) => folder(module) === 'values')).toEqual([]);
});
