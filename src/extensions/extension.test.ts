import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ErrorCode } from '../errors.js';
import { ExtensionType, GREASE_VALUES } from '../registry/codepoints.js';
import { Reader } from '../wire/reader.js';
import { Writer } from '../wire/writer.js';
import { measureWork } from '../wire/work.js';
import { codecProperties, extensionsArb, throwsTls } from '../wire/codec-check.test.js';
import { decodeExtensions, encodeExtensions, findExtension, SeenSet, type Extension } from './extension.js';
import { isAllowedIn, KNOWN_EXTENSION_TYPES, type MessageKind } from './allowed.js';

const decodeList = (b: Uint8Array): Extension[] => {
  const r = new Reader(b);
  const out = decodeExtensions(r, 'Test.extensions');
  r.end('Test');
  return out;
};
const encodeList = (exts: readonly Extension[]): Uint8Array => {
  const w = new Writer();
  encodeExtensions(w, exts);
  return w.finish();
};

codecProperties({ name: 'extensions list', arb: extensionsArb({ maxLength: 8 }), encode: encodeList, decode: decodeList });

test('extensions list: duplicates rejected with illegal_parameter (RFC 8446 §4.2)', () => {
  throwsTls(() => decodeList(Uint8Array.of(0, 8, 0, 1, 0, 0, 0, 1, 0, 0)), ErrorCode.ERR_TLS_ILLEGAL_PARAMETER, 'Test.extensions');
  // many distinct then a duplicate: exercises the Set path
  const many: Extension[] = Array.from({ length: 40 }, (_, i) => ({ type: i, data: new Uint8Array(0) }));
  assert.equal(decodeList(encodeList(many)).length, 40);
  throwsTls(() => decodeList(encodeList([...many, { type: 3, data: new Uint8Array(0) }])), ErrorCode.ERR_TLS_ILLEGAL_PARAMETER);
  throwsTls(() => decodeList(encodeList([...many, { type: 39, data: new Uint8Array(0) }])), ErrorCode.ERR_TLS_ILLEGAL_PARAMETER);
  // a hostile list of 16k empty extensions costs linear work: the duplicate check makes O(1)
  // probes per extension (a Set once the list is long), not a scan of every earlier type (which
  // would be 128M comparisons here)
  const probes = (n: number): number => {
    const list = encodeList(Array.from({ length: n }, (_, i) => ({ type: i, data: new Uint8Array(0) })));
    const { result, work } = measureWork(() => decodeList(list));
    assert.equal(result.length, n);
    return work.duplicateProbes;
  };
  const p4k = probes(4000);
  const p16k = probes(16000);
  assert.ok(p16k >= 16000, `every extension is checked (${p16k} probes)`);
  assert.ok(p16k <= 2 * 16000, `${p16k} probes for 16000 extensions`);
  assert.ok(p16k <= 4.5 * p4k, `linear growth: ${p4k} probes for 4000, ${p16k} for 16000`);
});

test('extensions list: bounds and truncation', () => {
  throwsTls(() => decodeList(Uint8Array.of(0, 3, 0, 1, 0)), ErrorCode.ERR_TLS_DECODE_ERROR);
  throwsTls(() => decodeList(Uint8Array.of(0, 4, 0, 1, 0, 1)), ErrorCode.ERR_TLS_DECODE_ERROR);
  throwsTls(() => decodeExtensions(new Reader(Uint8Array.of(0, 0)), 'X', 2), ErrorCode.ERR_TLS_DECODE_ERROR);
  assert.deepEqual(decodeList(Uint8Array.of(0, 0)), []);
});

test('findExtension', () => {
  const exts = [{ type: 5, data: Uint8Array.of(1) }, { type: 7, data: Uint8Array.of(2) }];
  assert.deepEqual(findExtension(exts, 7)?.data, Uint8Array.of(2));
  assert.equal(findExtension(exts, 8), undefined);
});

test('SeenSet agrees with Set', () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 0, max: 40 }), { maxLength: 60 }), (xs) => {
      const s = new SeenSet();
      const ref = new Set<number>();
      for (const x of xs) {
        assert.equal(s.add(x), !ref.has(x));
        ref.add(x);
      }
    }),
  );
});

test('allowed: RFC 8446 §4.2 table', () => {
  const T = ExtensionType;
  const rows: [number, MessageKind[]][] = [
    [T.server_name, ['CH', 'EE']],
    [T.status_request, ['CH', 'CR', 'CT']],
    [T.supported_groups, ['CH', 'EE']],
    [T.signature_algorithms, ['CH', 'CR']],
    [T.application_layer_protocol_negotiation, ['CH', 'EE']],
    [T.signed_certificate_timestamp, ['CH', 'CR', 'CT']],
    [T.padding, ['CH']],
    [T.pre_shared_key, ['CH', 'SH']],
    [T.early_data, ['CH', 'EE', 'NST']],
    [T.psk_key_exchange_modes, ['CH']],
    [T.cookie, ['CH', 'HRR']],
    [T.supported_versions, ['CH', 'SH', 'HRR']],
    [T.certificate_authorities, ['CH', 'CR']],
    [T.oid_filters, ['CR']],
    [T.post_handshake_auth, ['CH']],
    [T.signature_algorithms_cert, ['CH', 'CR']],
    [T.key_share, ['CH', 'SH', 'HRR']],
    [T.record_size_limit, ['CH', 'EE']],
    [T.extended_master_secret, ['CH']],
  ];
  const tls13Kinds: MessageKind[] = ['CH', 'SH', 'EE', 'CT', 'CR', 'NST', 'HRR'];
  for (const [ext, kinds] of rows) {
    for (const k of tls13Kinds) assert.equal(isAllowedIn(ext, k), kinds.includes(k), `${ext} in ${k}`);
  }
  for (const g of GREASE_VALUES) assert.equal(isAllowedIn(g, 'CH'), 'unknown');
  assert.equal(isAllowedIn(0xffff, 'EE'), 'unknown');
  assert.equal(isAllowedIn(T.extended_master_secret, 'SH12'), true);
  assert.equal(isAllowedIn(T.key_share, 'SH12'), false);
  assert.ok(KNOWN_EXTENSION_TYPES.includes(T.key_share));
});
