// tlskit connect --crl FILE / --fetch-crls: revocation of the server's certificate by CRL in the
// handshake, against a tlskit server on 127.0.0.1 whose leaf names a CRL distribution point
// served by a local http server.
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nodeCryptoProvider as provider } from '../../src/crypto/node-provider.js';
import { createServer, type Server } from '../../src/node/server.js';
import { encodeCrlDistributionPoints } from '../../src/x509/ext.js';
import { generateCertificate, generateCrl } from '../../src/x509/generate.js';
import { OID } from '../../src/x509/oids.js';
import { cleanupPeersAfter, runCommand } from '../helpers/process.js';

cleanupPeersAfter(after);
const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url)); // dist/test/interop → dist/src/cli
const dir = mkdtempSync(join(tmpdir(), 'tlskit-cli-crl-'));
let http: HttpServer;
let tls: Server;
let port = 0;
let crlHits = 0;
const files = { root: join(dir, 'root.pem'), crl: join(dir, 'crl.pem'), emptyCrl: join(dir, 'empty-crl.pem') };

before(async () => {
  let crlDer: Uint8Array = new Uint8Array(0);
  http = createHttpServer((_req, res) => {
    crlHits++;
    res.writeHead(200, { 'content-type': 'application/pkix-crl' }).end(crlDer);
  });
  http.listen(0, '127.0.0.1');
  await once(http, 'listening');
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/ca.crl`;
  const root = generateCertificate({ subject: { CN: 'CLI CRL Root' }, isCA: true }, provider);
  const leaf = generateCertificate(
    {
      subject: { CN: 'localhost' },
      issuer: root,
      dnsNames: ['localhost'],
      extraExtensions: [{ oid: OID.crlDistributionPoints, critical: false, value: encodeCrlDistributionPoints([url]) }],
    },
    provider,
  );
  const crl = generateCrl({ issuer: root, revoked: [{ serial: leaf.cert.serialRaw, reason: 'keyCompromise' }] }, provider);
  crlDer = crl.der;
  writeFileSync(files.root, root.certPem);
  writeFileSync(files.crl, crl.pem);
  writeFileSync(files.emptyCrl, generateCrl({ issuer: root }, provider).pem);
  tls = createServer({ key: leaf.keyPem, cert: leaf.certPem }, (s) => s.end());
  tls.on('tlsClientError', () => undefined);
  tls.listen(0, '127.0.0.1');
  await once(tls, 'listening');
  port = (tls.address() as AddressInfo).port;
});

after(async () => {
  tls.close();
  http.closeAllConnections();
  await new Promise<void>((resolve) => http.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

const connect = (extra: readonly string[]) =>
  runCommand(process.execPath, [CLI, 'connect', `127.0.0.1:${port}`, '--servername', 'localhost', '--cafile', files.root, '--json', ...extra], {
    timeoutMs: 20_000,
    name: 'tlskit connect',
    env: { ...process.env, NO_COLOR: '1' },
  });

it('tlskit connect: no CRL, no fetch → connects (the CRL is never fetched)', async () => {
  const r = await connect([]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(crlHits, 0);
});

it('tlskit connect --crl FILE (the leaf listed) → CERT_REVOKED; an empty CRL from the same CA → connects', async () => {
  const r = await connect(['--crl', files.crl]);
  assert.notEqual(r.code, 0);
  const out = JSON.parse(r.stdout) as { ok: boolean; error: { code: string; alert: string } };
  assert.equal(out.ok, false);
  assert.equal(out.error.code, 'CERT_REVOKED');
  assert.equal(out.error.alert, 'certificate_revoked');
  const good = await connect(['--crl', files.emptyCrl]);
  assert.equal(good.code, 0, good.stderr);
  assert.equal(crlHits, 0);
});

it('tlskit connect --fetch-crls → the CRL is fetched from the distribution point, CERT_REVOKED', async () => {
  const r = await connect(['--fetch-crls']);
  assert.notEqual(r.code, 0);
  const out = JSON.parse(r.stdout) as { ok: boolean; error: { code: string } };
  assert.equal(out.error.code, 'CERT_REVOKED');
  assert.equal(crlHits, 1);
});
