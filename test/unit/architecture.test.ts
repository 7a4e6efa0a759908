// The floors of the source tree, checked over its import graph: db/ is a leaf under config/, the
// pure core imports no storage or I/O, no folder imports another that imports it back, and each
// adapter library stays in its one folder.
import { describe, expect, it } from 'vitest';
import { functionLengths } from '../support/function-lengths';
import { folderCycles, folderOf, importsOf, sourceFilesUnder } from '../support/source-graph';

const files = sourceFilesUnder('src', 'jobs');
const { imports, packageImports, builtinImports } = importsOf(files);
const crossing = imports.map((edge) => ({ ...edge, fromFolder: folderOf(edge.from), toFolder: folderOf(edge.to) })).filter((edge) => edge.fromFolder !== edge.toFolder);
const described = (edges: { from: string; to: string }[]) => edges.map((edge) => `${edge.from} → ${edge.to}`).sort();

/** What db/ may import besides itself: the config types it stores, the shared error base and where the package's files are. */
const storageMayImport = new Set(['config', 'errors', 'package-root']);
/** The pure core: values in, values out; never storage, the network, the clock's owner or the edges. */
const pureFolders = new Set(['analysis', 'attribution', 'reputation', 'suppression', 'steering']);
const pureMayImport = new Set([...pureFolders, 'config', 'errors']);

function violations(): string[] {
  const found = crossing.filter(
    (edge) =>
      (edge.fromFolder === 'db' && !storageMayImport.has(edge.toFolder)) ||
      (pureFolders.has(edge.fromFolder) && !pureMayImport.has(edge.toFolder)) ||
      // src/ never reaches up into the entry points around it (jobs/, bench/, demo/).
      (edge.from.startsWith('src/') && !edge.to.startsWith('src/')),
  );
  return described(found);
}

describe('the import graph', () => {
  it('keeps db/ a leaf: it imports only config/ and the error base', () => {
    expect(violations().filter((line) => line.startsWith('src/db/'))).toEqual([]);
  });

  it(`keeps the pure core (${[...pureFolders].join(', ')}) free of storage and the edges`, () => {
    expect(violations().filter((line) => [...pureFolders].some((folder) => line.startsWith(`src/${folder}/`)))).toEqual([]);
  });

  it('never imports from outside src/ into src/', () => {
    expect(violations().filter((line) => !line.split(' → ')[1]!.startsWith('src/'))).toEqual([]);
  });

  it('has no import cycle between folders', () => {
    const cycles = folderCycles(crossing.map((edge) => [edge.fromFolder, edge.toFolder]));
    expect(cycles).toEqual([]);
  });

  it('finds the imports it checks (a scanner that reads nothing passes everything)', () => {
    expect(files.length).toBeGreaterThan(100);
    expect(crossing.some((edge) => edge.fromFolder === 'api' && edge.toFolder === 'db')).toBe(true);
    expect(folderCycles([['a', 'b'], ['b', 'c'], ['c', 'a'], ['c', 'd']])).toEqual([['a', 'b', 'c']]);
  });
});

describe('Node modules that do I/O', () => {
  const io = new Set(['fs', 'fs/promises', 'child_process', 'worker_threads', 'cluster', 'http', 'https', 'http2', 'dgram', 'dns', 'dns/promises', 'tls', 'readline']);
  /** The one reader of files in the pure core: the wording tables shipped beside it, read once when the analyzer loads. */
  const allowed = new Set(['src/analysis/wording.ts fs']);
  const pureIo = builtinImports.filter((use) => pureFolders.has(folderOf(use.from)) && io.has(use.name)).map((use) => `${use.from} ${use.name}`);

  it('are not imported by the pure core', () => {
    expect(pureIo.filter((use) => !allowed.has(use))).toEqual([]);
  });

  it('are allowed only where still used', () => {
    expect([...allowed].filter((use) => !pureIo.includes(use))).toEqual([]);
  });
});

describe('adapter libraries', () => {
  const homes: Record<string, string> = { 'drizzle-orm': 'db', imapflow: 'ingest', dns2: 'dnsbl', libmime: 'analysis' };
  it.each(Object.entries(homes))('imports %s only in src/%s/', (name, home) => {
    const uses = packageImports.filter((use) => use.name === name);
    expect(uses.length, `${name} is imported somewhere`).toBeGreaterThan(0);
    expect(uses.filter((use) => folderOf(use.from) !== home).map((use) => use.from)).toEqual([]);
  });
});

describe('function length', () => {
  /** Past this many lines of code a function is several steps that want names. */
  const maxLines = 80;
  const long = sourceFilesUnder('src')
    .flatMap(functionLengths)
    .filter((found) => found.lines > maxLines);

  it(`keeps every function in src/ within ${maxLines} lines of code`, () => {
    expect(long.map((found) => `${found.where}: ${found.lines} lines`)).toEqual([]);
  });

  it('measures what it checks (a parser that finds nothing passes everything)', () => {
    const lengths = functionLengths('test/support/function-lengths.ts');
    expect(lengths.find((found) => found.where.endsWith(' functionLengths'))?.lines).toBeGreaterThan(10);
  });
});
