export * from './alerts.js';
export * from './codepoints.js';
export * from './names.js';
