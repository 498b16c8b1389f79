// Proves the interop harness against node:tls itself. test/interop/tlskit-*.test.ts will call
// defineInteropMatrix() the same way with tlskit's module.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tls from 'node:tls';
import { readFileSync } from 'node:fs';
import { cleanupPeersAfter, freePort, livePeerCount, runCommand, spawnPeer } from '../helpers/process.js';
import { createTestPki, LEAF_TYPES } from '../helpers/pki.js';
import { opensslSupports, parseOpensslClientOutput } from '../helpers/openssl.js';
import { defineInteropMatrix } from '../helpers/interop-matrix.js';
import type { TlsImpl } from '../helpers/impl.js';

cleanupPeersAfter(after);

// Compile-time proof that node:tls has the shape the matrix and the bench drive.
const nodeTls: TlsImpl = tls;

describe('harness: process helper', () => {
  it('collects output, waits for a pattern, writes stdin', async () => {
    const p = spawnPeer(process.execPath, ['-e', "process.stdin.on('data', d => process.stdout.write('got:' + d)); console.log('ready')"], {
      timeoutMs: 10_000,
    });
    await p.waitFor(/^ready$/m, 5000);
    await p.write('hello\n');
    await p.waitFor(/got:hello/, 5000);
    p.endInput();
    const exit = await p.wait(5000);
    assert.equal(exit.code, 0);
    assert.equal(exit.timedOut, false);
  });

  it('hard timeout kills the whole process group, grandchildren included', async () => {
    const p = spawnPeer('sh', ['-c', 'sleep 30 & echo child=$!; wait'], { timeoutMs: 500 });
    const m = await p.waitFor(/child=(\d+)/, 5000);
    const grandchild = Number(m[1]);
    const exit = await p.exited;
    assert.equal(exit.timedOut, true);
    assert.equal(exit.signal, 'SIGKILL');
    const state = procState(grandchild);
    assert.ok(state === 'gone' || state === 'Z', `grandchild survived (state ${state})`);
  });

  it('waitFor rejects on timeout and when the process exits without a match', async () => {
    const slow = spawnPeer('sleep', ['5'], { timeoutMs: 10_000 });
    await assert.rejects(slow.waitFor(/never/, 200), /timeout after 200 ms/);
    await slow.kill();
    assert.equal(slow.isRunning(), false);
    const quick = spawnPeer('true', [], { timeoutMs: 5000 });
    await assert.rejects(quick.waitFor(/never/, 5000), /exited before/);
  });

  it('runCommand reports exit codes; a missing binary fails fast', async () => {
    const r = await runCommand('sh', ['-c', 'echo out; echo err >&2; exit 3'], { timeoutMs: 5000 });
    assert.deepEqual([r.code, r.stdout, r.stderr], [3, 'out\n', 'err\n']);
    assert.throws(() => spawnPeer('/nonexistent/binary', []), /could not spawn/);
  });

  it('peers are self-bounded by coreutils timeout even if this process dies', async () => {
    const p = spawnPeer('sleep', ['30'], { timeoutMs: 1000 });
    const cmdline = readFileSync(`/proc/${p.pid}/cmdline`, 'utf8').split('\0');
    assert.deepEqual(cmdline.slice(0, 4).map((a) => a.replace(/^.*\//, '')), ['timeout', '-s', 'KILL', '3']);
    await p.kill();
  });

  it('freePort gives distinct usable ports on 127.0.0.1', async () => {
    const a = await freePort();
    const b = await freePort();
    assert.ok(a > 0 && b > 0);
  });
});

/** "R", "S", ... from /proc/PID/stat; "gone" when the process no longer exists. Zombies ("Z") are dead. */
function procState(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.slice(0, 1) ?? 'gone';
  } catch {
    return 'gone';
  }
}

describe('harness: PKI and openssl helpers', () => {
  it('the PKI chains verify with openssl for every leaf type', async () => {
    const pki = await createTestPki();
    for (const t of LEAF_TYPES) {
      const leaf = pki.leaves[t];
      const r = await runCommand(
        'openssl',
        ['verify', '-CAfile', pki.caFile.path, '-untrusted', pki.intermediate.cert.path, '-verify_hostname', 'localhost', '-verify_ip', '127.0.0.1', leaf.cert.path],
        { timeoutMs: 10_000 },
      );
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /: OK$/m);
      assert.ok(leaf.chain.pem.startsWith(leaf.cert.pem) && leaf.chain.pem.endsWith(pki.intermediate.cert.pem));
    }
    assert.equal(await createTestPki(), pki, 'cached within the process');
  });

  it('opensslSupports derives suites, groups and signature algorithms', async () => {
    const s = await opensslSupports();
    for (const suite of ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256']) {
      assert.ok(s.tls13Ciphersuites.includes(suite), suite);
    }
    for (const g of ['x25519', 'P-256', 'P-384']) assert.ok(s.groups.includes(g), g);
    for (const a of ['ecdsa_secp256r1_sha256', 'rsa_pss_rsae_sha256', 'ed25519']) assert.ok(s.sigalgs.includes(a), a);
    assert.ok(!s.groups.includes('bogus'));
    assert.ok(s.tls12Ciphers.some((c) => c.standard === 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256'));
  });

  it('parses s_client output', () => {
    const sample = [
      'Peer signing digest: SHA256',
      'Peer signature type: ECDSA',
      'Server Temp Key: ECDH, prime256v1, 256 bits',
      '---',
      'New, TLSv1.3, Cipher is TLS_AES_128_GCM_SHA256',
      'ALPN protocol: h2',
      'Verify return code: 0 (ok)',
      '---',
      'pong',
      '',
    ].join('\n');
    const r = parseOpensslClientOutput(sample);
    assert.deepEqual(
      [r.handshakeOk, r.protocol, r.cipher, r.group, r.alpn, r.verifyReturnCode, r.peerSignatureType, r.received],
      [true, 'TLSv1.3', 'TLS_AES_128_GCM_SHA256', 'P-256', 'h2', 0, 'ECDSA', 'pong\n'],
    );
    const failed = parseOpensslClientOutput('New, (NONE), Cipher is (NONE)\nNo ALPN negotiated\n');
    assert.equal(failed.handshakeOk, false);
    assert.equal(failed.alpn, null);
  });
});

defineInteropMatrix('node:tls', nodeTls);

describe('harness: cleanup', () => {
  it('no peer left running after the matrix', () => {
    assert.equal(livePeerCount(), 0);
  });
});
