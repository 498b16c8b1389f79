/**
 * How many cryptographic calls one handshake makes, per side and per kind (HMACs, digests, AEAD
 * keys and records, key exchange, signatures, random), counted through a CryptoProvider wrapper
 * (src/crypto/counting-provider.ts) between two in-memory connections, in the steady state (a
 * warm-up connection first: per-provider caches such as Hash("") are filled).
 *
 * Each count is pinned to an upper bound, so a change that adds work to the handshake (a secret
 * computed twice, a digest of the same transcript point twice, an AEAD key per ticket, ...) fails
 * here by op count rather than by timing. Bounds are exact today; when a change removes work,
 * lower them. `CRYPTO_OPS_PRINT=1` prints the measured counts.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Connection, type ConnectionEvents } from './connection.js';
import { clientConfig, serverConfig, type CertifiedKey, type ClientConfigOptions, type ServerConfigOptions } from '../handshake/config.js';
import type { ClientSession } from '../handshake/resumption12.js';
import { nodeCryptoProvider } from '../crypto/node-provider.js';
import { createCountingProvider, diffCounts, type CountingProvider, type CryptoOpCounts } from '../crypto/counting-provider.js';
import { generateTestPki } from '../x509/generate.js';
import { createDefaultVerifier, type CertificateVerifier } from '../x509/verify.js';
import { CipherSuite, NamedGroup, ProtocolVersion } from '../registry/codepoints.js';
import { ServerSessions } from '../session/server-sessions.js';
import { TicketKeyring } from '../session/ticket-keys.js';
import { pumpAsync } from '../../test/helpers/connection-pair.js';

const pki = generateTestPki(nodeCryptoProvider, { keyKinds: ['p256'] });
const leaf = pki.leaves.p256;
if (leaf === undefined) throw new Error('no leaf');
const cert: CertifiedKey = { chain: [leaf.certDer, pki.intermediate.certDer], key: leaf.key, names: ['localhost'] };

interface End {
  conn: Connection;
  sessions: ClientSession[];
  errors: Error[];
  secure: boolean;
}

interface Scenario {
  readonly client: Partial<ClientConfigOptions>;
  readonly server: Partial<ServerConfigOptions>;
}

/** One provider per side, kept across the connections of a scenario (caches warm up as in a process). */
interface Sides {
  readonly cp: CountingProvider;
  readonly sp: CountingProvider;
  readonly sessions: ServerSessions;
  /** Kept across connections, as the node adapter caches one per `ca` (with its signature cache). */
  readonly verifier: CertificateVerifier;
}

function sides(): Sides {
  const cp = createCountingProvider(nodeCryptoProvider);
  const sp = createCountingProvider(nodeCryptoProvider);
  return {
    cp,
    sp,
    sessions: new ServerSessions({ provider: sp, keys: new TicketKeyring({ provider: sp }) }),
    verifier: createDefaultVerifier({ provider: cp, trustAnchors: [pki.root.certDer] }),
  };
}

function end(make: (events: ConnectionEvents) => Connection): End {
  const e: End = { conn: undefined as unknown as Connection, sessions: [], errors: [], secure: false };
  e.conn = make({
    error: (err) => e.errors.push(err),
    secure: () => (e.secure = true),
    // the node adapter always listens for sessions (getSession()), so count with a listener
    session: (s) => e.sessions.push(s),
  });
  return e;
}

/**
 * One connection: handshake, tickets delivered, then both sides send close_notify (what the bench
 * does per handshake). Returns the counts of each side and the client's sessions.
 */
async function connection(s: Sides, sc: Scenario, session?: ClientSession): Promise<{ client: CryptoOpCounts; server: CryptoOpCounts; sessions: ClientSession[]; resumed: boolean }> {
  const c0 = s.cp.snapshot();
  const s0 = s.sp.snapshot();
  const c = end((ev) => new Connection(clientConfig({ provider: s.cp, verifier: s.verifier, serverName: 'localhost', groups: [NamedGroup.x25519], ...sc.client, ...(session === undefined ? {} : { session }) }), ev));
  const srv = end((ev) => new Connection(serverConfig({ provider: s.sp, certificates: [cert], groups: [NamedGroup.x25519], ...sc.server }), ev));
  c.conn.start();
  await pumpAsync(c, srv);
  assert.deepEqual([...c.errors, ...srv.errors].map((e) => e.message), []);
  assert.ok(c.secure && srv.secure, 'handshake completed');
  c.conn.end();
  await pumpAsync(c, srv);
  srv.conn.end();
  await pumpAsync(c, srv);
  assert.deepEqual([...c.errors, ...srv.errors].map((e) => e.message), []);
  return {
    client: diffCounts(s.cp.snapshot(), c0),
    server: diffCounts(s.sp.snapshot(), s0),
    sessions: c.sessions,
    resumed: c.conn.negotiated.resumed && srv.conn.negotiated.resumed,
  };
}

