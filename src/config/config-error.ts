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

/** The candidate within two edits (Damerau: a swap of neighbours is one edit), for "did you mean". */
export function closestKey(key: string, candidates: string[]): string | undefined {
  const distance = (a: string, b: string) => {
    const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
    for (let i = 1; i <= a.length; i++) {
      for (let j = 1; j <= b.length; j++) {
        const cost = a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1;
        let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
        if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, d[i - 2]![j - 2]! + 1);
        d[i]![j] = best;
      }
    }
    return d[a.length]![b.length]!;
  };
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of candidates) {
    const found = distance(key, candidate);
    if (found < bestDistance) [best, bestDistance] = [candidate, found];
  }
  return best;
}
