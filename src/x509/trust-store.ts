/**
 * A set of trust anchors indexed by subject Name (RFC 5280 §6.1.1 (d): the anchor's name and
 * key are the inputs of path validation). Built lazily: node's ~140 bundled roots cost one walk
 * to each subject Name, an anchor is parsed only when a path reaches its name, and its public
 * key is imported once.
 */
import type { CryptoProvider, PublicKey } from '../crypto/provider.js';
import { equalBytes, toHex } from '../wire/bytes.js';
import { workCounters } from '../wire/work.js';
import { parseCertificate, type Certificate, type DistinguishedName } from './certificate.js';
import { DerReader, Tag, contextTag } from './der.js';
import { decodeCertificatesPem } from './pem.js';

/** DER certificates and/or PEM text (e.g. node:tls `rootCertificates` joined). */
export type TrustAnchorSource = readonly Uint8Array[] | string | readonly (Uint8Array | string)[];

/** A trust anchor: parsed lazily; its public key imported once, on first use. */
interface Anchor {
  readonly der: Uint8Array;
  cert: Certificate | undefined;
  key: PublicKey | undefined;
  /** Set when the DER failed to parse: the anchor is skipped. */
  broken: boolean;
}

/**
 * The subject Name DER of a certificate without a full parse (used to index ~140 roots cheaply).
 * RFC 5280 §4.1: tbsCertificate fields in order up to subject.
 */
function subjectOf(der: Uint8Array): Uint8Array {
  const top = new DerReader(der, 'Certificate');
  const cert = top.sequence('Certificate');
  const tbs = cert.sequence('tbsCertificate');
  tbs.optional(contextTag(0, true), 'tbsCertificate.version');
  tbs.expect(Tag.INTEGER, 'tbsCertificate.serialNumber');
  tbs.expect(Tag.SEQUENCE, 'tbsCertificate.signature');
  tbs.expect(Tag.SEQUENCE, 'tbsCertificate.issuer');
  tbs.expect(Tag.SEQUENCE, 'tbsCertificate.validity');
  return tbs.expect(Tag.SEQUENCE, 'tbsCertificate.subject').raw;
}

/**
 * A set of trust anchors indexed by subject DER (hex). The index is built on first use (PEM
 * decoding plus a walk to each subject Name); anchors are parsed only when a path reaches their
 * name, and their public keys are imported once, on first use.
 */
export class TrustStore {
  private index: Map<string, Anchor[]> | undefined;
  private readonly anchorOf = new WeakMap<Certificate, Anchor>();

  constructor(
    private readonly provider: CryptoProvider,
    private readonly source: TrustAnchorSource,
  ) {}

  private build(): Map<string, Anchor[]> {
    if (this.index !== undefined) return this.index;
    workCounters.trustIndexBuilds++;
    const ders: Uint8Array[] = [];
    const add = (item: Uint8Array | string): void => {
      if (typeof item === 'string') ders.push(...decodeCertificatesPem(item));
      else ders.push(item);
    };
    if (typeof this.source === 'string') add(this.source);
    else for (const item of this.source) add(item);
    const index = new Map<string, Anchor[]>();
    for (const der of ders) {
      let subject: Uint8Array;
      try {
        subject = subjectOf(der);
      } catch {
        continue; // an unparseable anchor can never be used; skip it
      }
      const anchor: Anchor = { der, cert: undefined, key: undefined, broken: false };
      const k = toHex(subject);
      const list = index.get(k);
      if (list === undefined) index.set(k, [anchor]);
      else if (!list.some((a) => equalBytes(a.der, der))) list.push(anchor);
    }
    this.index = index;
    return index;
  }

  /** The number of distinct anchors. */
  get size(): number {
    let n = 0;
    for (const list of this.build().values()) n += list.length;
    return n;
  }

  /** Parsed anchors whose subject DER equals `name`. */
  bySubject(name: DistinguishedName): Certificate[] {
    const list = this.build().get(toHex(name.raw));
    if (list === undefined) return [];
    const out: Certificate[] = [];
    for (const a of list) {
      const c = this.certOf(a);
      if (c !== undefined) out.push(c);
    }
    return out;
  }

  /** Whether `cert` is a trust anchor: the same DER, or the same subject and public key. */
  isAnchor(cert: Certificate): boolean {
    return this.bySubject(cert.subject).some((a) => equalBytes(a.raw, cert.raw) || equalBytes(a.subjectPublicKeyInfo, cert.subjectPublicKeyInfo));
  }

  /** The public key of an anchor returned by `bySubject`, imported once. */
  publicKey(cert: Certificate): PublicKey {
    const a = this.anchorOf.get(cert);
    if (a === undefined) return this.provider.importPublicKey(cert.subjectPublicKeyInfo);
    a.key ??= this.provider.importPublicKey(cert.subjectPublicKeyInfo);
    return a.key;
  }

  private certOf(a: Anchor): Certificate | undefined {
    if (a.broken) return undefined;
    if (a.cert === undefined) {
      try {
        workCounters.trustAnchorsParsed++;
        a.cert = parseCertificate(a.der);
        this.anchorOf.set(a.cert, a);
      } catch {
        a.broken = true;
        return undefined;
      }
    }
    return a.cert;
  }
}
