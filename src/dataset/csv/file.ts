import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import { CsvParser } from './parser.js';
import { RecordTooLargeError } from '../../node/errors.js';
import type { CsvRecord } from './record.js';

/** Read chunk size: large chunks keep the per-chunk overhead (and boundary copies) negligible. */
export const CSV_READ_CHUNK = 1 << 20;

/**
 * Streams a CSV file and calls `onRecord` for every record (the same reused CsvRecord view:
 * copy what you keep). Returning `false` from the callback stops reading. Never holds more
 * than one chunk plus one partial record in memory. Resolves to the bytes read.
 */
export async function forEachCsvRecord(
  path: string,
  onRecord: (rec: CsvRecord) => boolean | void,
  options: { highWaterMark?: number } = {},
): Promise<{ bytes: number; records: number }> {
  const stream = createReadStream(path, { highWaterMark: options.highWaterMark ?? CSV_READ_CHUNK });
  const parser = new CsvParser();
  let records = 0;
  let bytes = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      bytes += chunk.length;
      parser.feed(chunk);
      while (parser.next()) {
        records++;
        if (onRecord(parser.record) === false) return { bytes, records };
      }
    }
    parser.end();
    while (parser.next()) {
      records++;
      if (onRecord(parser.record) === false) break;
    }
  } catch (err) {
    throw err instanceof RecordTooLargeError ? err.inFile(basename(path)) : err;
  } finally {
    stream.destroy();
  }
  return { bytes, records };
}

/** Parses a whole in-memory CSV text into string arrays (tests, small files). */
export function parseCsvString(input: string | Buffer): { fields: string[]; line: number; error: string | null }[] {
  const parser = new CsvParser();
  parser.feed(typeof input === 'string' ? Buffer.from(input, 'utf8') : input);
  parser.end();
  const out: { fields: string[]; line: number; error: string | null }[] = [];
  while (parser.next()) {
    const r = parser.record;
    out.push({ fields: r.toArray(), line: r.line, error: r.error });
  }
  return out;
}
