import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { nodeCryptoProvider as provider } from '../crypto/node-provider.js';
import { TlsError } from '../errors.js';
import {
  decodeSessionState,
  encodeSessionState,
  MAX_TICKET_LENGTH,
  openSession,
  openTicket,
  peerIdentity,
  sealSession,
  sealTicket,
  TicketPurpose,
  type PeerIdentity,
  type SessionState,
} from './ticket.js';
import { TicketKeyring } from './ticket-keys.js';

const runs = Number(process.env.FUZZ_RUNS ?? 200);
const bytes = (min: number, max: number): fc.Arbitrary<Uint8Array> => fc.uint8Array({ minLength: min, maxLength: max });
const name = fc.option(fc.stringMatching(/^[a-z0-9.-]{1,40}$/), { nil: undefined });
const peerArb: fc.Arbitrary<PeerIdentity> = fc.oneof(
  fc.constant({ kind: 'none' as const }),
  fc.record({ chain: fc.array(bytes(1, 300), { minLength: 1, maxLength: 4 }), verified: fc.boolean() }).map((p) => ({ kind: 'certificates' as const, ...p })),
  fc.record({ sha256: bytes(32, 32), verified: fc.boolean() }).map((p) => ({ kind: 'digest' as const, ...p })),
);
const common = {
  cipherSuite: fc.integer({ min: 0, max: 0xffff }),
  issuedAt: fc.integer({ min: 0, max: 2 ** 45 }),
  lifetime: fc.integer({ min: 0, max: 604800 }),
  serverName: name,
  alpn: name,
  peer: peerArb,
};
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const state13 = fc.record({
  version: fc.constant(0x0304 as const),
  ...common,
  psk: fc.oneof(bytes(32, 32), bytes(48, 48)),
  ticketAgeAdd: u32,
  maxEarlyDataSize: u32,
  rttMs: u32,
});
const state12 = fc.record({
  version: fc.constant(0x0303 as const),
  ...common,
  masterSecret: bytes(48, 48),
  extendedMasterSecret: fc.boolean(),
});
const stateArb: fc.Arbitrary<SessionState> = fc.oneof(state13, state12);

test('session state codec: round trip; no strict prefix decodes; trailing bytes rejected', () => {
  fc.assert(
    fc.property(stateArb, (s) => {
      const enc = encodeSessionState(s);
      assert.deepEqual(decodeSessionState(enc), structuredClone(s));
      for (const cut of [0, 1, enc.length >> 1, enc.length - 1]) {
        assert.throws(() => decodeSessionState(enc.subarray(0, cut)), (e: unknown) => e instanceof TlsError && e.code === 'ERR_TLS_DECODE_ERROR');
      }
      const longer = new Uint8Array(enc.length + 1);
      longer.set(enc);
      assert.throws(() => decodeSessionState(longer), TlsError);
    }),
    { numRuns: runs },
  );
});

test('session state codec: random bytes give a decode_error TlsError or a state, never another exception', () => {
  fc.assert(
    fc.property(bytes(0, 200), (b) => {
      try {
        decodeSessionState(b);
      } catch (e) {
        assert.ok(e instanceof TlsError && e.code === 'ERR_TLS_DECODE_ERROR', String(e));
      }
    }),
    { numRuns: runs },
  );
  // an unknown format version is refused
  assert.throws(() => decodeSessionState(new Uint8Array([2, 3, 4])), TlsError);
});

test('seal/open: round trip; any truncation, extension or single-bit flip is simply unknown (null)', () => {
  const keys = new TicketKeyring({ provider });
  fc.assert(
    fc.property(stateArb, fc.nat(), (s, pick) => {
      const now = s.issuedAt + 1;
      const state = { ...s, lifetime: Math.max(1, s.lifetime) };
      const t = sealSession(keys, provider, TicketPurpose.storeValue, state);
      assert.deepEqual(openSession(keys, provider, TicketPurpose.storeValue, t, now), structuredClone(state));
      assert.equal(openSession(keys, provider, TicketPurpose.storeValue, t.subarray(0, pick % t.length), now), null);
      const flipped = t.slice();
      const i = pick % t.length;
      flipped[i] = flipped[i]! ^ (1 << pick % 8);
      assert.equal(openSession(keys, provider, TicketPurpose.storeValue, flipped, now), null);
      const ext = new Uint8Array(t.length + 1);
      ext.set(t);
      assert.equal(openSession(keys, provider, TicketPurpose.storeValue, ext, now), null);
    }),
    { numRuns: Math.min(runs, 100) },
  );
});

