// Long soak (not part of `npm test`): every handshake scenario of the chunking suite, seed after
// seed, with varied piece sizes and pauses, until SOAK_SECONDS (default 300) have passed or a
// failure is found. A failure prints the scenario, the seed and what both sides and the proxy saw;
// replay it with SOAK_SEED=<seed> SOAK_ROUNDS=1 SOAK_ONLY="<part of the scenario name>".
//   npm run soak                          # 5 minutes
//   SOAK_SECONDS=3600 npm run soak        # an hour
// Odd seeds run SOAK_PARALLEL (default 8) clients at once after each scenario's first connection.
import { allScenarios, runScenario, scenarioName } from '../helpers/handshake-scenarios.js';

const seconds = Number(process.env['SOAK_SECONDS'] ?? 300);
const only = process.env['SOAK_ONLY'];
const firstSeed = Number(process.env['SOAK_SEED'] ?? 1000);
const rounds = Number(process.env['SOAK_ROUNDS'] ?? Infinity);
// clients at once after each scenario's first connection (every other seed; SOAK_PARALLEL, default 8)
const parallel = Number(process.env['SOAK_PARALLEL'] ?? 8);
const scenarios = allScenarios().filter((s) => only === undefined || scenarioName(s).includes(only));
const deadline = Date.now() + seconds * 1000;
let handshakes = 0;
let failures = 0;

// piece sizes and pauses vary with the seed: byte by byte, small random pieces, whole flights cut at random points
function chunking(seed: number): { maxPiece: number; timerProbability: number; maxDelayMs: number; seed: number } {
  const kinds = [
    { maxPiece: 1, timerProbability: 0.001, maxDelayMs: 2 },
    { maxPiece: 7, timerProbability: 0.02, maxDelayMs: 3 },
    { maxPiece: 64, timerProbability: 0.1, maxDelayMs: 5 },
    { maxPiece: 3000, timerProbability: 0.5, maxDelayMs: 10 },
  ];
  return { ...kinds[seed % kinds.length]!, seed };
}

for (let seed = firstSeed; Date.now() < deadline && seed < firstSeed + rounds; seed++) {
  for (const s of scenarios) {
    if (Date.now() >= deadline) break;
    try {
      const r = await runScenario(s, { chunking: chunking(seed), connections: 4, timeoutMs: 20_000, parallel: seed % 2 === 0 ? 1 : parallel });
      handshakes += r.handshakes;
    } catch (e) {
      failures++;
      console.error(`FAIL ${scenarioName(s)} seed ${seed}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  if (seed % 10 === 0) console.log(`seed ${seed}: ${handshakes} handshakes, ${failures} failures`);
}
console.log(`${handshakes} handshakes, ${failures} failures (${scenarios.length} scenarios)`);
process.exit(failures > 0 ? 1 : 0);
