import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CLI_BIN } from '../node/config/paths.js';
import { CoffeeError, ErrorCode } from '../node/errors.js';
import { clientV8Flags } from '../node/v8-flags.js';
import { datasetBytes } from '../dataset/files.js';
import type { ClientResources, ClientSummary, Readers } from './options.js';

export interface ClientProcessOptions {
  data: string;
  out: string;
  gateways: string[];
  /** Progress bar and notices on our stderr (default: notices only). */
  progress?: boolean;
  /** Write report.html too (default true; the benchmark measures the pipeline without it). */
  htmlReport?: boolean;
  /** Processes the client reads its dataset with (client `--readers`; default auto). */
  readers?: Readers;
  /** Aborting it kills the client (SIGTERM); the run then rejects with an AbortError. */
  signal?: AbortSignal;
}

/** The command line of a client process (after `node`): its V8 flags (`clientV8Flags`), then the CLI's arguments. */
export function clientProcessArgs(opts: Omit<ClientProcessOptions, 'signal'>, summaryFile: string, v8Flags: readonly string[]): string[] {
  const args = [
    ...v8Flags,
    CLI_BIN,
    'client',
    '--data',
    opts.data,
    '--out',
    opts.out,
    '--gateways',
    opts.gateways.join(','),
    '--summary-json',
    summaryFile,
  ];
  args.push(opts.progress ? '--progress' : '--no-progress');
  if (opts.htmlReport === false) args.push('--no-html');
  if (opts.readers !== undefined) args.push('--readers', String(opts.readers));
  return args;
}

/**
 * Runs one client as its own OS process (`coffee-analysis client`), as a user would: several
 * clients then really run in parallel instead of sharing one event loop. Resolves with the
 * child's summary and the CPU and peak RSS it measured on itself.
 */
export async function runClientProcess(opts: ClientProcessOptions): Promise<ClientSummary & { resources: ClientResources }> {
  const flags = clientV8Flags(await datasetBytes(opts.data));
  const dir = mkdtempSync(path.join(os.tmpdir(), 'coffee-client-'));
  const summaryFile = path.join(dir, 'summary.json');
  const args = clientProcessArgs(opts, summaryFile, flags);
  return new Promise((resolve, reject) => {
    // With a progress bar the child draws on our terminal itself; otherwise we relay its lines.
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', opts.progress ? 'inherit' : 'pipe'], signal: opts.signal });
    let stderr = '';
    child.stderr?.on('data', (c: Buffer) => {
      stderr += c.toString();
      process.stderr.write(c);
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      try {
        if (code !== 0) {
          const line = stderr.trim().split('\n').pop() ?? '';
          reject(
            new CoffeeError(
              ErrorCode.CLIENT,
              `client for ${opts.data} exited with code ${code}${line ? `: ${line.replace(/^coffee-analysis: /, '')}` : ''}`,
            ),
          );
          return;
        }
        resolve(JSON.parse(readFileSync(summaryFile, 'utf8')) as ClientSummary & { resources: ClientResources });
      } catch (err) {
        reject(err instanceof Error ? err : new Error(String(err)));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}
