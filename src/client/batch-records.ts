import type { TableBatch } from '../dataset/reader.js';
import type { RejectedRow } from '../dataset/rows.js';
import type { ClientResources } from './options.js';

/**
 * The byte stream from a reader process to its client (reader-process.ts): one record per
 * encoded batch, then one that ends the stream. Little-endian; a record is
 *
 *   kind u8 | rows u32 | inputBytes f64 | rejects u32 | payload u32 | rejects JSON | payload   (BATCH)
 *   kind u8 | length u32 | JSON                                                              (DONE, FAILED)
 *
 * DONE carries what the reader process used (its CPU and peak RSS, counted in the client's own);
 * FAILED carries the error that stopped it (code and message), raised again in the client.
 * Both ends are this project's, so the decoder's checks are for a broken stream, not an attacker.
 */
export const RecordKind = { BATCH: 1, DONE: 2, FAILED: 3 } as const;

const BATCH_HEAD = 1 + 4 + 8 + 4 + 4;
const JSON_HEAD = 1 + 4;
/** A batch payload or a record's JSON larger than this is a broken stream (batches are bounded by a frame: 8 MiB). */
const MAX_PART_BYTES = 1 << 30;

/** The error that stopped a reader process. */
export interface ReaderFailure {
  code: string;
  message: string;
}

export type ReaderRecord =
  | { kind: typeof RecordKind.BATCH; batch: TableBatch }
  | { kind: typeof RecordKind.DONE; resources: ClientResources }
  | { kind: typeof RecordKind.FAILED; failure: ReaderFailure };

/** The head and rejects of a batch record; the payload follows it as it is (no copy). */
export function encodeBatchRecordHead(b: TableBatch): Buffer {
  const rejects = b.rejects.length > 0 ? Buffer.from(JSON.stringify(b.rejects)) : Buffer.alloc(0);
  const head = Buffer.allocUnsafe(BATCH_HEAD + rejects.length);
  head.writeUInt8(RecordKind.BATCH, 0);
  head.writeUInt32LE(b.rows, 1);
  head.writeDoubleLE(b.inputBytes, 5);
  head.writeUInt32LE(rejects.length, 13);
  head.writeUInt32LE(b.payload.length, 17);
  rejects.copy(head, BATCH_HEAD);
  return head;
}

export function encodeJsonRecord(kind: typeof RecordKind.DONE | typeof RecordKind.FAILED, value: ClientResources | ReaderFailure): Buffer {
  const json = Buffer.from(JSON.stringify(value));
  const out = Buffer.allocUnsafe(JSON_HEAD + json.length);
  out.writeUInt8(kind, 0);
  out.writeUInt32LE(json.length, 1);
  json.copy(out, JSON_HEAD);
  return out;
}

/**
 * Cuts records out of the chunks a pipe delivers. Chunks are kept as they came and copied once,
 * into the record's own buffers, when a whole record is there.
 */
export class ReaderRecordDecoder {
  private chunks: Buffer[] = [];
  private buffered = 0;

  /** Adds a chunk; returns the records it completed. Throws on a broken stream. */
  push(chunk: Buffer): ReaderRecord[] {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const out: ReaderRecord[] = [];
    for (;;) {
      const r = this.next();
      if (r === null) return out;
      out.push(r);
    }
  }

  /** Bytes of an unfinished record (non-zero when the stream ends: it was cut short). */
  get pending(): number {
    return this.buffered;
  }

  private next(): ReaderRecord | null {
    if (this.buffered < JSON_HEAD) return null;
    const kind = this.peek(1).readUInt8(0);
    if (kind === RecordKind.BATCH) {
      if (this.buffered < BATCH_HEAD) return null;
      const head = this.peek(BATCH_HEAD);
      const rejectsLen = head.readUInt32LE(13);
      const payloadLen = head.readUInt32LE(17);
      if (rejectsLen > MAX_PART_BYTES || payloadLen > MAX_PART_BYTES)
        throw new Error(`reader stream: a record of ${rejectsLen + payloadLen} bytes`);
      if (this.buffered < BATCH_HEAD + rejectsLen + payloadLen) return null;
      this.take(BATCH_HEAD);
      const rejects = rejectsLen > 0 ? (JSON.parse(this.take(rejectsLen).toString()) as RejectedRow[]) : [];
      const payload = this.take(payloadLen);
      return { kind, batch: { payload, rows: head.readUInt32LE(1), inputBytes: head.readDoubleLE(5), rejects } };
    }
    if (kind !== RecordKind.DONE && kind !== RecordKind.FAILED) throw new Error(`reader stream: unknown record kind ${kind}`);
    const len = this.peek(JSON_HEAD).readUInt32LE(1);
    if (len > MAX_PART_BYTES) throw new Error(`reader stream: a record of ${len} bytes`);
    if (this.buffered < JSON_HEAD + len) return null;
    this.take(JSON_HEAD);
    const value: unknown = JSON.parse(this.take(len).toString());
    return kind === RecordKind.DONE ? { kind, resources: value as ClientResources } : { kind, failure: value as ReaderFailure };
  }

  /** The first n buffered bytes (n ≤ buffered), without consuming them. */
  private peek(n: number): Buffer {
    if (this.chunks[0].length >= n) return this.chunks[0];
    // Only the chunks the head spans are joined (the rest may be megabytes of payload).
    let k = 0;
    for (let have = 0; have < n; k++) have += this.chunks[k].length;
    this.chunks.splice(0, k, Buffer.concat(this.chunks.slice(0, k)));
    return this.chunks[0];
  }

  /** Consumes the first n buffered bytes into a buffer of their own. */
  private take(n: number): Buffer {
    const out = Buffer.allocUnsafe(n);
    let off = 0;
    while (off < n) {
      const c = this.chunks[0];
      const k = Math.min(c.length, n - off);
      c.copy(out, off, 0, k);
      off += k;
      if (k === c.length) this.chunks.shift();
      else this.chunks[0] = c.subarray(k);
    }
    this.buffered -= n;
    return out;
  }
}
