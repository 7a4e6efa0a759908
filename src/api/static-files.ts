// Files of the dashboard (web/) and the chart.js build from node_modules, read from disk per
// request: a handful of small files, no bundler, no build step.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, extname, join, normalize, sep } from 'node:path';
import { packageRoot } from '../package-root';

export const webRoot = join(packageRoot, 'web') + sep;

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/** chart.js's self-contained build (its ES module build imports a bare specifier a browser cannot resolve without an inline import map). */
export const chartJsPath = join(dirname(createRequire(import.meta.url).resolve('chart.js')), 'chart.umd.min.js');

export interface StaticFile {
  body: Uint8Array;
  contentType: string;
}

/** A file under `root` by its relative URL path, or null when absent, outside root or of a type we do not serve. */
export async function readStaticFile(root: string, relativePath: string): Promise<StaticFile | null> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(relativePath);
  } catch {
    return null;
  }
  const path = normalize(join(root, decoded));
  if (!path.startsWith(root.endsWith(sep) ? root : root + sep) || decoded.includes('\0')) return null;
  const contentType = contentTypes[extname(path)];
  if (!contentType) return null;
  try {
    return { body: await readFile(path), contentType };
  } catch {
    return null;
  }
}
