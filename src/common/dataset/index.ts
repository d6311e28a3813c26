export * from './tables.js';
export * from './time.js';
export * from './fields.js';
export * from './rows.js';
export * from './files.js';
export * from './batch-codec.js';
export * from './reader.js';
