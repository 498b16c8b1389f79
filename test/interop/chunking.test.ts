// Handshakes through a proxy that re-cuts the TCP stream (1-byte pieces, random pieces, random
// pauses), between node:tls and tlskit both ways and tlskit with itself: full and resumed, TLS 1.3
// and 1.2, with client certificates, with 0-RTT. Bounded: a fixed set of seeds, a few hundred
// handshakes, each exchange within 10 s. `npm run soak` runs the same scenarios for longer.
import { describe, it } from 'node:test';
import { allScenarios, runScenario, scenarioName } from '../helpers/handshake-scenarios.js';

const TIMEOUT_MS = 10_000;

describe('handshakes through a stream-splitting proxy', () => {
  for (const s of allScenarios()) {
    it(`${scenarioName(s)}: byte by byte, and in random pieces with random pauses`, async () => {
      // byte by byte, each byte a turn of the event loop apart
      await runScenario(s, { chunking: { maxPiece: 1, timerProbability: 0, maxDelayMs: 0, seed: 1 }, connections: 2, timeoutMs: TIMEOUT_MS });
      // random pieces of 1..40 bytes, now and then a 1-3 ms pause
      for (const seed of [2, 3]) {
        await runScenario(s, { chunking: { maxPiece: 40, timerProbability: 0.02, maxDelayMs: 3, seed }, connections: 4, timeoutMs: TIMEOUT_MS });
      }
      // large pieces, frequent pauses (whole flights split at random points)
      await runScenario(s, { chunking: { maxPiece: 2000, timerProbability: 0.5, maxDelayMs: 2, seed: 5 }, connections: 4, timeoutMs: TIMEOUT_MS });
    });
  }
});
