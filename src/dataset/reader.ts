import { CsvParser, DEFAULT_MAX_RECORD_BYTES } from './csv/parser.js';
import { FastRowDecoder } from './fast-rows.js';
import { UUID_TEXT_BYTES } from './uuid-bytes.js';
import { CSV_READ_CHUNK, forEachCsvRecord } from './csv/file.js';
import { fileChunks } from './csv/chunks.js';
import type { CsvRecord } from './csv/record.js';
import { DatasetError, RecordTooLargeError } from '../node/errors.js';
import { BatchEncoder, BATCH_HEADER_BYTES } from './batch-codec.js';
import { listTableFiles, type TableFile } from './files.js';
import { RowParser, type RejectedRow } from './rows.js';
import { TABLES, type RowView, type TableName } from './tables.js';

export const DEFAULT_MAX_BATCH_BYTES = 256 * 1024;

/** Files [from, to) of a table, in name order. */
export interface FileRange {
  from: number;
  to: number;
}
/** A batch is cut when this many rejects accumulated (bounds memory on a bad file). */
export const MAX_REJECTS_PER_BATCH = 1000;

export interface TableBatch {
  payload: Buffer;
  rows: number;
  rejects: RejectedRow[];
  /** Raw file bytes consumed since the previous batch (the batches of a table sum to its files' sizes). */
  inputBytes: number;
}

function emptyFile(f: TableFile): DatasetError {
  return new DatasetError(`${f.name}: empty file, a header row is required`);
}

/** Appends the row just parsed by rp (from rec) to the encoder: numeric values in wire order, then the text field. */
function encodeRecord(rp: RowParser, enc: BatchEncoder, rec: CsvRecord): void {
  const values = rp.values;
  for (let k = 0; k < values.length; k++) enc.setNum(k, values[k]);
  if (rp.textField >= 0) enc.setStringFromRecord(rec, rp.textField);
  enc.commitRow();
}

/** How `readTableBatches` reads a table. */
export interface ReadTableOptions {
  maxBatchBytes?: number;
  maxRecordBytes?: number;
  maxRowBytes?: number;
  /** The one-pass decoder for plain lines (fast-rows.ts); false: every record the generic way (tests compare both). */
  fastPath?: boolean;
  /** Only the table's files [from, to) in name order (a table read by two processes, client --readers 2). */
  files?: FileRange;
}

/**
 * The state of one table's read, and its row loop (`drain`) as a method: one function for every
 * file and every table read in the process. The loop was a closure made per file, and each
 * file's new closure (calling that file's new decoder) was compiled by V8 again: ~350 ms of
 * TurboFan per pass over the transactions' files, against ~255 ms now (issue 11). For the same
 * reason one decoder serves all the files of a read that share a column plan.
 */
class TableBatcher {
  readonly enc: BatchEncoder;
  readonly maxBytes: number;
  readonly maxRowBytes: number;
  rejects: RejectedRow[] = [];
  /** Bytes of the files finished so far. */
  doneBytes = 0;
  /** Absolute (over all files) byte position of the previous cut. */
  cutAt = 0;
  pendingRows = 0;
  /**
   * Completed batches; the newest is held back so that bytes after the last row (blank
   * lines, later files' headers) can still be added to its inputBytes at the end.
   */
  readonly ready: TableBatch[] = [];
  /**
   * Fast rows that still fit the current batch without a size check (each adds exactly
   * `fastRowBytes`); 0: check the size before the next one. Anything else that changes the
   * batch sets it to 0, so cuts fall exactly where checking every row would put them.
   */
  fastRoom = 0;
  // The file being read.
  file = '';
  parser: CsvParser;
  rp: RowParser | null = null;
  fast: FastRowDecoder | null = null;
  fastRowBytes = 0;
  /** The last file's decoder, taken again by a file with the same column plan. */
  private lastFast: FastRowDecoder | null = null;

