// OCSP stapling against real peers, TLS 1.3 and 1.2: responses made by `openssl ocsp` (index.txt
// responder, signed by the test intermediate) for the test PKI's leaf.
// - openssl s_server -status_file → tlskit client (requestOCSP): 'OCSPResponse', verified good;
//   a revoked staple → certificate_revoked.
// - tlskit server (a configured response) → openssl s_client -status: "OCSP Response Status:
//   successful", "Cert Status: good".
// - node:tls both ways ('OCSPRequest' on the server, requestOCSP + 'OCSPResponse' on the client).
// - a tlskit server fetching its staple from the certificate's responder (openssl ocsp -port), cached.
// - the CLI: tlskit serve --ocsp FILE → openssl s_client -status; tlskit connect --status [--json]
//   → openssl s_server -status_file.
// Every peer is bounded and killed.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as nodeTls from 'node:tls';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, createServer, type TLSSocket } from '../../src/node/index.js';
import { createTestPki, type TestPki } from '../helpers/pki.js';
import { runOpensslClient, startOpensslServer, type OpensslServer } from '../helpers/openssl.js';
import { cleanupPeersAfter, freePort, runChecked, spawnPeer, withTimeout } from '../helpers/process.js';
import { closeServer, listenLocal } from '../helpers/impl.js';
import { nodeCryptoProvider } from '../../src/crypto/node-provider.js';
import { generateCertificate } from '../../src/x509/generate.js';
import { parseCertificate } from '../../src/x509/certificate.js';
import { decodeCertificatesPem } from '../../src/x509/pem.js';
import { encodeAuthorityInfoAccess } from '../../src/x509/ext.js';
import { OID } from '../../src/x509/oids.js';
import { toHex } from '../../src/wire/bytes.js';
import { encodeSct, encodeSctList, sctSignedData } from '../../src/x509/ct.js';
import { findCli, runTlskit } from '../helpers/cli.js';

cleanupPeersAfter(after);

const VERSIONS = [
  { name: 'TLSv1.3', only: { tls13Only: true }, flag: '--tls1.3' },
  { name: 'TLSv1.2', only: { tls12Only: true }, flag: '--tls1.2' },
] as const;