/** Steady-state counts of a full handshake (after a warm-up connection) and of a resumed one. */
async function measure(scenario: (s: Sides) => Scenario): Promise<{ full: { client: CryptoOpCounts; server: CryptoOpCounts }; resumed: { client: CryptoOpCounts; server: CryptoOpCounts } }> {
  const s = sides();
  const sc = scenario(s);
  await connection(s, sc); // warm-up: per-provider caches
  const full = await connection(s, sc);
  assert.equal(full.resumed, false);
  const session = full.sessions[0];
  assert.ok(session !== undefined, 'a session to resume');
  await connection(s, sc, session); // warm-up of the resumed path
  const resumed = await connection(s, sc, session);
  assert.equal(resumed.resumed, true, 'resumed');
  return { full, resumed };
}

const print = process.env.CRYPTO_OPS_PRINT === '1';

/** Asserts every count is at most its bound (kinds not listed must be 0). */
function assertAtMost(what: string, counts: CryptoOpCounts, bounds: Partial<CryptoOpCounts>): void {
  if (print) {
    console.log(what.padEnd(24), Object.entries(counts).filter(([, n]) => n > 0).map(([k, n]) => `${k}=${n}`).join(' '));
    return;
  }
  const over: string[] = [];
  for (const [kind, n] of Object.entries(counts) as [keyof CryptoOpCounts, number][]) {
    const max = bounds[kind] ?? 0;
    if (n > max) over.push(`${kind}: ${n} > ${max}`);
  }
  assert.deepEqual(over, [], `${what}: more crypto calls than pinned`);
}

const TLS13 = { client: { cipherSuites: [CipherSuite.TLS_AES_128_GCM_SHA256] }, server: {} } as const;

// What every TLS 1.3 handshake does (RFC 8446 §7.1, §7.3, §4.4.4), per side:
//   hmac: handshake_secret = HKDF-Extract(Derive-Secret(early, "derived"), (EC)DHE) 2 (without a PSK
//     early_secret and its "derived" secret are constants, computed once per provider), c/s hs
//     traffic 2, key + iv for 4 traffic secrets (hs and ap, read and write) 8, Finished: finished_key
//     + HMAC for ours and the peer's 4, master_secret ("derived" + Extract) 2, c/s ap traffic 2,
//     resumption_master_secret 1 = 21; exporter_master_secret is derived only when asked for (0).
//     Plus one HKDF-Expand-Label per ticket for its PSK (RFC 8446 §4.6.1), on both sides.
//   digests: one per transcript point: ClientHello..ServerHello, ..EncryptedExtensions (server
//     Finished; plus ..Certificate for CertificateVerify in a full handshake), ..server Finished
//     (application secrets and the client Finished), ..client Finished (res master) = 4 (5 full).
//   aeadKeys: hs and ap keys for each direction = 4; ticket keys are bound once per key, not per ticket.
//   aeadSeals/aeadOpens: one per record and per ticket sealed or opened (below).
// A PSK adds (RFC 8446 §4.2.11.2, §7.1): early_secret, binder_key, finished_key, binder HMAC = 4
//   hmac, and 1 digest (the ClientHello up to the binders, hashed as it goes into the transcript);
//   the early secret is reused for the handshake, never derived twice.
const HANDSHAKE13_HMAC = 21;