  constructor(
    readonly table: TableName,
    readonly options: ReadTableOptions,
  ) {
    this.maxBytes = options.maxBatchBytes ?? DEFAULT_MAX_BATCH_BYTES;
    // A row that alone exceeds what one batch may carry (the frame limit) is rejected like any
    // invalid row, naming it, rather than failing the whole run at the gateway.
    this.maxRowBytes = options.maxRowBytes ?? Infinity;
    this.enc = new BatchEncoder(table, 4096);
    this.parser = new CsvParser(options.maxRecordBytes);
  }

  startFile(name: string): void {
    this.file = name;
    this.parser = new CsvParser(this.options.maxRecordBytes);
    this.rp = null;
    this.fast = null;
    this.fastRowBytes = 0;
  }

  cut(at: number): void {
    this.ready.push({ payload: this.enc.finish(), rows: this.pendingRows, rejects: this.rejects, inputBytes: at - this.cutAt });
    this.pendingRows = 0;
    this.rejects = [];
    this.cutAt = at;
    this.fastRoom = 0;
  }

  /** Takes every record the parser has (plain lines of the big tables through the one-pass decoder). */
  drain(): void {
    const { parser, enc, maxBytes } = this;
    for (;;) {
      // Plain lines of the big tables go through the one-pass decoder; it leaves anything
      // else (quotes, blank lines, invalid values, a line split across chunks) to the generic path.
      // (Its rows pack their id: a batch whose ids turned to text takes them the generic way.)
      const fast = this.fast;
      if (fast !== null && enc.takesPackedRows && parser.fastReady()) {
        if (this.fastRoom <= 0) {
          if (this.pendingRows > 0 && enc.byteLength + this.fastRowBytes > maxBytes) this.cut(this.doneBytes + parser.consumed);
          this.fastRoom = Math.floor((maxBytes - enc.byteLength) / this.fastRowBytes);
        }
        const next = fast.decode(parser.buffer, parser.position, enc);
        if (next >= 0 && parser.plainUpTo(fast.lineEnd)) {
          enc.commitRow();
          this.pendingRows++;
          this.fastRoom--;
          parser.consumeLine(next);
          continue;
        }
      }
      if (!parser.next()) break;
      this.record(parser.record);
    }
  }

  /** One record the generic way: the header, or a row parsed, checked and encoded (or rejected). */
  private record(rec: CsvRecord): void {
    const rp = this.rp;
    if (rp === null) {
      const header = new RowParser(this.table, rec, this.file);
      this.rp = header;
      // Its rows are small (numbers and a 36-byte id): never over maxRowBytes unless that is tiny.
      this.fastRowBytes = this.enc.packedRowBytes;
      if (
        this.options.fastPath !== false &&
        BATCH_HEADER_BYTES + 4 + this.enc.rowBytes(header.textField >= 0 ? UUID_TEXT_BYTES : 0) <= this.maxRowBytes
      ) {
        this.fast = FastRowDecoder.for(header, this.options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES, this.lastFast);
        if (this.fast !== null) this.lastFast = this.fast;
      }
      return;
    }
    const reason = rp.parse(rec);
    if (reason !== null) {
      this.reject(rec, reason);
      return;
    }
    const strBytes = rp.textField >= 0 ? rec.ends[rp.textField] - rec.starts[rp.textField] : 0;
    if (BATCH_HEADER_BYTES + 4 + this.enc.rowBytes(strBytes) > this.maxRowBytes) {
      this.reject(rec, `row too large: one batch holds at most ${this.maxRowBytes} bytes`);
      return;
    }
    if (this.pendingRows > 0) {
      const tf = rp.textField;
      const packs = tf >= 0 && this.enc.wouldPack(rec.buf, rec.starts[tf], rec.ends[tf]);
      if (this.enc.byteLengthWith(strBytes, packs) > this.maxBytes) this.cut(this.doneBytes + rec.byteStart);
    }
    encodeRecord(rp, this.enc, rec);
    this.pendingRows++;
    this.fastRoom = 0;
  }

