export { computeReference, writeReports, type ReferenceResult } from './compute.js';
