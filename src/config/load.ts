// Reads warden.yaml (or no file at all), interpolates ${ENV}, applies env overrides, validates.
// The one place that reads the environment: everything below gets the frozen result.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { allowedKeysAt, closestKey, ConfigError, describeValue, keyPath, type ConfigProblem } from './config-error';
import { interpolateEnv, type InterpolationProblem } from './interpolate';
import { wardenConfigSchema, type WardenConfig } from './schema';

export interface LoadConfigOptions {
  /** From --config; wins over WARDEN_CONFIG and ./warden.yaml. */
  configPath?: string;
  env: NodeJS.ProcessEnv;
  cwd?: string;
}

/** Which file will be read, or undefined for "no file: defaults". */
export function resolveConfigPath({ configPath, env, cwd = process.cwd() }: LoadConfigOptions): string | undefined {
  const named = configPath ?? env.WARDEN_CONFIG;
  if (named) return resolve(cwd, named);
  const implicit = resolve(cwd, 'warden.yaml');
  return existsSync(implicit) ? implicit : undefined;
}

// Environment variables that override a key, for containers and twelve-factor deployments.
const envOverrides: { variable: string; path: [string, string]; numeric?: boolean }[] = [
  { variable: 'DATABASE_URL', path: ['database', 'url'] },
  { variable: 'PORT', path: ['server', 'port'], numeric: true },
  { variable: 'HOST', path: ['server', 'host'] },
  { variable: 'LOG_LEVEL', path: ['log', 'level'] },
];

export function loadConfig(options: LoadConfigOptions): WardenConfig {
  const path = resolveConfigPath(options);
  const source = path ?? 'no config file, defaults';
  let raw: unknown = {};
  let lineOf: (path: readonly PropertyKey[]) => number | undefined = () => undefined;
  if (path) {
    if (!existsSync(path)) {
      throw new ConfigError(source, [{ key: '(file)', message: `${path} does not exist` }]);
    }
    const lineCounter = new LineCounter();
    const document = parseDocument(readFileSync(path, 'utf8'), { lineCounter, prettyErrors: true });
    if (document.errors.length > 0) {
      throw new ConfigError(
        source,
        document.errors.map((error) => ({
          key: '(yaml)',
          line: error.linePos?.[0]?.line,
          message: error.message.split('\n')[0]!,
        })),
      );
    }
    raw = document.toJS() ?? {};
    lineOf = (keys) => {
      // The line of the key itself: look the last key up in its parent mapping.
      const parent = keys.length > 1 ? document.getIn(keys.slice(0, -1) as unknown[], true) : document.contents;
      const pair = (parent as { items?: { key?: { value?: unknown; range?: [number, number, number] } }[] } | null)?.items?.find(
        (item) => item.key?.value === keys[keys.length - 1],
      );
      if (pair?.key?.range) return lineCounter.linePos(pair.key.range[0]).line;
      for (let length = keys.length; length > 0; length--) {
        const node = document.getIn(keys.slice(0, length) as unknown[], true) as { range?: [number, number, number] } | undefined;
        if (node?.range) return lineCounter.linePos(node.range[0]).line;
      }
      return undefined;
    };
    if (typeof raw !== 'object' || Array.isArray(raw)) {
      throw new ConfigError(source, [{ key: '(top level)', line: 1, message: 'expected a mapping of keys (server:, relay:, ...)' }]);
    }
  }

  const interpolationProblems: InterpolationProblem[] = [];
  const interpolated = interpolateEnv(raw, options.env, interpolationProblems) as Record<string, any>;
  if (interpolationProblems.length > 0) {
    throw new ConfigError(
      source,
      interpolationProblems.map((p) => ({ key: keyPath(p.path), line: lineOf(p.path), message: p.message })),
    );
  }

  const fromEnv = new Map<string, string>();
  for (const { variable, path: [section, key], numeric } of envOverrides) {
    const value = options.env[variable];
    if (value === undefined || value === '') continue;
    const sectionValue = (interpolated[section] ??= {});
    if (typeof sectionValue !== 'object' || sectionValue === null) continue;
    sectionValue[key] = numeric && /^\d+$/.test(value) ? Number(value) : value;
    fromEnv.set(`${section}.${key}`, variable);
  }

  const result = wardenConfigSchema.safeParse(interpolated, { reportInput: true });
  if (!result.success) {
    const problems = result.error.issues.flatMap((issue) => describeIssue(issue, wardenConfigSchema, lineOf, fromEnv));
    throw new ConfigError(source, problems);
  }
  return deepFreeze(result.data);
}

function describeIssue(
  issue: z.core.$ZodIssue,
  schema: z.ZodType,
  lineOf: (path: readonly PropertyKey[]) => number | undefined,
  fromEnv: Map<string, string>,
): ConfigProblem[] {
  if (issue.code === 'unrecognized_keys') {
    const allowed = allowedKeysAt(schema, issue.path);
    return issue.keys.map((key) => {
      const suggestion = closestKey(key, allowed);
      return {
        key: keyPath([...issue.path, key]),
        line: lineOf([...issue.path, key]),
        message: `unknown key${suggestion ? ` (did you mean ${suggestion}?)` : ''}; expected one of: ${allowed.join(', ')}`,
      };
    });
  }
  const key = keyPath(issue.path);
  const envVariable = fromEnv.get(key);
  const found = describeValue(issue.path, issue.input);
  const expected =
    issue.code === 'invalid_type'
      ? `expected ${issue.expected}`
      : issue.code === 'invalid_value'
        ? `expected one of: ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`
        : issue.message.replace(/^Invalid input: /, '');
  return [
    {
      key: envVariable ? `${key} (from environment variable ${envVariable})` : key,
      line: envVariable ? undefined : lineOf(issue.path),
      message:
        issue.input === undefined
          ? `is required: ${expected}`
          : /^expected/.test(expected)
            ? `${found} is not valid: ${expected}`
            : `${found} ${expected}`,
    },
  ];
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const item of Object.values(value)) deepFreeze(item);
    Object.freeze(value);
  }
  return value;
}
