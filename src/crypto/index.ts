export * from './provider.js';
export { nodeCryptoProvider, createNodeCryptoProvider, type NodeCryptoProviderOptions } from './node-provider.js';
export { createScriptedProvider, type ProviderScript, type ScriptedProvider, type ScriptedX25519Key } from './test-provider.js';
