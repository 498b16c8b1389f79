// A Go crypto/tls peer for tlskit's interop tests (test/interop/go.test.ts), built at test time
// with the Debian golang-go toolchain. Written for these tests; standard library only.
//
//	peer server -port P -cert CHAIN.pem -key KEY.pem [-max 1.2|1.3] [-curve C] [-client-ca CA.pem]
//	    echoes each line; prints "ready PORT", then one line per connection:
//	    "conn version=... cipher=... resumed=true|false alpn=... client=CN|-"
//	    (-client-ca: a client certificate is required and verified against CA.pem)
//	peer client -port P -ca CA.pem -name SERVERNAME [-max 1.2|1.3] [-n 2] [-curve C]
//	                [-cert CHAIN.pem -key KEY.pem]
//	    n connections sharing one session cache; each writes "ping N\n", waits for the echo and
//	    prints "conn version=... cipher=... resumed=... alpn=... client=-"
//	C is X25519, P256 or P384: the only key exchange group (default: Go's list).
package main

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"flag"
	"fmt"
	"net"
	"os"
	"strings"
	"time"
)

func versionName(v uint16) string {
	switch v {
	case tls.VersionTLS13:
		return "TLSv1.3"
	case tls.VersionTLS12:
		return "TLSv1.2"
	}
	return fmt.Sprintf("0x%04x", v)
}

func maxVersion(s string) uint16 {
	if s == "1.2" {
		return tls.VersionTLS12
	}
	return tls.VersionTLS13
}

func fail(format string, a ...any) {
	fmt.Fprintf(os.Stderr, format+"\n", a...)
	os.Exit(1)
}

// describe: one line per connection; on the server, client= is the verified client certificate's CN.
func describe(st tls.ConnectionState, isServer bool) string {
	client := "-"
	if isServer && len(st.PeerCertificates) > 0 && st.VerifiedChains != nil {
		client = st.PeerCertificates[0].Subject.CommonName
	}
	return fmt.Sprintf("conn version=%s cipher=%s resumed=%t alpn=%s client=%s", versionName(st.Version), tls.CipherSuiteName(st.CipherSuite), st.DidResume, st.NegotiatedProtocol, client)
}

func curves(name string) []tls.CurveID {
	switch strings.ToUpper(name) {
	case "":
		return nil
	case "X25519":
		return []tls.CurveID{tls.X25519}
	case "P256":
		return []tls.CurveID{tls.CurveP256}
	case "P384":
		return []tls.CurveID{tls.CurveP384}
	}
	fail("unknown curve %s", name)
	return nil
}

func pool(file string) *x509.CertPool {
	pem, err := os.ReadFile(file)
	if err != nil {
		fail("read CA: %v", err)
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(pem) {
		fail("no CA certificate in %s", file)
	}
	return roots
}

func server(args []string) {
	fs := flag.NewFlagSet("server", flag.ExitOnError)
	port := fs.Int("port", 0, "port on 127.0.0.1 (0: any)")
	certFile := fs.String("cert", "", "certificate chain (PEM)")
	keyFile := fs.String("key", "", "private key (PEM)")
	max := fs.String("max", "1.3", "highest version: 1.2 or 1.3")
	curve := fs.String("curve", "", "the only key exchange group")
	clientCA := fs.String("client-ca", "", "require a client certificate verified against this CA (PEM)")
	fs.Parse(args)
	cert, err := tls.LoadX509KeyPair(*certFile, *keyFile)
	if err != nil {
		fail("load key pair: %v", err)
	}
	cfg := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12, MaxVersion: maxVersion(*max), NextProtos: []string{"http/1.1"}, CurvePreferences: curves(*curve)}
	if *clientCA != "" {
		cfg.ClientAuth = tls.RequireAndVerifyClientCert
		cfg.ClientCAs = pool(*clientCA)
	}
	ln, err := tls.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", *port), cfg)
	if err != nil {
		fail("listen: %v", err)
	}
	fmt.Printf("ready %d\n", ln.Addr().(*net.TCPAddr).Port)
	for {
		c, err := ln.Accept()
		if err != nil {
			fail("accept: %v", err)
		}
		go func(c net.Conn) {
			defer c.Close()
			tc := c.(*tls.Conn)
			c.SetDeadline(time.Now().Add(10 * time.Second))
			if err := tc.Handshake(); err != nil {
				fmt.Printf("handshake error: %v\n", err)
				return
			}
			fmt.Println(describe(tc.ConnectionState(), true))
			r := bufio.NewReader(c)
			for {
				line, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if _, err := c.Write([]byte(line)); err != nil {
					return
				}
			}
		}(c)
	}
}

func client(args []string) {
	fs := flag.NewFlagSet("client", flag.ExitOnError)
	port := fs.Int("port", 0, "server port on 127.0.0.1")
	caFile := fs.String("ca", "", "trusted root (PEM)")
	name := fs.String("name", "localhost", "server name (SNI and verification)")
	max := fs.String("max", "1.3", "highest version: 1.2 or 1.3")
	n := fs.Int("n", 2, "connections, sharing one session cache")
	curve := fs.String("curve", "", "the only key exchange group")
	certFile := fs.String("cert", "", "client certificate chain (PEM), for mutual TLS")
	keyFile := fs.String("key", "", "its private key (PEM)")
	fs.Parse(args)
	cfg := &tls.Config{RootCAs: pool(*caFile), ServerName: *name, MinVersion: tls.VersionTLS12, MaxVersion: maxVersion(*max), ClientSessionCache: tls.NewLRUClientSessionCache(8), NextProtos: []string{"http/1.1"}, CurvePreferences: curves(*curve)}
	if *certFile != "" {
		cert, err := tls.LoadX509KeyPair(*certFile, *keyFile)
		if err != nil {
			fail("load client key pair: %v", err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	for i := 1; i <= *n; i++ {
		d := &net.Dialer{Timeout: 5 * time.Second}
		c, err := tls.DialWithDialer(d, "tcp", fmt.Sprintf("127.0.0.1:%d", *port), cfg)
		if err != nil {
			fail("connection %d: %v", i, err)
		}
		c.SetDeadline(time.Now().Add(10 * time.Second))
		msg := fmt.Sprintf("ping %d\n", i)
		if _, err := c.Write([]byte(msg)); err != nil {
			fail("connection %d write: %v", i, err)
		}
		// reading the echo also reads the TLS 1.3 NewSessionTicket that comes before it
		line, err := bufio.NewReader(c).ReadString('\n')
		if err != nil || line != msg {
			fail("connection %d echo: %q, %v", i, line, err)
		}
		fmt.Println(describe(c.ConnectionState(), false))
		c.Close()
	}
}

func main() {
	if len(os.Args) < 2 {
		fail("usage: peer server|client [options]")
	}
	switch os.Args[1] {
	case "server":
		server(os.Args[2:])
	case "client":
		client(os.Args[2:])
	default:
		fail("unknown mode %s", os.Args[1])
	}
}
