// Two in-memory Connections (src/connection) wired to each other, for the unit tests beside the
// modules: moving bytes until both are quiet, and the test PKI's certified leaves.
import type { Connection } from '../../src/connection/connection.js';
import type { SigningKeyKind } from '../../src/crypto/provider.js';
import type { CertifiedKey, ClientAuthConfig } from '../../src/handshake/config.js';
import type { TestPki } from '../../src/x509/generate.js';

/** Anything that holds one end of the pair (each test file records its own events beside it). */
export interface End {
  readonly conn: Connection;
}

/** Rewrites (or records) the bytes one side sent before the other receives them. */
export type Tamper = (bytes: Uint8Array, from: 'client' | 'server') => Uint8Array;

/** One byte to change in transit: in the `chunk`-th chunk `who` sends, at `where` (modulo its length), XORed with `xor`. */
export interface ByteChange {
  readonly who: 'client' | 'server';
  readonly chunk: number;
  readonly where: number;
  readonly xor: number;
}

/** A Tamper that makes `change` and passes everything else through (property tests of handshakes). */
export function changeOneByte(change: ByteChange): Tamper {
  let seen = 0;
  return (bytes, from) => {
    if (from !== change.who || seen++ !== change.chunk || bytes.length === 0) return bytes;
    const out = bytes.slice();
    const at = change.where % out.length;
    out[at] = (out[at] as number) ^ change.xor;
    return out;
  };
}

function exchange(client: End, server: End, tamper: Tamper | undefined): boolean {
  const cs = client.conn.takeOutput();
  const sc = server.conn.takeOutput();
  if (cs.length === 0 && sc.length === 0) return false;
  for (const chunk of cs) server.conn.receive(tamper === undefined ? chunk : tamper(chunk, 'client'));
  for (const chunk of sc) client.conn.receive(tamper === undefined ? chunk : tamper(chunk, 'server'));
  return true;
}

/** Moves bytes both ways (synchronously) until neither side has output; throws if that takes 100 rounds. */
export function pump(client: End, server: End, tamper?: Tamper): void {
  for (let i = 0; i < 100; i++) if (!exchange(client, server, tamper)) return;
  throw new Error('pump did not settle');
}

/**
 * Moves bytes both ways until both sides stay quiet for `quietTurns` event-loop turns in a row
 * (asynchronous hooks — ticket, store and OCSP calls — settle on later turns); at most 200 rounds.
 */
export async function pumpAsync(client: End, server: End, o: { tamper?: Tamper; quietTurns?: number } = {}): Promise<void> {
  const quietTurns = o.quietTurns ?? 3;
  let quiet = 0;
  for (let i = 0; i < 200 && quiet < quietTurns; i++) {
    if (exchange(client, server, o.tamper)) {
      quiet = 0;
    } else {
      quiet++;
      await new Promise((r) => setImmediate(r));
    }
  }
}

/** The test PKI's leaf of `kind` with the intermediate, for the name localhost. */
export function certifiedLeaf(pki: TestPki, kind: SigningKeyKind): CertifiedKey {
  const leaf = pki.leaves[kind];
  if (leaf === undefined) throw new Error(`no ${kind} leaf`);
  return { chain: [leaf.certDer, pki.intermediate.certDer], key: leaf.key, names: ['localhost'] };
}

/** A client-auth configuration (server side) that requires a verified client certificate; `o` on top. */
export function requireClientAuth(verifier: ClientAuthConfig['verifier'], o: Partial<ClientAuthConfig> = {}): ClientAuthConfig {
  return { verifier, requireCertificate: true, rejectUnverified: true, certificateAuthorities: [], ...o };
}
