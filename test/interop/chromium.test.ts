// Chromium (Debian's `chromium`, headless) against a tlskit server on 127.0.0.1: a browser's TLS
// stack, BoringSSL, as the peer. The page it loads fetches /second and then /third, each over a
// new connection (every response says Connection: close). Chromium opens its first two
// connections at once (full handshakes); by the time it asks for /third it holds the tickets of
// the first ones, and that connection resumes (RFC 8446 §2.2). Checked on our side: TLS 1.3, the
// group Chromium chose (its X25519MLKEM768 hybrid or X25519), ALPN http/1.1, /third on a resumed
// connection; and on Chromium's side, that the page's script ran and got both responses. The same
// with the server capped at TLS 1.2 (ECDHE, an RFC 5077 ticket resumes). And HTTP/2: ALPN h2 to
// node's http2 server over tlskit sockets, the page and two parallel fetches as h2 streams. Chromium trusts the
// server's key by its SPKI hash (--ignore-certificate-errors-spki-list), so the handshake's
// CertificateVerify is still checked. The browser process is bounded and killed.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import * as http from 'node:http';
import * as http2 from 'node:http2';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tlskit from '../../src/node/index.js';
import { namedGroupName, signatureSchemeName } from '../../src/registry/names.js';
import { nodeCryptoProvider } from '../../src/crypto/node-provider.js';
import { generateCertificate } from '../../src/x509/generate.js';
import { killAllPeers, spawnPeer } from '../helpers/process.js';
import { localTlsFixture } from '../helpers/local-tls.js';

const CHROMIUM = '/usr/bin/chromium';
const { pki, closers, listen } = localTlsFixture('tlskit-chromium-');
after(() => killAllPeers());

interface Seen {
  readonly protocol: string | null;
  readonly group: string;
  readonly alpn: string | false | null;
  readonly reused: boolean;
  readonly early: boolean;
  readonly paths: string[];
}

/** base64 SHA-256 of the leaf's SubjectPublicKeyInfo, as --ignore-certificate-errors-spki-list wants it. */
function spkiHash(certPem: string): string {
  const spki = new X509Certificate(certPem).publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(spki).digest('base64');
}

/** headless Chromium loading `url`; resolves with the DOM it dumps once the page settled. */
async function chromiumDumpDom(url: string, spki: string): Promise<string> {
  const profile = mkdtempSync(join(tmpdir(), 'tlskit-chromium-profile-'));
  closers.push(() => rmSync(profile, { recursive: true, force: true }));
  // the flags the machine notes name for a closed network, plus: trust by SPKI, localhost → IPv4
  const args = [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', `--user-data-dir=${profile}`,
    `--ignore-certificate-errors-spki-list=${spki}`, '--host-resolver-rules=MAP localhost 127.0.0.1',
    '--virtual-time-budget=5000', '--dump-dom', url,
  ];
  const p = spawnPeer(CHROMIUM, args, { timeoutMs: 40_000, name: 'chromium --headless' });
  const exit = await p.wait(35_000);
  assert.equal(exit.code, 0, `chromium exited ${String(exit.code)}:\n${p.stderr().slice(-3000)}`);
  return p.stdout();
}

/**
 * A tlskit server on 127.0.0.1 (the test PKI's P-256 certificate) whose secure connections go to
 * `onSecure` (which hands them to an HTTP server); everything is closed after the file.
 */
async function tlskitServer(options: tlskit.TlsServerCreateOptions, onSecure: (s: tlskit.TLSSocket) => void): Promise<number> {
  const sockets: tlskit.TLSSocket[] = [];
  const server = tlskit.createServer({ key: pki.leaves.p256?.keyPem ?? '', cert: pki.chainPem('p256'), ...options }, (s) => {
    sockets.push(s);
    s.on('error', () => {});
    onSecure(s);
  });
  server.on('tlsClientError', () => {});
  const port = await listen(server);
  closers.push(() => {
    for (const s of sockets) s.destroy();
  });
  return port;
}

