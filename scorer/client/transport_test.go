package client

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// fakeTCP answers each request on a connection with the next canned
// response, then closes the connection when close is set.
func fakeTCP(t *testing.T, response string, closeAfter bool) (string, *atomic.Int64) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	var conns atomic.Int64
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns.Add(1)
			go func() {
				defer c.Close()
				br := bufio.NewReader(c)
				for {
					n := 0
					for {
						line, err := br.ReadString('\n')
						if err != nil {
							return
						}
						if strings.HasPrefix(strings.ToLower(line), "content-length:") {
							n = atoiTrim(line[len("content-length:"):])
						}
						if line == "\r\n" {
							break
						}
					}
					io.CopyN(io.Discard, br, int64(n))
					c.Write([]byte(response))
					if closeAfter {
						return
					}
				}
			}()
		}
	}()
	return "http://" + ln.Addr().String(), &conns
}

func atoiTrim(s string) int {
	n, _ := strconv.Atoi(strings.TrimSpace(s))
	return n
}

// The HTTP/1.x variants real servers send are all read, and connections
// are kept alive only where the server allows it.
func TestReadsHTTPVariants(t *testing.T) {
	body := `{"text": " ok", "tokens": [], "logprob": -1}`
	cases := []struct {
		name, resp string
		closeAfter bool
		wantConns  int64
	}{
		{"keep-alive", "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + itoa(len(body)) + "\r\n\r\n" + body, false, 1},
		{"chunked with trailer", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{\"tex\r\n" + itoa16(len(body)-5) + ";ext=1\r\n" + body[5:] + "\r\n0\r\nX-Trailer: y\r\n\r\n", false, 1},
		{"http/1.0 to EOF", "HTTP/1.0 200 OK\r\n\r\n" + body, true, 3},
		{"http/1.0 with length", "HTTP/1.0 200 OK\r\nContent-Length: " + itoa(len(body)) + "\r\n\r\n" + body, true, 3},
		{"close after each", "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: " + itoa(len(body)) + "\r\n\r\n" + body, true, 3},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			url, conns := fakeTCP(t, c.resp, c.closeAfter)
			cl, _ := New(url, Options{Timeout: 2 * time.Second, Retries: -1})
			for range 3 {
				r, err := cl.Complete(context.Background(), Request{Prompt: "x"})
				if err != nil || r.Text != " ok" || r.Logprob != -1 {
					t.Fatalf("%+v, %v", r, err)
				}
			}
			if conns.Load() != c.wantConns {
				t.Errorf("%d connections, want %d", conns.Load(), c.wantConns)
			}
		})
	}
}