test('seal/open: purpose binds (a store value never opens as a ticket), lifetime enforced, bounded input', () => {
  const keys = new TicketKeyring({ provider });
  const s: SessionState = {
    version: 0x0304,
    cipherSuite: 0x1301,
    issuedAt: 1_000_000,
    lifetime: 10,
    serverName: 'example.com',
    alpn: 'h2',
    peer: { kind: 'none' },
    psk: new Uint8Array(32).fill(7),
    ticketAgeAdd: 5,
    maxEarlyDataSize: 0,
    rttMs: 0,
  };
  const stored = sealSession(keys, provider, TicketPurpose.storeValue, s);
  assert.equal(openSession(keys, provider, TicketPurpose.tls13Ticket, stored, 1_000_001), null);
  const t = sealSession(keys, provider, TicketPurpose.tls13Ticket, s);
  assert.notEqual(openSession(keys, provider, TicketPurpose.tls13Ticket, t, 1_000_001), null);
  assert.equal(openSession(keys, provider, TicketPurpose.tls12Ticket, t, 1_000_001), null);
  assert.equal(openSession(keys, provider, TicketPurpose.tls13Ticket, t, 1_010_000), null, 'past its lifetime');
  assert.equal(openSession(keys, provider, TicketPurpose.tls13Ticket, t, 1_000_000 - 120_000), null, 'issued in the future');
  assert.equal(openTicket(keys, provider, TicketPurpose.tls13Ticket, new Uint8Array(MAX_TICKET_LENGTH + 1)), null);
  assert.equal(openTicket(keys, provider, TicketPurpose.tls13Ticket, new Uint8Array(10)), null);
  assert.throws(() => sealTicket(keys, provider, TicketPurpose.tls13Ticket, new Uint8Array(MAX_TICKET_LENGTH)), TlsError);
  // two seals of the same state differ (random nonce)
  assert.notDeepEqual(sealSession(keys, provider, TicketPurpose.tls13Ticket, s), t);
});

test('peerIdentity: none, the chain when small, a SHA-256 digest when big', () => {
  assert.deepEqual(peerIdentity(provider, []), { kind: 'none' });
  assert.equal(peerIdentity(provider, [new Uint8Array(100)]).kind, 'certificates');
  const big = peerIdentity(provider, [new Uint8Array(20000)]);
  assert.equal(big.kind, 'digest');
  assert.equal(big.kind === 'digest' ? big.sha256.length : 0, 32);
});

test('peer identity: the original verification verdict survives the codec; states without it read as unverified', () => {
  const base = { version: 0x0304 as const, cipherSuite: 0x1301, issuedAt: 1, lifetime: 60, serverName: undefined, alpn: undefined, psk: new Uint8Array(32), ticketAgeAdd: 0, maxEarlyDataSize: 0, rttMs: 0 };
  for (const verified of [true, false]) {
    const peer = peerIdentity(provider, [new Uint8Array(100).fill(7)], undefined, verified);
    const back = decodeSessionState(encodeSessionState({ ...base, peer })).peer;
    assert.equal(back.kind !== 'none' && back.verified, verified);
  }
  // the kind byte without the verified bit (as written before the flag existed)
  const enc = encodeSessionState({ ...base, peer: { kind: 'certificates', chain: [new Uint8Array(3)] } });
  const back = decodeSessionState(enc).peer;
  assert.equal(back.kind === 'certificates' && back.verified, false);
  // 'none' with the verified bit set is not a valid state
  const none = encodeSessionState({ ...base, peer: { kind: 'none' } });
  const at = none.indexOf(0, 1 + 2 + 2 + 8 + 4 + 1 + 1);
  const bad = none.slice();
  bad[at] = 0x80;
  assert.throws(() => decodeSessionState(bad), (e: unknown) => e instanceof TlsError && e.code === 'ERR_TLS_DECODE_ERROR');
});