describe('Chromium (headless) → tlskit server', () => {
  for (const version of ['TLSv1.3', 'TLSv1.2'] as const) {
    it(`${version} with Chromium's key share and ALPN; a later request resumes the session on a new connection`, { timeout: 60_000 }, async () => {
      assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: .ci/run installs Debian's chromium`);
      const seen: Seen[] = [];
      const httpServer = http.createServer((req, res) => {
        const conn = seen.find((c) => c.paths === (req.socket as unknown as { paths?: string[] }).paths);
        conn?.paths.push(req.url ?? '');
        res.setHeader('Connection', 'close'); // the next request needs a new TLS connection
        if (req.url === '/') {
          res.setHeader('Content-Type', 'text/html');
          res.end(
            '<!doctype html><html><body><p id="first">first</p><script>' +
              "fetch('/second').then((r) => r.text()).then((t) => { document.body.setAttribute('data-second', t); return fetch('/third'); })" +
              ".then((r) => r.text()).then((t) => { document.body.setAttribute('data-third', t); }," +
              " (e) => { document.body.setAttribute('data-error', String(e)); });" +
              '</script></body></html>',
          );
        } else if (req.url === '/second' || req.url === '/third') {
          res.setHeader('Content-Type', 'text/plain');
          res.end(`${req.url.slice(1)}-ok`);
        } else {
          res.statusCode = 404;
          res.end();
        }
      });
      const port = await tlskitServer({ ALPNProtocols: ['http/1.1'], maxVersion: version }, (s) => {
        const n = s.negotiated;
        const entry: Seen = {
          protocol: s.getProtocol(),
          group: n.group === undefined ? '-' : namedGroupName(n.group),
          alpn: s.alpnProtocol,
          reused: s.isSessionReused(),
          early: s.earlyData !== undefined,
          paths: [],
        };
        (s as unknown as { paths: string[] }).paths = entry.paths;
        seen.push(entry);
        httpServer.emit('connection', s);
      });
      closers.push(() => httpServer.close());

      const dom = await chromiumDumpDom(`https://localhost:${port}/`, spkiHash(pki.leaves.p256?.certPem ?? ''));
      assert.match(dom, /<p id="first">first<\/p>/, dom);
      assert.match(dom, /data-second="second-ok"/, `the page's fetch of /second:\n${dom}`);
      assert.match(dom, /data-third="third-ok"/, `the page's fetch of /third:\n${dom}`);

      const page = seen.find((c) => c.paths.includes('/'));
      const third = seen.find((c) => c.paths.includes('/third'));
      assert.ok(page !== undefined && third !== undefined, JSON.stringify(seen));
      assert.equal(page.protocol, version);
      assert.equal(page.alpn, 'http/1.1');
      // TLS 1.2 has no hybrid group (draft-ietf-tls-ecdhe-mlkem is TLS 1.3 only)
      const groups = version === 'TLSv1.3' ? ['X25519MLKEM768', 'x25519'] : ['x25519'];
      assert.ok(groups.includes(page.group), `group ${page.group}`);
      assert.equal(page.reused, false);
      assert.notEqual(third, page, 'Connection: close: /third came on a new connection');
      assert.equal(third.protocol, version);
      assert.equal(third.reused, true, `the connection of /third resumed: ${JSON.stringify(seen)}`);
      // every connection has the version and ALPN; Connection: close allows one request each (a
      // connection Chromium opened ahead and did not use has none)
      for (const c of seen) assert.deepEqual([c.protocol, c.alpn, c.paths.length <= 1], [version, 'http/1.1', true], JSON.stringify(seen));
    });
  }
  it('HTTP/2: ALPN h2 to http2.createServer() fed our TLS sockets; the page and its fetches on one connection', { timeout: 60_000 }, async () => {
    assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: .ci/run installs Debian's chromium`);
    const requests: { path: string; version: string }[] = [];
    const h2 = http2.createServer((req, res) => {
      requests.push({ path: req.url, version: req.httpVersion });
      if (req.url === '/') {
        res.setHeader('Content-Type', 'text/html');
        res.end(
          '<!doctype html><html><body><p id="first">first</p><script>' +
            "Promise.all([fetch('/a'), fetch('/b')].map((p) => p.then((r) => r.text())))" +
            ".then((t) => { document.body.setAttribute('data-both', t.join('+')); }, (e) => { document.body.setAttribute('data-error', String(e)); });" +
            '</script></body></html>',
        );
      } else {
        res.setHeader('Content-Type', 'text/plain');
        res.end(`h2${req.url}`);
      }
    });
    const sockets: tlskit.TLSSocket[] = [];
    const port = await tlskitServer({ ALPNProtocols: ['h2', 'http/1.1'] }, (s) => {
      sockets.push(s);
      h2.emit('connection', s);
    });
    closers.push(() => h2.close());

    const dom = await chromiumDumpDom(`https://localhost:${port}/`, spkiHash(pki.leaves.p256?.certPem ?? ''));
    assert.match(dom, /data-both="h2\/a\+h2\/b"/, dom);
    const pages = requests.filter((r) => ['/', '/a', '/b'].includes(r.path));
    assert.equal(pages.length, 3, JSON.stringify(requests));
    for (const r of pages) assert.equal(r.version, '2.0');
    // (node's plaintext http2 server calls its sessions h2c; the ALPN is on our sockets)
    assert.ok(sockets.length >= 1 && sockets.every((s) => s.getProtocol() === 'TLSv1.3' && s.alpnProtocol === 'h2'), 'every connection TLS 1.3 with ALPN h2');
  });
  it('an RSA-2048 certificate: Chromium checks our RSA-PSS CertificateVerify (TLS 1.3) and our ECDHE-RSA ServerKeyExchange signature (TLS 1.2)', { timeout: 60_000 }, async () => {
    assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: .ci/run installs Debian's chromium`);
    const rsa = generateCertificate({ subject: { CN: 'localhost' }, keyKind: 'rsa2048', issuer: pki.intermediate, dnsNames: ['localhost'] }, nodeCryptoProvider);
    for (const version of ['TLSv1.3', 'TLSv1.2'] as const) {
      const seen: { protocol: string | null; scheme: string }[] = [];
      const httpServer = http.createServer((_req, res) => {
        res.setHeader('Connection', 'close');
        res.setHeader('Content-Type', 'text/html');
        res.end('<!doctype html><html><body><p id="rsa">rsa</p></body></html>');
      });
      closers.push(() => httpServer.close());
      const port = await tlskitServer({ key: rsa.keyPem, cert: rsa.certPem + pki.intermediate.certPem, ALPNProtocols: ['http/1.1'], maxVersion: version }, (s) => {
        const scheme = s.negotiated.localSignatureScheme;
        seen.push({ protocol: s.getProtocol(), scheme: scheme === undefined ? '-' : signatureSchemeName(scheme) });
        httpServer.emit('connection', s);
      });
      const dom = await chromiumDumpDom(`https://localhost:${port}/`, spkiHash(rsa.certPem));
      assert.match(dom, /<p id="rsa">rsa<\/p>/, `${version}: ${dom}`);
      const first = seen[0];
      assert.ok(first !== undefined, version);
      assert.equal(first.protocol, version);
      // RFC 8446 §4.2.3: TLS 1.3 signs with RSA-PSS only; BoringSSL prefers PSS in TLS 1.2 as well
      assert.match(first.scheme, version === 'TLSv1.3' ? /^rsa_pss_rsae_sha(256|384|512)$/ : /^rsa_(pss_rsae|pkcs1)_sha(256|384|512)$/, `${version}: ${first.scheme}`);
    }
  });
});
