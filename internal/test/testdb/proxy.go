package testdb

import (
	"bytes"
	"io"
	"net"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Proxy stands between maksa and the PostgreSQL server so that a test can
// take the database away (Down: every connection is cut and new ones are
// refused) and bring it back (Up), or lose the answer to a COMMIT
// (CutAtCommit), without touching the server other tests share.
type Proxy struct {
	tb       testing.TB
	target   string
	addr     string
	mu       sync.Mutex
	ln       net.Listener
	conns    []net.Conn
	atCommit atomic.Bool
	after    string // see CutAtCommit
}

// CutAtCommit makes the next COMMIT a client sends, in a transaction that
// sent after (any, when empty), reach the server, and then cuts that
// client's connection before the server's answer comes back: the
// transaction is committed, and the client cannot know it.
func (p *Proxy) CutAtCommit(after string) {
	p.mu.Lock()
	p.after = after
	p.mu.Unlock()
	p.atCommit.Store(true)
}

// toServer copies what the client sends to the server, and cuts both at a
// COMMIT when CutAtCommit asked for it.
func (p *Proxy) toServer(client, server net.Conn) {
	defer server.Close()
	buf := make([]byte, 32<<10)
	seen := false // the transaction sent what CutAtCommit waits for
	for {
		n, err := client.Read(buf)
		if n > 0 {
			if _, werr := server.Write(buf[:n]); werr != nil {
				return
			}
			p.mu.Lock()
			after := p.after
			p.mu.Unlock()
			seen = seen || after == "" || bytes.Contains(buf[:n], []byte(after))
			if bytes.Contains(buf[:n], []byte("COMMIT")) {
				if seen && p.atCommit.CompareAndSwap(true, false) {
					client.Close()
					time.Sleep(200 * time.Millisecond) // the server reads the COMMIT before it sees the connection go
					return
				}
				seen = false
			}
		}
		if err != nil {
			return
		}
	}
}

// NewProxy starts a proxy to the server of dsn and returns it with the DSN
// that connects through it.
func NewProxy(tb testing.TB, dsn string) (*Proxy, string) {
	tb.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		tb.Fatal(err)
	}
	p := &Proxy{tb: tb, target: u.Host, addr: "127.0.0.1:0"}
	p.Up()
	u.Host = p.addr
	tb.Cleanup(p.Down)
	return p, u.String()
}

// Up accepts connections again, on the same address.
func (p *Proxy) Up() {
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		p.tb.Fatalf("proxy: %v", err)
	}
	p.mu.Lock()
	p.ln, p.addr = ln, ln.Addr().String()
	p.mu.Unlock()
	go func() {
		for {
			client, err := ln.Accept()
			if err != nil {
				return
			}
			server, err := net.Dial("tcp", p.target)
			if err != nil {
				client.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, client, server)
			p.mu.Unlock()
			go p.toServer(client, server)
			go func() { io.Copy(client, server); client.Close() }()
		}
	}()
}

// Down cuts every connection and refuses new ones.
func (p *Proxy) Down() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}
