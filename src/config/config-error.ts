// Turns validation issues into messages that name the key, the value found and what was expected.
import type { z } from 'zod';
import { WardenError } from '../errors';

export interface ConfigProblem {
  /** Dotted key path, e.g. relay.ips[2]. */
  key: string;
  message: string;
  /** 1-based line in the file, when known. */
  line?: number;
}

export class ConfigError extends WardenError {
  constructor(
    readonly source: string,
    readonly problems: ConfigProblem[],
  ) {
    super('E_CONFIG_INVALID', formatProblems(source, problems), 500);
  }
}

function formatProblems(source: string, problems: ConfigProblem[]): string {
  const lines = problems.map((p) => `  - ${p.line ? `line ${p.line}: ` : ''}${p.key}: ${p.message}`);
  return `Invalid configuration (${source}):\n${lines.join('\n')}`;
}

export function keyPath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const part of path) {
    if (typeof part === 'number') text += `[${part}]`;
    else text += text ? `.${String(part)}` : String(part);
  }
  return text || '(top level)';
}

const secretKey = /token|password|secret|key$/i;

export function describeValue(path: readonly PropertyKey[], value: unknown): string {
  const last = path[path.length - 1];
  if (typeof last === 'string' && secretKey.test(last) && typeof value === 'string') return '(secret value hidden)';
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** The keys an object schema accepts at `path`, by walking the schema (for "unknown key" messages). */
export function allowedKeysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let node: any = schema;
  const unwrap = () => {
    for (;;) {
      const def = node?._zod?.def;
      if (!def) return;
      if (['default', 'prefault', 'optional', 'nullable', 'readonly', 'catch'].includes(def.type)) node = def.innerType;
      else if (def.type === 'pipe') node = def.in;
      else return;
    }
  };
  for (const part of path) {
    unwrap();
    const def = node?._zod?.def;
    if (!def) return [];
    if (def.type === 'object') node = def.shape[part as string];
    else if (def.type === 'array') node = def.element;
    else if (def.type === 'record') node = def.valueType;
    else return [];
  }
  unwrap();
  const def = node?._zod?.def;
  return def?.type === 'object' ? Object.keys(def.shape) : [];
}

export function closestKey(key: string, candidates: string[]): string | undefined {
  const distance = (a: string, b: string) => {
    const row = Array.from({ length: b.length + 1 }, (_, i) => i);
    for (let i = 1; i <= a.length; i++) {
      let previous = row[0]!;
      row[0] = i;
      for (let j = 1; j <= b.length; j++) {
        const current = row[j]!;
        row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1));
        previous = current;
      }
    }
    return row[b.length]!;
  };
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of candidates) {
    const d = distance(key, candidate);
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best;
}
