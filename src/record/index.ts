export * from './alert.js';
export * from './byte-queue.js';
export * from './deframer.js';
export * from './fragment.js';
export * from './plaintext.js';
export * from './protection13.js';
export * from './reassembler.js';
export * from './sequence.js';