const pki: TestPki = await createTestPki();
const dir = mkdtempSync(join(tmpdir(), 'tlskit-ocsp-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A DER OCSP response for `certPath` from an index.txt responder signed by the intermediate (`openssl ocsp`). */
async function opensslOcsp(name: string, certPath: string, status: 'good' | 'revoked'): Promise<string> {
  const serial = (await runChecked('openssl', ['x509', '-in', certPath, '-noout', '-serial'], { timeoutMs: 10_000, name: 'openssl x509' })).stdout.trim().replace(/^serial=/, '');
  // index.txt (ca(1) database): status, expiry, revocation date[,reason], serial, file, subject
  const line = status === 'good' ? `V\t491231000000Z\t\t${serial}\tunknown\t/CN=localhost\n` : `R\t491231000000Z\t251101000000Z,keyCompromise\t${serial}\tunknown\t/CN=localhost\n`;
  const index = join(dir, `${name}.index.txt`);
  writeFileSync(index, line);
  const out = join(dir, `${name}.der`);
  const int = pki.intermediate;
  await runChecked(
    'openssl',
    ['ocsp', '-index', index, '-rsigner', int.cert.path, '-rkey', int.key.path, '-CA', int.cert.path, '-issuer', int.cert.path, '-cert', certPath, '-respout', out, '-ndays', '2'],
    { timeoutMs: 10_000, name: 'openssl ocsp' },
  );
  return out;
}

const goodPath = await opensslOcsp('good', pki.leaves.p256.cert.path, 'good');
const revokedPath = await opensslOcsp('revoked', pki.leaves.p256.cert.path, 'revoked');
const good = readFileSync(goodPath);
const revoked = readFileSync(revokedPath);

async function statusServer(only: { tls13Only?: boolean; tls12Only?: boolean }, file: string): Promise<OpensslServer> {
  const leaf = pki.leaves.p256;
  return startOpensslServer({ cert: leaf.cert.path, key: leaf.key.path, chain: pki.intermediate.cert.path, ...only, extraArgs: ['-status_file', file] });
}

interface ClientOutcome {
  ocspEvents: (Buffer | null)[];
  /** How many 'OCSPResponse' events came before 'error' (when there was one). */
  eventsAtError?: number;
  socket: TLSSocket;
  error: (Error & { code?: string }) | undefined;
  body: string;
}

/** tlskit client with requestOCSP: GET / against an s_server -www, the events and errors it saw. */
function tlskitClient(port: number, extra: Record<string, unknown> = {}): Promise<ClientOutcome> {
  const socket = connect({ host: '127.0.0.1', port, servername: 'localhost', ca: pki.caFile.pem, requestOCSP: true, ...extra });
  const ocspEvents: (Buffer | null)[] = [];
  socket.on('OCSPResponse', (r: Buffer | null) => ocspEvents.push(r));
  return withTimeout(
    new Promise<ClientOutcome>((resolve) => {
      let body = '';
      socket.on('secureConnect', () => socket.write('GET / HTTP/1.0\r\n\r\n'));
      socket.on('data', (d: Buffer) => (body += d.toString()));
      socket.on('end', () => resolve({ ocspEvents, socket, error: undefined, body }));
      socket.on('error', (error: Error) => resolve({ ocspEvents, eventsAtError: ocspEvents.length, socket, error, body }));
    }),
    10_000,
    'tlskit client with requestOCSP',
  );
}

for (const v of VERSIONS) {
  describe(`OCSP stapling interop, ${v.name}`, () => {
    it('openssl s_server -status_file → tlskit client (requestOCSP): the staple arrives, verified good', async () => {
      const server = await statusServer(v.only, goodPath);
      try {
        const r = await tlskitClient(server.port);
        assert.equal(r.error, undefined, r.error?.message);
        assert.equal(r.socket.getProtocol(), v.name);
        assert.equal(r.socket.authorized, true);
        assert.equal(r.ocspEvents.length, 1);
        assert.deepEqual(r.ocspEvents[0], good);
        const status = r.socket.negotiated.ocspStatus;
        assert.equal(status?.status, 'good');
        assert.match(status?.responder ?? '', /tlskit test intermediate CA/);
        assert.match(r.body, /HTTP\/1\.0 200 ok/);
      } finally {
        await server.stop();
      }
    });

    it("openssl s_server with a revoked staple → tlskit client fails with certificate_revoked; 'OCSPResponse' still reports the staple, before 'error'", async () => {
      const server = await statusServer(v.only, revokedPath);
      try {
        const r = await tlskitClient(server.port);
        assert.equal(r.error?.code, 'CERT_REVOKED', r.error?.message);
        assert.match(r.error?.message ?? '', /revoked on 2025-11-01 \(reason: keyCompromise\)/);
        // node emits it during the handshake, before the verification outcome
        assert.deepEqual(r.ocspEvents, [revoked]);
        assert.equal(r.eventsAtError, 1);
      } finally {
        await server.stop();
      }
    });

    it("tlskit server stapling an unusable response → tlskit client fails (bad_certificate_status_response); 'OCSPResponse' reports it; a chain that fails without a staple reports null", async () => {
      const leaf = pki.leaves.p256;
      const garbage = Buffer.from('30030a0101', 'hex'); // OCSPResponse with responseStatus malformedRequest(1)
      const server = createServer({ certificates: [{ key: leaf.key.pem, cert: leaf.chain.pem, ocspResponse: garbage }], minVersion: v.name, maxVersion: v.name }, (s: TLSSocket) => s.pipe(s));
      const port = await listenLocal(server);
      try {
        const r = await tlskitClient(port);
        assert.equal(r.error?.code, 'OCSP_RESPONSE_INVALID', r.error?.message);
        assert.deepEqual(r.ocspEvents, [garbage]);
        assert.equal(r.eventsAtError, 1);
      } finally {
        await closeServer(server);
      }
      // no staple, and the certificate does not name the server: null, as node's status callback
      const bare = createServer({ key: leaf.key.pem, cert: leaf.chain.pem, minVersion: v.name, maxVersion: v.name }, (s: TLSSocket) => s.pipe(s));
      const barePort = await listenLocal(bare);
      try {
        const wrongName = await tlskitClient(barePort, { servername: 'wrong.example' });
        assert.equal(wrongName.error?.code, 'ERR_TLS_CERT_ALTNAME_INVALID', wrongName.error?.message);
        assert.deepEqual(wrongName.ocspEvents, [null]);
        assert.equal(wrongName.eventsAtError, 1);
      } finally {
        await closeServer(bare);
      }
    });

    it('tlskit server with a configured response → openssl s_client -status: successful, good', async () => {
      const leaf = pki.leaves.p256;
      const server = createServer({ certificates: [{ key: leaf.key.pem, cert: leaf.chain.pem, ocspResponse: good }], minVersion: v.name, maxVersion: v.name }, (s: TLSSocket) => s.pipe(s));
      const port = await listenLocal(server);
      try {
        const r = await runOpensslClient({ port, servername: 'localhost', caFile: pki.caFile.path, ...v.only, extraArgs: ['-status'], input: 'hi\n', expect: /hi/ });
        assert.equal(r.handshakeOk, true, r.stdout + r.stderr);
        assert.equal(r.protocol, v.name);
        assert.match(r.stdout, /OCSP Response Status: successful/);
        assert.match(r.stdout, /Cert Status: good/);
        // not asked → not stapled
        const plain = await runOpensslClient({ port, servername: 'localhost', caFile: pki.caFile.path, ...v.only, input: 'hi\n', expect: /hi/ });
        assert.equal(plain.handshakeOk, true);
        assert.doesNotMatch(plain.stdout, /OCSP Response Status/);
      } finally {
        await closeServer(server);
      }
    });

    it("node:tls client (requestOCSP) → tlskit server ('OCSPRequest'), and tlskit client → node:tls server ('OCSPRequest')", async () => {
      const leaf = pki.leaves.p256;
      const requests: number[] = [];
      const server = createServer({ key: leaf.key.pem, cert: leaf.chain.pem, minVersion: v.name, maxVersion: v.name }, (s: TLSSocket) => s.pipe(s));
      server.on('OCSPRequest', (cert: Buffer, issuer: Buffer, cb: (err: Error | null, resp: Buffer | null) => void) => {
        requests.push(cert.length > 0 && issuer.length > 0 ? 1 : 0);
        setImmediate(() => cb(null, good));
      });
      const port = await listenLocal(server);
      try {
        // node passes requestOCSP from connect() to its TLSSocket (not in the ConnectionOptions typings)
        const c = nodeTls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca: pki.caFile.pem, requestOCSP: true, minVersion: v.name, maxVersion: v.name } as nodeTls.ConnectionOptions);
        const got = await withTimeout(
          new Promise<Buffer | null>((resolve, reject) => {
            let resp: Buffer | null = null;
            c.on('OCSPResponse', (r: Buffer) => (resp = r));
            c.on('secureConnect', () => c.write('x'));
            c.on('data', () => resolve(resp));
            c.on('error', reject);
          }),
          5000,
          'node client → tlskit server',
        );
        c.destroy();
        assert.deepEqual(got, good);
        assert.deepEqual(requests, [1]);
      } finally {
        await closeServer(server);
      }

      const ns = nodeTls.createServer({ key: leaf.key.pem, cert: leaf.chain.pem, minVersion: v.name, maxVersion: v.name }, (s) => {
        // answer after reading the request (a node:tls server that ends first never reports 'close')
        s.once('data', () => s.end('HTTP/1.0 200 ok\r\n\r\n'));
      });
      ns.on('OCSPRequest', (_cert: Buffer, _issuer: Buffer, cb: (err: Error | null, resp: Buffer) => void) => cb(null, good));
      await new Promise<void>((resolve) => ns.listen(0, '127.0.0.1', resolve));
      try {
        const r = await tlskitClient((ns.address() as { port: number }).port);
        assert.equal(r.error, undefined, r.error?.message);
        assert.deepEqual(r.ocspEvents, [good]);
        assert.equal(r.socket.negotiated.ocspStatus?.status, 'good');
        r.socket.destroy();
      } finally {
        await closeServer(ns);
      }
    });
  });
}

