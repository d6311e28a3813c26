import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../../node/config/paths.js';
import type { NodeSpec } from './node-spec.js';

/** Starts a node from its spec; the local runner spawns a process, a Docker runner would start a container. */
export interface RestartRunner {
  /** Starts the node and resolves with its pid once it is spawned. */
  start(spec: NodeSpec): Promise<number>;
}

/**
 * The environment a node starts with: the starter's, minus its own component overrides
 * (`COFFEE__*`: an Egg of Life's `COFFEE__PORT` must not become a gateway's port), plus the spec's.
 */
export function nodeEnv(spec: NodeSpec, base: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(base)) if (v !== undefined && !k.startsWith('COFFEE__')) env[k] = v;
  return { ...env, ...spec.env };
}

/**
 * Spawns `process.execPath ...spec.args` detached (own process group, unref'd) with stdout and
 * stderr appended to `<logDir>/<id>.log`: a restarted node depends on no pipe of its starter
 * and survives it.
 */
export class LocalProcessRunner implements RestartRunner {
  constructor(private readonly logDir: string) {}

  logFile(id: string): string {
    return path.join(this.logDir, `${id}.log`);
  }

  async start(spec: NodeSpec): Promise<number> {
    mkdirSync(this.logDir, { recursive: true });
    const fd = openSync(this.logFile(spec.id), 'a');
    try {
      const child = spawn(process.execPath, spec.args, { detached: true, stdio: ['ignore', fd, fd], env: nodeEnv(spec), cwd: REPO_ROOT });
      await new Promise<void>((resolve, reject) => {
        child.once('spawn', resolve);
        child.once('error', reject);
      });
      child.unref();
      if (child.pid === undefined) throw new Error(`could not start ${spec.id}`);
      return child.pid;
    } finally {
      // The child holds its own copy of the descriptor.
      closeSync(fd);
    }
  }
}
