export { CsvParser } from './parser.js';
export { CsvRecord, FIELD_QUOTED, FIELD_ESCAPES } from './record.js';
export { forEachCsvRecord, parseCsvString, CSV_READ_CHUNK } from './file.js';
