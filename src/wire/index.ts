export * from './reader.js';
export * from './writer.js';
export * from './bytes.js';