// A kept-alive connection the server has since closed is retried once on a
// fresh one, without counting as a failure.
func TestRedialsAStaleConnection(t *testing.T) {
	body := `{"text": "a"}`
	url, conns := fakeTCP(t, "HTTP/1.1 200 OK\r\nContent-Length: "+itoa(len(body))+"\r\n\r\n"+body, true) // closes without saying so
	cl, _ := New(url, Options{Timeout: 2 * time.Second, Retries: -1})
	for range 3 {
		if _, err := cl.Complete(context.Background(), Request{Prompt: "x"}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(20 * time.Millisecond) // let the close arrive
	}
	if conns.Load() != 3 {
		t.Errorf("%d connections", conns.Load())
	}
}

func itoa(n int) string   { return strconv.Itoa(n) }
func itoa16(n int) string { return strconv.FormatInt(int64(n), 16) }

// A connection last used under a context that is since canceled serves
// the next request, under another context, normally; a canceled context
// stops its own requests.
func TestContexts(t *testing.T) {
	body := `{"text": "a"}`
	url, conns := fakeTCP(t, "HTTP/1.1 200 OK\r\nContent-Length: "+itoa(len(body))+"\r\n\r\n"+body, false)
	cl, _ := New(url, Options{Timeout: 2 * time.Second, Retries: -1})
	ctx, cancel := context.WithCancel(context.Background())
	if _, err := cl.Complete(ctx, Request{Prompt: "x"}); err != nil {
		t.Fatal(err)
	}
	cancel()
	time.Sleep(20 * time.Millisecond)
	if _, err := cl.Complete(ctx, Request{Prompt: "x"}); Reason(err) != "canceled" {
		t.Errorf("canceled context: %v", err)
	}
	for range 3 {
		if _, err := cl.Complete(context.Background(), Request{Prompt: "x"}); err != nil {
			t.Fatalf("after another context was canceled: %v", err)
		}
	}
	if conns.Load() > 2 {
		t.Errorf("%d connections", conns.Load())
	}
}

// Canceling the context stops a request in flight at once, without
// waiting for its timeout, and the client serves later requests.
func TestCancelInterruptsARequestInFlight(t *testing.T) {
	srv, _ := fakeHostile(t, "hang")
	cl, _ := New(srv.URL, Options{Timeout: 10 * time.Second, Retries: -1})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	start := time.Now()
	_, err := cl.Complete(ctx, Request{Prompt: "x"})
	if Reason(err) != "canceled" {
		t.Errorf("got %v, want canceled", err)
	}
	if el := time.Since(start); el > 2*time.Second {
		t.Errorf("cancel took %s", el)
	}
	ok, _, _ := fakeChallenge(t, " ok")
	cl2, _ := New(ok.URL, Options{Timeout: time.Second, Retries: -1})
	ctx2, cancel2 := context.WithCancel(context.Background())
	if _, err := cl2.Complete(ctx2, Request{Prompt: "x"}); err != nil {
		t.Fatal(err)
	}
	cancel2() // nothing in flight: the kept connection stays usable
	if _, err := cl2.Complete(context.Background(), Request{Prompt: "x"}); err != nil {
		t.Fatal(err)
	}
}

// A response header beyond the cap fails with a reason, not a hang or a
// crash, and is not retried.
func TestHugeHeaderFails(t *testing.T) {
	var calls atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.Header().Set("X-Padding", strings.Repeat("p", 1<<20))
		w.Write([]byte(`{"text": "a"}`))
	}))
	defer srv.Close()
	cl, _ := New(srv.URL, fastOptions(Challenge))
	_, err := cl.Complete(context.Background(), Request{Prompt: "x"})
	if Reason(err) != "header too large" || calls.Load() != 1 {
		t.Errorf("got %v after %d calls", err, calls.Load())
	}
}

// A request far larger than the socket buffers reaches the server whole,
// on a kept-alive connection, between small ones: the connection sends
// what was written from inside the Read that awaits the response.
func TestLargeRequestsArriveWhole(t *testing.T) {
	srv, _, bodies := fakeChallenge(t, " ok")
	c, _ := New(srv.URL, Options{Timeout: 10 * time.Second, Retries: -1, Concurrency: 1})
	big := strings.Repeat("0123456789abcdef", 1<<20) // 16 MiB
	for _, p := range []string{"small", big, "small again"} {
		r, err := c.Complete(context.Background(), Request{Prompt: p})
		if err != nil {
			t.Fatalf("%d bytes: %v", len(p), err)
		}
		if got := (*bodies)[len(*bodies)-1]["prompt"]; got != p || r.Text != " ok" {
			t.Fatalf("%d bytes: the server got %d bytes, the client %q", len(p), len(got.(string)), r.Text)
		}
	}
}

// A tracked connection carries TLS, whose handshake writes and reads in
// turn, and HTTP after it on the same connection.
func TestTrackedConnCarriesTLS(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.Write(append([]byte("got "), b...))
	}))
	defer srv.Close()
	nc, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	var set connSet
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	tc := tls.Client(set.add(nc), &tls.Config{RootCAs: pool, ServerName: "example.com"})
	defer tc.Close()
	br := bufio.NewReader(tc)
	for _, body := range []string{"one", "two"} {
		req, _ := http.NewRequest("POST", "https://example.com/", strings.NewReader(body))
		if err := req.Write(tc); err != nil {
			t.Fatal(err)
		}
		resp, err := http.ReadResponse(br, req)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(resp.Body)
		if string(got) != "got "+body {
			t.Errorf("got %q", got)
		}
	}
}
