/** Top-level usage text. */
export const USAGE = `Usage: tlskit <command> [options]

Commands:
  demo                 a TLS 1.3 handshake between a tlskit client and server in this process,
                       explained message by message (try --hrr, --group, --cipher, --json)
  connect HOST:PORT    connect to a TLS server (like openssl s_client): show what was negotiated,
                       the certificate chain and its verification, then relay stdin/stdout
  serve                run a TLS 1.3 server (like openssl s_server): echo, or --www for an HTML
                       page that describes the connection
  verify LEAF.pem      validate a certificate chain like a browser (RFC 5280 path validation, host,
                       CRL/OCSP revocation, Certificate Transparency) and explain every check
  help [COMMAND]       this help, or a command's options

Run 'tlskit COMMAND --help' for the options of a command.
Secrets are never printed; --keylog FILE writes them (NSS key log format) for Wireshark.
`;
