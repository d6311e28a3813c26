import { readFileSync, existsSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { ConfigError } from '../errors.js';

/**
 * Loads a YAML config file, applies environment overrides and validates the result.
 *
 * Overrides: `COFFEE__A__B=value` sets key `a.b` (segments lower-cased, `_` kept), the value
 * parsed as a YAML scalar (`8080` is a number, `true` a boolean). The cluster-wide variables
 * (`AMQP_URL`, `LOG_LEVEL`, `COFFEE_CLUSTER__*`) are mapped onto the cluster config by
 * `loadClusterConfig`, not here. Loaded once at start; the returned object is frozen.
 */
export function loadConfig<S extends z.ZodType>(
  schema: S,
  file: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): Readonly<z.infer<S>> {
  let raw: unknown = {};
  if (file !== undefined) {
    if (!existsSync(file)) throw new ConfigError(`config file ${file} does not exist`);
    try {
      raw = parseYaml(readFileSync(file, 'utf8')) ?? {};
    } catch (err) {
      throw new ConfigError(`config file ${file} is not valid YAML: ${(err as Error).message.split('\n')[0]}`);
    }
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
      throw new ConfigError(`config file ${file} must hold a mapping of keys`);
  }
  const merged = applyEnvOverrides(raw as Record<string, unknown>, env);
  const result = schema.safeParse(merged);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue?.path.length ? issue.path.join('.') : '(root)';
    throw new ConfigError(`invalid config${file ? ` in ${file}` : ''}: ${where}: ${issue?.message ?? 'invalid'}`);
  }
  return deepFreeze(result.data);
}

export function applyEnvOverrides(base: Record<string, unknown>, env: NodeJS.ProcessEnv): Record<string, unknown> {
  const out = structuredClone(base);
  const set = (path: string[], value: unknown): void => {
    let cursor: Record<string, unknown> = out;
    for (const key of path.slice(0, -1)) {
      const next = cursor[key];
      if (typeof next !== 'object' || next === null) cursor[key] = {};
      cursor = cursor[key] as Record<string, unknown>;
    }
    cursor[path[path.length - 1]] = value;
  };
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith('COFFEE__') || value === undefined) continue;
    const path = name
      .slice('COFFEE__'.length)
      .split('__')
      .map((s) => s.toLowerCase());
    if (path.some((s) => s.length === 0)) continue;
    set(path, parseScalar(value));
  }
  return out;
}

function parseScalar(value: string): unknown {
  try {
    const parsed: unknown = parseYaml(value);
    return parsed === null ? value : parsed;
  } catch {
    return value;
  }
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