  private reject(rec: CsvRecord, reason: string): void {
    this.rejects.push({ file: this.file, line: rec.line, reason });
    if (this.rejects.length >= MAX_REJECTS_PER_BATCH) this.cut(this.doneBytes + rec.byteEnd);
  }
}

/**
 * Streams a table's files (in name order) as encoded batches of at most maxBatchBytes
 * (a single row larger than that still makes its own batch). Only the needed columns are
 * parsed; invalid rows are skipped and reported in `rejects` of the batch that follows them.
 * Throws DatasetError for a missing folder, an empty file or a missing required column.
 */
export async function* readTableBatches(dataDir: string, table: TableName, options: ReadTableOptions = {}): AsyncGenerator<TableBatch> {
  const all = await listTableFiles(dataDir, table);
  const files = options.files ? all.slice(options.files.from, options.files.to) : all;
  const t = new TableBatcher(table, options);
  const ready = t.ready;
  for (const f of files) {
    t.startFile(f.name);
    let fileBytes = 0;
    // Each chunk is parsed and drained before the next is taken (fileChunks' contract).
    for await (const chunk of fileChunks(f.path, CSV_READ_CHUNK)) {
      fileBytes += chunk.length;
      inFile(f.name, () => {
        t.parser.feed(chunk);
        t.drain();
      });
      while (ready.length > 1) yield ready.shift()!;
    }
    t.parser.end();
    inFile(f.name, () => t.drain());
    if (t.rp === null) throw emptyFile(f);
    t.doneBytes += fileBytes;
    while (ready.length > 1) yield ready.shift()!;
  }
  if (t.pendingRows > 0 || t.rejects.length > 0) t.cut(t.doneBytes);
  else if (ready.length > 0) ready[ready.length - 1].inputBytes += t.doneBytes - t.cutAt;
  while (ready.length > 0) yield ready.shift()!;
}

/** Runs `step`, naming `file` in a RecordTooLargeError it throws. */
function inFile(file: string, step: () => void): void {
  try {
    step();
  } catch (err) {
    throw err instanceof RecordTooLargeError ? err.inFile(file) : err;
  }
}

/**
 * Calls `visitor` with a reused row view for every valid row of a table (file and line
 * order), `onReject` for every invalid one. No batch encoding: the reference's fast path.
 */
export async function forEachRow<T extends TableName>(
  dataDir: string,
  table: T,
  visitor: (row: RowView<T>) => void,
  onReject?: (r: RejectedRow) => void,
): Promise<{ rows: number; rejected: number; inputBytes: number }> {
  const files = await listTableFiles(dataDir, table);
  let rows = 0;
  let rejected = 0;
  let inputBytes = 0;
  for (const f of files) {
    let rp: RowParser<T> | null = null;
    const res = await forEachCsvRecord(f.path, (rec) => {
      if (rp === null) {
        rp = new RowParser(table, rec, f.name);
        return;
      }
      const reason = rp.parse(rec);
      if (reason === null) {
        rows++;
        visitor(rp.row);
      } else {
        rejected++;
        onReject?.({ file: f.name, line: rec.line, reason });
      }
    });
    if (rp === null) throw emptyFile(f);
    inputBytes += res.bytes;
  }
  return { rows, rejected, inputBytes };
}

/**
 * Checks every table folder and every file's header before anything is sent, so a broken
 * dataset fails fast with a DatasetError. Returns the files per table.
 */
export async function validateDataset(dataDir: string): Promise<Record<TableName, TableFile[]>> {
  const out = {} as Record<TableName, TableFile[]>;
  for (const table of TABLES) {
    const files = await listTableFiles(dataDir, table);
    for (const f of files) {
      let seen = false;
      await forEachCsvRecord(
        f.path,
        (rec) => {
          seen = true;
          new RowParser(table, rec, f.name);
          return false;
        },
        { highWaterMark: 64 * 1024 },
      );
      if (!seen) throw emptyFile(f);
    }
    out[table] = files;
  }
  return out;
}
