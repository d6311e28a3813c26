import { mkdirSync, writeFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { ResultMeta } from '../protocol/wire/messages.js';
import { ProtocolError, ErrorCode } from '../node/errors.js';
import type { Q2ResultRow, Q3ResultRow, Q4ResultRow } from '../protocol/payloads/json.js';
import { mergeDataQuality, parseDataQuality, type DataQuality } from '../queries/data-quality.js';

/**
 * Collects a session's result messages. Q1 chunks (sorted runs, one run per partition) go
 * to a spool folder on disk so memory stays bounded; Q2–Q4 rows are small and stay in memory.
 * Duplicates (redeliveries after a gateway failover) are recognised by id and ignored.
 */
export class ResultCollector {
  private readonly ids = new Set<string>();
  readonly q1Chunks = new Map<number, number[]>(); // partition -> chunk indexes
  readonly q2: Q2ResultRow[] = [];
  readonly q3: Q3ResultRow[] = [];
  readonly q4: Q4ResultRow[] = [];
  /** The joining partitions' data-quality counts (summed by dataQuality()). */
  private readonly dq: Partial<DataQuality>[] = [];

  constructor(readonly spoolDir: string) {
    mkdirSync(spoolDir, { recursive: true });
  }

  get count(): number {
    return this.ids.size;
  }

  /** Stores one result; returns false for a duplicate. Durable enough to ack once it returns. */
  add(meta: ResultMeta, payload: Buffer): boolean {
    if (this.ids.has(meta.id)) return false;
    switch (meta.q) {
      case 'q1': {
        writeFileSync(this.chunkFile(meta.p, meta.k), payload);
        const ks = this.q1Chunks.get(meta.p) ?? [];
        ks.push(meta.k);
        this.q1Chunks.set(meta.p, ks);
        break;
      }
      case 'q2':
        this.q2.push(...parseRows<Q2ResultRow>(payload, meta));
        break;
      case 'q3':
        this.q3.push(...parseRows<Q3ResultRow>(payload, meta));
        break;
      case 'q4':
        this.q4.push(...parseRows<Q4ResultRow>(payload, meta));
        break;
      case 'dq':
        this.dq.push(parseDataQuality(parseJson(payload, meta)));
        break;
      default:
        throw new ProtocolError(ErrorCode.FRAME_MALFORMED, `result ${meta.id} for unknown report ${meta.q}`);
    }
    this.ids.add(meta.id);
    return true;
  }

  /** Rows with a missing store / item / user reference, summed over the partitions. */
  dataQuality(): DataQuality {
    return mergeDataQuality(this.dq);
  }

  chunkFile(p: number, k: number): string {
    return path.join(this.spoolDir, `q1-${p}-${k}.bin`);
  }

  dispose(): void {
    rmSync(this.spoolDir, { recursive: true, force: true });
  }
}

function parseJson(payload: Buffer, meta: ResultMeta): unknown {
  try {
    return JSON.parse(payload.toString('utf8')) as unknown;
  } catch (err) {
    throw new ProtocolError('ERR_FRAME_MALFORMED', `result ${meta.id}: ${(err as Error).message}`);
  }
}

function parseRows<T>(payload: Buffer, meta: ResultMeta): T[] {
  try {
    const rows = JSON.parse(payload.toString('utf8')) as unknown;
    if (!Array.isArray(rows)) throw new Error('not an array');
    return rows as T[];
  } catch (err) {
    throw new ProtocolError(ErrorCode.FRAME_MALFORMED, `result ${meta.id}: ${(err as Error).message}`);
  }
}
