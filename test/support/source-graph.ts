// The import graph of the sources, read with the TypeScript compiler's own pre-processor (every
// import form: value, type-only, re-export, dynamic), for the architecture tests.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, posix, relative } from 'node:path';
import ts from 'typescript';

export const repositoryRoot = join(dirname(new URL(import.meta.url).pathname), '..', '..');

export interface SourceImport {
  /** Repository-relative paths, with '/' separators. */
  from: string;
  to: string;
}

function sourceFiles(directory: string): string[] {
  return readdirSync(join(repositoryRoot, directory), { withFileTypes: true }).flatMap((entry) => {
    const path = posix.join(directory, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Every .ts file under the given repository folders. */
export function sourceFilesUnder(...directories: string[]): string[] {
  return directories.flatMap(sourceFiles).sort();
}

const known = (files: string[]) => new Set(files);

/** A relative specifier resolved the way the bundler resolution does: x.ts, x/index.ts (a `.js` suffix names the .ts). */
function resolve(from: string, specifier: string, files: Set<string>): string | undefined {
  const base = posix.normalize(posix.join(posix.dirname(from), specifier)).replace(/\.(js|mjs|ts)$/, '');
  return [`${base}.ts`, `${base}/index.ts`].find((candidate) => files.has(candidate));
}

/** The imports between the given files; package imports (`packageImports`) and Node's own modules (`builtinImports`, without `node:`) apart. */
export function importsOf(files: string[]): { imports: SourceImport[]; packageImports: { from: string; name: string }[]; builtinImports: { from: string; name: string }[] } {
  const all = known(files);
  const imports: SourceImport[] = [];
  const packageImports: { from: string; name: string }[] = [];
  const builtinImports: { from: string; name: string }[] = [];
  for (const file of files) {
    const info = ts.preProcessFile(readFileSync(join(repositoryRoot, file), 'utf8'), true, true);
    for (const { fileName } of info.importedFiles) {
      if (fileName.startsWith('.')) {
        const to = resolve(file, fileName, all);
        if (to) imports.push({ from: file, to });
      } else if (fileName.startsWith('node:')) {
        builtinImports.push({ from: file, name: fileName.slice('node:'.length) });
      } else {
        // 'drizzle-orm/pg-core' is drizzle-orm; '@hono/zod-openapi' is itself.
        const parts = fileName.split('/');
        packageImports.push({ from: file, name: fileName.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]! });
      }
    }
  }
  return { imports, packageImports, builtinImports };
}

/**
 * The folder a source file belongs to: `src/db/schema/x.ts` → `db`, a file directly under src/
 * → its own name (`src/service.ts` → `service`), anything outside src/ → its top folder (`jobs/`).
 */
export function folderOf(file: string): string {
  const parts = file.split('/');
  if (parts[0] !== 'src') return `${parts[0]}/`;
  return parts.length > 2 ? parts[1]! : parts[1]!.replace(/\.ts$/, '');
}

/** Strongly connected groups of more than one folder: each is an import cycle between folders. */
export function folderCycles(edges: Iterable<[string, string]>): string[][] {
  const next = new Map<string, Set<string>>();
  for (const [from, to] of edges) {
    if (from === to) continue;
    (next.get(from) ?? next.set(from, new Set()).get(from)!).add(to);
    if (!next.has(to)) next.set(to, new Set());
  }
  // Tarjan's algorithm.
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (node: string) => {
    index.set(node, counter);
    low.set(node, counter++);
    stack.push(node);
    onStack.add(node);
    for (const target of next.get(node)!) {
      if (!index.has(target)) {
        visit(target);
        low.set(node, Math.min(low.get(node)!, low.get(target)!));
      } else if (onStack.has(target)) low.set(node, Math.min(low.get(node)!, index.get(target)!));
    }
    if (low.get(node) === index.get(node)) {
      const group: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        group.push(member);
      } while (member !== node);
      if (group.length > 1) cycles.push(group.sort());
    }
  };
  for (const node of [...next.keys()].sort()) if (!index.has(node)) visit(node);
  return cycles;
}

export const relativeToRoot = (path: string) => relative(repositoryRoot, path).split('\\').join('/');