describe('crypto calls per handshake (steady state)', () => {
  it('TLS 1.3, stateless tickets, 2 tickets: full and resumed (psk_dhe_ke)', async () => {
    const m = await measure((s) => ({ client: TLS13.client, server: { tickets: s.sessions } }));
    assertAtMost('1.3 full client', m.full.client, {
      random: 2, // ClientHello random, legacy_session_id (middlebox compatibility)
      hash: 2, // certificate verification (the verifier's caches are keyed by digests)
      hashContexts: 1, // the transcript
      digests: 5,
      hmac: HANDSHAKE13_HMAC + 2, // + 2 ticket PSKs
      aeadKeys: 4,
      aeadSeals: 2, // Finished, close_notify
      aeadOpens: 3, // EncryptedExtensions..Finished (one record), the 2 NewSessionTickets (one record), close_notify
      keyShares: 1, // x25519 only
      keyShareDerives: 1,
      verifies: 1, // CertificateVerify (the chain's signatures are cached by the verifier)
      publicKeyImports: 4, // leaf and chain keys (the provider caches the imports)
    });
    assertAtMost('1.3 full server', m.full.server, {
      random: 5, // ServerHello random; per ticket: its AEAD nonce and ticket_age_add
      hashContexts: 1,
      digests: 5,
      hmac: HANDSHAKE13_HMAC + 2,
      aeadKeys: 4,
      aeadSeals: 5, // EncryptedExtensions..Finished (one record), NewSessionTickets (one record), close_notify, 2 ticket seals
      aeadOpens: 2, // client Finished, close_notify
      keyShareResponses: 1,
      signs: 1, // CertificateVerify
    });
    assertAtMost('1.3 resumed client', m.resumed.client, {
      random: 2,
      hash: 1, // the binder's hash (the suite is not known yet): one-shot, no hash context
      hashContexts: 1, // the transcript
      digests: 4,
      hmac: HANDSHAKE13_HMAC + 4 + 1, // + PSK binder + 1 ticket PSK (at most one ticket after a resumption, as OpenSSL)
      aeadKeys: 4,
      aeadSeals: 2,
      aeadOpens: 3,
      keyShares: 1, // psk_dhe_ke
      keyShareDerives: 1,
    });
    assertAtMost('1.3 resumed server', m.resumed.server, {
      random: 3, // ServerHello random; the one ticket's AEAD nonce and ticket_age_add
      hashContexts: 1,
      digests: 5,
      hmac: HANDSHAKE13_HMAC + 4 + 1,
      aeadKeys: 4,
      aeadSeals: 4, // EncryptedExtensions..Finished, the NewSessionTicket, close_notify, 1 ticket seal
      aeadOpens: 3, // the ticket, client Finished, close_notify
      keyShareResponses: 1, // psk_dhe_ke
    });
  });

  it('TLS 1.3, stateless tickets, 1 ticket: resumed (psk_dhe_ke)', async () => {
    const m = await measure((s) => ({ client: TLS13.client, server: { tickets: s.sessions, ticketCount: 1 } }));
    assertAtMost('1.3/1 resumed client', m.resumed.client, {
      random: 2,
      hash: 1,
      hashContexts: 1,
      digests: 4,
      hmac: HANDSHAKE13_HMAC + 4 + 1,
      aeadKeys: 4,
      aeadSeals: 2,
      aeadOpens: 3,
      keyShares: 1,
      keyShareDerives: 1,
    });
    assertAtMost('1.3/1 resumed server', m.resumed.server, {
      random: 3,
      hashContexts: 1,
      digests: 5,
      hmac: HANDSHAKE13_HMAC + 4 + 1,
      aeadKeys: 4,
      aeadSeals: 4, // EncryptedExtensions..Finished, the NewSessionTicket, close_notify, 1 ticket seal
      aeadOpens: 3,
      keyShareResponses: 1,
    });
  });

  // TLS 1.2 (RFC 5246 §5, §6.3, §7.4.9; RFC 7627): with SHA-256, the PRF makes 2 HMACs per 32
  // bytes of output (A(i) and the block): master secret (48 bytes) 4, key block (2 keys + 2 IVs of
  // AES-128-GCM: 40 bytes) 4, each Finished (12 bytes) 2.
  it('TLS 1.2, RFC 5077 tickets: full and resumed', async () => {
    // as the bench: X25519 is the key exchange; RFC 8422 §5.3: the P-256 certificate needs P-256 listed
    const groups = [NamedGroup.x25519, NamedGroup.secp256r1];
    const client = { maxVersion: ProtocolVersion.TLS1_2, groups, cipherSuites12: [CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256] };
    const m = await measure((s) => ({ client, server: { sessions12: s.sessions, groups } }));
    assertAtMost('1.2 full client', m.full.client, {
      random: 2, // ClientHello random, legacy_session_id (sent with a ticket request)
      hash: 2,
      hashContexts: 1,
      digests: 2, // session_hash (RFC 7627 §3) = the client Finished's transcript point; the server Finished's
      hmac: 12, // master secret 4, key block 4, 2 Finished
      aeadKeys: 2,
      aeadSeals: 2, // Finished, close_notify
      aeadOpens: 2, // server Finished, close_notify
      keyShareResponses: 1, // ECDHE: the client answers the server's share
      verifies: 1, // ServerKeyExchange signature
      publicKeyImports: 4,
    });
    assertAtMost('1.2 full server', m.full.server, {
      random: 2, // ServerHello random, the ticket's nonce
      hashContexts: 1,
      digests: 2,
      hmac: 12,
      aeadKeys: 2,
      aeadSeals: 3, // the ticket, Finished, close_notify
      aeadOpens: 2,
      keyShares: 1,
      keyShareDerives: 1,
      signs: 1, // ServerKeyExchange
    });
    assertAtMost('1.2 resumed client', m.resumed.client, {
      random: 2,
      hashContexts: 1,
      digests: 2,
      hmac: 8, // key block 4, 2 Finished (the master secret comes from the session)
      aeadKeys: 2,
      aeadSeals: 2,
      aeadOpens: 2,
    });
    assertAtMost('1.2 resumed server', m.resumed.server, {
      random: 1, // ServerHello random (the ticket is not renewed: same key)
      hashContexts: 1,
      digests: 2,
      hmac: 8,
      aeadKeys: 2,
      aeadSeals: 2,
      aeadOpens: 3, // the ticket, client Finished, close_notify
    });
  });
});
