export * from './der.js';
export * from './pem.js';
export * from './oids.js';
export * from './certificate.js';
export * from './signature.js';
export * from './generate.js';
export * from './verify.js';
