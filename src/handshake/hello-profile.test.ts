import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { GREASE_VALUES } from '../registry/codepoints.js';
import { greasePicker } from './hello-profile.js';

test('greasePicker: GREASE values, 16 distinct ones for indices 0..15 whatever the seed (the two GREASE extensions never share a type)', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (seed) => {
      const pick = greasePicker(seed);
      const values = Array.from({ length: 16 }, (_, i) => pick(i));
      assert.ok(values.every((v) => GREASE_VALUES.includes(v)));
      assert.equal(new Set(values).size, 16);
      // deterministic for one seed
      assert.equal(greasePicker(seed)(8), pick(8));
    }),
  );
  // the seed that collided before: bytes 8 and 9 one apart (seed[8] + 8 ≡ seed[9] + 9 mod 16)
  const seed = new Uint8Array(32);
  seed[8] = 5;
  seed[9] = 4;
  assert.notEqual(greasePicker(seed)(8), greasePicker(seed)(9));
});