describe('OCSP stapling with responses fetched from the responder (openssl ocsp -port)', () => {
  it('tlskit server (ocspStapling) and tlskit serve --ocsp-fetch each fetch once from the AIA responder and staple for openssl s_client -status', async () => {
    const port = await freePort();
    // a leaf under the test intermediate whose authorityInfoAccess names the local responder
    const int = pki.intermediate;
    const issuer = { cert: parseCertificate(decodeCertificatesPem(int.cert.pem)[0] as Uint8Array), key: nodeCryptoProvider.importPrivateKey(int.key.pem) };
    const aia = { oid: OID.authorityInfoAccess, critical: false, value: encodeAuthorityInfoAccess({ ocsp: [`http://127.0.0.1:${port}/`] }) };
    const leaf = generateCertificate({ subject: { CN: 'localhost' }, keyKind: 'p256', issuer, dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'], extraExtensions: [aia] }, nodeCryptoProvider);
    const index = join(dir, 'fetch.index.txt');
    writeFileSync(index, `V\t491231000000Z\t\t${toHex(leaf.cert.serialRaw).toUpperCase()}\tunknown\t/CN=localhost\n`);
    // -nrequest 2: the responder answers two requests (one per server) and exits, so later staples come from the caches
    const responder = spawnPeer('openssl', ['ocsp', '-index', index, '-port', String(port), '-rsigner', int.cert.path, '-rkey', int.key.path, '-CA', int.cert.path, '-ndays', '1', '-nrequest', '2'], { timeoutMs: 40_000, name: 'openssl ocsp responder' });
    const events: string[] = [];
    const server = createServer(
      { certificates: [{ key: leaf.keyPem, cert: leaf.certPem + int.cert.pem }], ocspStapling: { onEvent: (e) => events.push(`${e.ok ? 'ok' : 'fail'} ${e.detail}`) } },
      (s: TLSSocket) => s.pipe(s),
    );
    const tlsPort = await listenLocal(server);
    try {
      await responder.waitFor(/waiting for OCSP client connections/, 10_000);
      for (const v of VERSIONS) {
        const r = await runOpensslClient({ port: tlsPort, servername: 'localhost', caFile: pki.caFile.path, ...v.only, extraArgs: ['-status'], input: 'hi\n', expect: /hi/ });
        assert.equal(r.protocol, v.name, r.stdout + r.stderr);
        assert.match(r.stdout, /OCSP Response Status: successful/);
        assert.match(r.stdout, /Cert Status: good/);
      }
      assert.deepEqual(events.map((e) => e.split(',')[0]), ['ok good']);

      // the CLI
      const certFile = join(dir, 'fetch-leaf.pem');
      const keyFile = join(dir, 'fetch-leaf.key');
      writeFileSync(certFile, leaf.certPem + int.cert.pem);
      writeFileSync(keyFile, leaf.keyPem);
      const serve = spawnPeer(process.execPath, [findCli(), 'serve', '--port', '0', '--cert', certFile, '--key', keyFile, '--ocsp-fetch'], { timeoutMs: 30_000, name: 'tlskit serve --ocsp-fetch' });
      try {
        const m = await serve.waitFor(/^listening on 127\.0\.0\.1:(\d+)$/m, 10_000, 'stdout');
        for (const v of VERSIONS) {
          const r = await runOpensslClient({ port: Number(m[1]), servername: 'localhost', caFile: pki.caFile.path, ...v.only, extraArgs: ['-status'], input: 'hi\n', expect: /hi/ });
          assert.equal(r.protocol, v.name, r.stdout + r.stderr);
          assert.match(r.stdout, /Cert Status: good/);
        }
        assert.match(serve.stderr(), new RegExp(`OCSP http://127\\.0\\.0\\.1:${port}/: good, valid until`));
      } finally {
        await serve.kill(500);
      }
      const exit = await responder.wait(5000);
      assert.equal(exit.code, 0, responder.output());
    } finally {
      await closeServer(server);
      await responder.kill(200);
    }
  });
});

describe('SCTs in the handshake: openssl s_server -serverinfo → tlskit client (ctLogs, ctPolicy); tlskit server (sctList) → openssl s_client -ct', () => {
  // a test CT log (ECDSA P-256) that signed the leaf's x509_entry (RFC 6962 §3.2)
  const p = nodeCryptoProvider;
  const logKey = p.generateSigningKey('p256');
  const logSpki = p.publicKeyOf(logKey);
  const logId = p.hash('sha256', logSpki);
  const b64 = (b: Uint8Array): string => Buffer.from(b).toString('base64');
  const ctLogs = { operators: [{ name: 'tlskit test operator', logs: [{ description: 'tlskit test log', log_id: b64(logId), key: b64(logSpki), state: { usable: { timestamp: '2020-01-01T00:00:00Z' } } }] }] };
  const leafCert = parseCertificate(decodeCertificatesPem(pki.leaves.p256.cert.pem)[0] as Uint8Array);
  const interCert = parseCertificate(decodeCertificatesPem(pki.intermediate.cert.pem)[0] as Uint8Array);
  const timestamp = Date.now() - 60_000;
  const none = new Uint8Array(0);
  const signature = p.sign(0x0403, logKey, sctSignedData(p, { timestamp, extensions: none, source: 'tls' }, leafCert, interCert));
  const sctList = encodeSctList([encodeSct({ logId, timestamp, extensions: none, scheme: 0x0403, signature })]);
  // SERVERINFOV2: context (ClientHello | TLS 1.2 ServerHello | TLS 1.3 Certificate), type 18, length, data
  const info = Buffer.alloc(8 + sctList.length);
  info.writeUInt32BE(0x80 | 0x100 | 0x1000, 0);
  info.writeUInt16BE(18, 4);
  info.writeUInt16BE(sctList.length, 6);
  info.set(sctList, 8);
  const infoFile = join(dir, 'sct.serverinfo.pem');
  writeFileSync(infoFile, `-----BEGIN SERVERINFOV2 FOR signed_certificate_timestamp-----\n${info.toString('base64')}\n-----END SERVERINFOV2 FOR signed_certificate_timestamp-----\n`);

  for (const v of VERSIONS) {
    it(`${v.name}: the SCT list arrives, is verified against the log list; an unmet policy fails`, async () => {
      const leaf = pki.leaves.p256;
      const server = await startOpensslServer({ cert: leaf.cert.path, key: leaf.key.path, chain: pki.intermediate.cert.path, ...v.only, extraArgs: ['-serverinfo', infoFile] });
      try {
        const ok = await tlskitClient(server.port, { requestOCSP: false, ctLogs, ctPolicy: { minScts: 1, minOperators: 1 } });
        assert.equal(ok.error, undefined, ok.error?.message);
        assert.equal(ok.socket.authorized, true);
        assert.deepEqual(new Uint8Array(ok.socket.negotiated.sctList ?? []), sctList);
        const strict = await tlskitClient(server.port, { requestOCSP: false, ctLogs, ctPolicy: { minScts: 2, minOperators: 1 } });
        assert.equal(strict.error?.code, 'CT_POLICY_NOT_MET', strict.error?.message);
        assert.match(strict.error?.message ?? '', /1 valid SCT\(s\) from 1 log operator/);
      } finally {
        await server.stop();
      }
    });

    it(`${v.name}: tlskit server with a configured sctList → openssl s_client -ct validates it against the log`, async () => {
      const leaf = pki.leaves.p256;
      const logFile = join(dir, 'ctlog.cnf');
      writeFileSync(logFile, `enabled_logs = testlog\n[testlog]\ndescription = tlskit test log\nkey = ${b64(logSpki)}\n`);
      const server = createServer({ certificates: [{ key: leaf.key.pem, cert: leaf.chain.pem, sctList }], minVersion: v.name, maxVersion: v.name }, (s: TLSSocket) => s.pipe(s));
      const port = await listenLocal(server);
      try {
        const r = await runOpensslClient({ port, servername: 'localhost', caFile: pki.caFile.path, ...v.only, extraArgs: ['-ct', '-ctlogfile', logFile], input: 'hi\n', expect: /hi/ });
        assert.equal(r.protocol, v.name, r.stdout + r.stderr);
        assert.match(r.stdout, /SCTs present \(1\)/);
        assert.match(r.stdout, /SCT validation status: valid/);
        assert.match(r.stdout, /Log\s*: tlskit test log/);
      } finally {
        await closeServer(server);
      }
    });
  }
  it('tlskit connect --ct-logs FILE [--ct-min N --ct-operators M]: the SCT list of a tlskit server verified and reported; an unmet policy or an unknown log fails', async () => {
    const leaf = pki.leaves.p256;
    const logsFile = join(dir, 'ct-logs.json');
    writeFileSync(logsFile, JSON.stringify(ctLogs));
    const otherLogs = join(dir, 'ct-logs-other.json');
    const otherSpki = p.publicKeyOf(p.generateSigningKey('p256'));
    writeFileSync(otherLogs, JSON.stringify({ operators: [{ name: 'other', logs: [{ description: 'another log', log_id: b64(p.hash('sha256', otherSpki)), key: b64(otherSpki), state: { usable: { timestamp: '2020-01-01T00:00:00Z' } } }] }] }));
    const server = createServer({ certificates: [{ key: leaf.key.pem, cert: leaf.chain.pem, sctList }] }, (s: TLSSocket) => s.pipe(s));
    const port = await listenLocal(server);
    const connect = (args: readonly string[]) => runTlskit(['connect', `127.0.0.1:${port}`, '--servername', 'localhost', '--cafile', pki.caFile.path, ...args], { input: '' });
    try {
      const report = await connect(['--ct-logs', logsFile]);
      assert.equal(report.code, 0, report.stderr);
      assert.match(report.stderr, /SCTs: 1 valid of 1 \(1 log\(s\) in the list; report only\)/);
      assert.match(report.stderr, /ok {2}SCT \(tls\) from tlskit test log: valid/);

      const policy = await connect(['--ct-logs', logsFile, '--ct-min', '1', '--ct-operators', '1', '--json']);
      assert.equal(policy.code, 0, policy.stderr);
      const out = JSON.parse(policy.stdout) as { ok: boolean; ct: { valid: number; policy: { min_scts: number; min_operators: number }; scts: { ok: boolean; source: string; log: string }[] } };
      assert.equal(out.ct.valid, 1);
      assert.deepEqual(out.ct.policy, { min_scts: 1, min_operators: 1 });
      assert.deepEqual(out.ct.scts.map((x) => [x.ok, x.source, x.log]), [[true, 'tls', 'tlskit test log']]);

      const strict = await connect(['--ct-logs', logsFile, '--ct-min', '2']);
      assert.equal(strict.code, 1, strict.stderr);
      assert.match(strict.stderr, /1 valid SCT\(s\) from 1 log operator\(s\); the policy requires 2 from 2/);

      const unknown = await connect(['--ct-logs', otherLogs]);
      assert.equal(unknown.code, 0, unknown.stderr);
      assert.match(unknown.stderr, /SCTs: 0 valid of 1 .*\n\s*BAD SCT \(tls\) from an unknown log/);
      const unknownStrict = await connect(['--ct-logs', otherLogs, '--ct-min', '1']);
      assert.equal(unknownStrict.code, 1, unknownStrict.stderr);

      const usage = await connect(['--ct-min', '1']);
      assert.equal(usage.code, 2);
      assert.match(usage.stderr, /--ct-min needs --ct-logs/);
      const badFile = await connect(['--ct-logs', pki.caFile.path]);
      assert.equal(badFile.code, 2);
      assert.match(badFile.stderr, /cannot read --ct-logs/);
    } finally {
      await closeServer(server);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// The CLI

describe('CLI: tlskit serve --ocsp, tlskit connect --status', () => {
  const CLI = findCli();
  const tlskit = (args: readonly string[]) => runTlskit(args, { input: '' });

  for (const v of VERSIONS) {
    it(`${v.name}: tlskit serve --ocsp FILE staples it for openssl s_client -status`, async () => {
      const leaf = pki.leaves.p256;
      const serve = spawnPeer(process.execPath, [CLI, 'serve', '--port', '0', '--cert', leaf.chain.path, '--key', leaf.key.path, '--ocsp', goodPath, v.flag], { timeoutMs: 30_000, name: 'tlskit serve --ocsp' });
      try {
        const m = await serve.waitFor(/^listening on 127\.0\.0\.1:(\d+)$/m, 10_000, 'stdout');
        assert.match(serve.output(), /stapling .*good\.der \(good, serial /);
        const r = await runOpensslClient({ port: Number(m[1]), servername: 'localhost', caFile: pki.caFile.path, ...v.only, extraArgs: ['-status'], input: 'hi\n', expect: /hi/ });
        assert.equal(r.protocol, v.name, r.stdout + r.stderr);
        assert.match(r.stdout, /OCSP Response Status: successful/);
        assert.match(r.stdout, /Cert Status: good/);
        await serve.waitFor(/OCSP-stapled/, 5000, 'stderr');
      } finally {
        await serve.kill(500);
      }
    });

    it(`${v.name}: tlskit connect --status shows the staple of openssl s_server -status_file, also in --json`, async () => {
      const server = await statusServer(v.only, goodPath);
      try {
        const text = await tlskit(['connect', `127.0.0.1:${server.port}`, '--servername', 'localhost', '--cafile', pki.caFile.path, '--status', v.flag]);
        assert.equal(text.code, 0, text.stderr);
        assert.match(text.stderr, /OCSP response: \d+ bytes stapled/);
        assert.match(text.stderr, /OCSP Response Status: successful/);
        assert.match(text.stderr, /Cert Status: good/);
        assert.match(text.stderr, /Produced At: \d{4}-\d\d-\d\dT/);
        assert.match(text.stderr, /This Update: .*\n\s*Next Update: \d{4}-/);
        assert.match(text.stderr, /Verification: OK: good .*signed by the issuing CA \(CN=tlskit test intermediate CA\)/);

        const json = await tlskit(['connect', `127.0.0.1:${server.port}`, '--servername', 'localhost', '--cafile', pki.caFile.path, '--status', '--json', v.flag]);
        assert.equal(json.code, 0, json.stderr);
        const out = JSON.parse(json.stdout) as { ok: boolean; ocsp: { stapled: boolean; response_status: string; cert_status: string; produced_at: string; this_update: string; next_update: string; responder_id: string; verification: { ok: boolean } } };
        assert.equal(out.ok, true);
        assert.equal(out.ocsp.stapled, true);
        assert.equal(out.ocsp.response_status, 'successful');
        assert.equal(out.ocsp.cert_status, 'good');
        assert.match(out.ocsp.responder_id, /tlskit test intermediate CA/);
        assert.ok(Date.parse(out.ocsp.next_update) > Date.parse(out.ocsp.this_update));
        assert.equal(out.ocsp.verification.ok, true);
      } finally {
        await server.stop();
      }
    });
  }

  it('tlskit connect --status --ocsp-hard: a good staple passes; a server that staples nothing fails the handshake (plain --status accepts it)', async () => {
    const good = await statusServer({ tls13Only: true }, goodPath);
    try {
      const r = await tlskit(['connect', `127.0.0.1:${good.port}`, '--servername', 'localhost', '--cafile', pki.caFile.path, '--status', '--ocsp-hard']);
      assert.equal(r.code, 0, r.stderr);
    } finally {
      await good.stop();
    }
    const leaf = pki.leaves.p256;
    const bare = await startOpensslServer({ cert: leaf.cert.path, key: leaf.key.path, chain: pki.intermediate.cert.path, tls13Only: true });
    try {
      const soft = await tlskit(['connect', `127.0.0.1:${bare.port}`, '--servername', 'localhost', '--cafile', pki.caFile.path, '--status']);
      assert.equal(soft.code, 0, soft.stderr);
      const hard = await tlskit(['connect', `127.0.0.1:${bare.port}`, '--servername', 'localhost', '--cafile', pki.caFile.path, '--status', '--ocsp-hard', '--json']);
      assert.equal(hard.code, 1, hard.stderr);
      const out = JSON.parse(hard.stdout) as { ok: boolean; error: { code: string; message: string } };
      assert.equal(out.ok, false);
      assert.match(out.error.message, /OCSP|staple/i);
    } finally {
      await bare.stop();
    }
    const usage = await tlskit(['connect', '127.0.0.1:1', '--ocsp-hard']);
    assert.notEqual(usage.code, 0);
    assert.match(usage.stderr, /--ocsp-hard needs --status/);
  });

  it('tlskit connect --status against a revoked staple: the handshake fails with certificate_revoked', async () => {
    const server = await statusServer({ tls13Only: true }, revokedPath);
    try {
      const r = await tlskit(['connect', `127.0.0.1:${server.port}`, '--servername', 'localhost', '--cafile', pki.caFile.path, '--status']);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /revoked/);
    } finally {
      await server.stop();
    }
  });
});
