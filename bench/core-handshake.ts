// CPU of the sans-I/O core alone for one resumed TLS 1.3 handshake (psk_dhe_ke, X25519, stateless
// tickets): two in-memory Connections wired together, each side's synchronous calls (start,
// receive, takeOutput) timed separately. No sockets, streams or kernel — what the protocol code
// and its node:crypto calls cost; the difference to the bench's rows is the adapter and the OS.
import { Connection } from '../src/connection/connection.js';
import { nodeCryptoProvider } from '../src/crypto/node-provider.js';
import { timingProvider, type TimeSpent } from './timing-provider.js';
import { clientConfig, serverConfig, type CertifiedKey } from '../src/handshake/config.js';
import type { ClientSession } from '../src/handshake/resumption12.js';
import { NamedGroup } from '../src/registry/codepoints.js';
import { ServerSessions } from '../src/session/server-sessions.js';
import { TicketKeyring } from '../src/session/ticket-keys.js';
import { generateTestPki } from '../src/x509/generate.js';
import { createDefaultVerifier } from '../src/x509/verify.js';

export interface CoreCost {
  clientUs: number;
  serverUs: number;
  /** Of which inside the CryptoProvider (node:crypto calls). */
  clientCryptoUs: number;
  serverCryptoUs: number;
}

/**
 * The measured (resumed) handshakes must run synchronously — an asynchronous step (its work runs
 * in a promise callback, outside the timed calls) makes the measurement fail rather than under-count.
 */
export async function measureCoreResumed13(warmup: number, n: number): Promise<CoreCost> {
  const provider = nodeCryptoProvider;
  const inCrypto: Record<'client' | 'server', TimeSpent> = { client: { ms: 0 }, server: { ms: 0 } };
  const cprov = timingProvider(provider, inCrypto.client);
  const sprov = timingProvider(provider, inCrypto.server);
  const pki = generateTestPki(provider, { keyKinds: ['p256'] });
  const leaf = pki.leaves.p256!;
  const cert: CertifiedKey = { chain: [leaf.certDer, pki.intermediate.certDer], key: leaf.key, names: ['localhost'] };
  const verifier = createDefaultVerifier({ provider: cprov, trustAnchors: [pki.root.certDer] });
  const tickets = new ServerSessions({ provider: sprov, keys: new TicketKeyring({ provider: sprov }) });
  const sconf = serverConfig({ provider: sprov, certificates: [cert], tickets, groups: [NamedGroup.x25519] });
  let session: ClientSession | undefined;
  const time = { client: 0, server: 0 };

  const one = async (measure: boolean): Promise<void> => {
    let asyncSteps = 0;
    const cconf = clientConfig({ provider: cprov, verifier, serverName: 'localhost', groups: [NamedGroup.x25519], session });
    let secure = 0;
    const fail = (e: Error): never => {
      throw e;
    };
    const c = new Connection(cconf, { secure: () => secure++, error: fail, session: (s) => (session ??= s), output: () => asyncSteps++ });
    const s = new Connection(sconf, { secure: () => secure++, error: fail, output: () => asyncSteps++ });
    const timed = (who: 'client' | 'server', f: () => void): void => {
      const t0 = performance.now();
      f();
      if (measure) time[who] += performance.now() - t0;
    };
    let out: Uint8Array[] = [];
    timed('client', () => {
      c.start();
      out = c.takeOutput();
    });
    for (let round = 0; round < 20; round++) {
      if (out.length === 0) {
        // nothing to send: wait for an asynchronous step (the full handshake's certificate check)
        if (secure === 2 && session !== undefined) break;
        await new Promise((r) => setImmediate(r));
        timed('client', () => (out = c.takeOutput()));
      }
      let back: Uint8Array[] = [];
      timed('server', () => {
        for (const chunk of out) s.receive(chunk);
        back = s.takeOutput();
      });
      out = [];
      timed('client', () => {
        for (const chunk of back) c.receive(chunk);
        out = c.takeOutput();
      });
    }
    if (secure !== 2) throw new Error('core handshake did not complete');
    if (measure && asyncSteps > 0) throw new Error('a resumed core handshake took an asynchronous step: not measurable here');
  };
  await one(false); // the full handshake that yields the session
  if (session === undefined) throw new Error('no session from the full handshake');
  for (let i = 0; i < warmup; i++) await one(false);
  inCrypto.client.ms = 0;
  inCrypto.server.ms = 0;
  for (let i = 0; i < n; i++) await one(true);
  return {
    clientUs: (time.client * 1000) / n,
    serverUs: (time.server * 1000) / n,
    clientCryptoUs: (inCrypto.client.ms * 1000) / n,
    serverCryptoUs: (inCrypto.server.ms * 1000) / n,
  };
}
