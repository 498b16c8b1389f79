// tlskit against real peers on 127.0.0.1: `openssl s_client` → tlskit server and tlskit client →
// `openssl s_server -www`, every TLS 1.3 suite × group (x25519, P-256, P-384) × certificate type
// (RSA-2048, ECDSA P-256, P-384, Ed25519) that this OpenSSL supports; ALPN both ways; curl against
// a tlskit HTTPS server; and the negative cases (wrong host, unknown CA, no shared suite, TLS 1.2).
import { defineInteropMatrix } from '../helpers/interop-matrix.js';
import { asTlsImpl } from '../helpers/impl.js';

defineInteropMatrix('tlskit', () => import('../../src/node/index.js').then(asTlsImpl));
