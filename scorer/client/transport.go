package client

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/valyala/fasthttp"
)

// The transport is fasthttp's HostClient: it parses HTTP/1.x (chunked
// bodies, trailers, HTTP/1.0, keep-alive and close) on the calling
// goroutine, with pooled buffers, at a fraction of net/http's CPU per
// request (see scripts/bench-scorer.sh). It has no contexts, so the
// client maps them onto deadlines and connection closes (see enter).

// headerMax caps a response's header.
const headerMax = 8 << 10

// newHostClient returns the transport for the endpoint u.
func newHostClient(u *url.URL, opt Options, conns *connSet) *fasthttp.HostClient {
	isTLS := u.Scheme == "https"
	addr := u.Host
	if u.Port() == "" {
		port := "80"
		if isTLS {
			port = "443"
		}
		addr = net.JoinHostPort(u.Hostname(), port)
	}
	return &fasthttp.HostClient{
		Addr:  addr,
		IsTLS: isTLS,
		Name:  "podium-scorer",
		// Callers beyond MaxConns wait for a connection instead of failing.
		MaxConns:            opt.Concurrency,
		MaxConnWaitTimeout:  opt.Timeout,
		MaxIdleConnDuration: 90 * time.Second,
		ReadBufferSize:      headerMax, // the response header must fit
		MaxResponseBodySize: int(min(opt.MaxBody, int64(^uint(0)>>1))),
		// Retries are the client's own (once knows the request's context).
		RetryIfErr: func(*fasthttp.Request, int, error) (bool, bool) { return false, false },
		DialTimeout: func(addr string, timeout time.Duration) (net.Conn, error) {
			d := net.Dialer{Timeout: min(timeout, 10*time.Second), KeepAlive: 30 * time.Second}
			nc, err := d.Dial("tcp", addr)
			if err != nil {
				return nil, err
			}
			return conns.add(nc), nil
		},
	}
}

// once sends one request and parses its body.
func (c *HTTP) once(ctx context.Context, method, path string, payload []byte, parse func([]byte) error) (bool, error) {
	c.calls.Add(1)
	if w := c.enter(ctx); w != nil {
		defer w.inflight.Add(-1)
	}
	if err := ctx.Err(); err != nil {
		return false, transportError(path, ctx, err)
	}
	// The deadline covers the whole exchange, body included: a server that
	// drips its body slowly times out like one that hangs.
	deadline := time.Now().Add(c.opt.Timeout)
	if dl, ok := ctx.Deadline(); ok && dl.Before(deadline) {
		deadline = dl
	}
	req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
	defer fasthttp.ReleaseRequest(req)
	defer fasthttp.ReleaseResponse(resp)
	req.SetURI(c.uri(path))
	req.Header.SetMethod(method)
	req.Header.SetCanonical(headerAccept, mimeJSON)
	if payload != nil {
		req.Header.SetContentType("application/json")
		req.SetBodyRaw(payload)
	}
	err := c.hc.DoDeadline(req, resp, deadline)
	if err != nil && ctx.Err() == nil && errors.Is(err, fasthttp.ErrConnectionClosed) {
		// A kept-alive connection the server had closed while idle: the
		// server never saw the request. Send it again on a fresh one.
		err = c.hc.DoDeadline(req, resp, deadline)
	}
	if err != nil {
		if errors.Is(err, fasthttp.ErrBodyTooLarge) {
			return false, &Error{Endpoint: path, Reason: "body too large", Detail: fmt.Sprintf("over %d bytes", c.opt.MaxBody)}
		}
		if small := (*fasthttp.ErrSmallBuffer)(nil); errors.As(err, &small) {
			return false, &Error{Endpoint: path, Reason: "header too large", Detail: fmt.Sprintf("over %d bytes", headerMax)}
		}
		return false, transportError(path, ctx, err)
	}
	// The body is the pool's: copy what outlives the response.
	body := make([]byte, len(resp.Body()))
	copy(body, resp.Body())
	if code := resp.StatusCode(); code/100 != 2 {
		return false, &Error{Endpoint: path, Reason: fmt.Sprintf("http %d", code), Detail: snippet(body),
			retry: code >= 500 || code == http.StatusTooManyRequests || code == http.StatusRequestTimeout}
	}
	clean, nan := sanitizeJSON(body)
	if err := parse(clean); err != nil {
		return false, &Error{Endpoint: path, Reason: "invalid json", Detail: err.Error() + ": " + snippet(body), retry: true}
	}
	if nan {
		return false, &Error{Endpoint: path, Reason: "nan logprob", Detail: "the response holds NaN"}
	}
	return bytes.Equal(resp.Header.Peek(SimulatedHeader), []byte("true")), nil
}

var (
	headerAccept = []byte("Accept")
	mimeJSON     = []byte("application/json")
)

// uri is the URL of path on the server, parsed once: a parse per request
// costs more than the copy SetURI makes.
func (c *HTTP) uri(path string) *fasthttp.URI {
	if u, ok := c.uris.Load(path); ok {
		return u.(*fasthttp.URI)
	}
	u := new(fasthttp.URI)
	// New checked the base URL; one fasthttp could not parse would fail
	// when sent, as it did when set on each request.
	u.Parse(nil, []byte(c.base+path))
	c.uris.Store(path, u)
	return u
}

// watch counts the requests in flight under one context.
type watch struct {
	inflight atomic.Int64
	stop     func() bool
}

// enter counts a request under ctx. The first request under a context
// that can be canceled arranges that its cancellation, while requests
// under it are in flight, closes the client's connections: that
// interrupts them at once. Requests under other contexts caught by it
// fail with a connection error and are retried.
func (c *HTTP) enter(ctx context.Context) *watch {
	if ctx.Done() == nil {
		return nil
	}
	v, ok := c.watch.Load(ctx)
	if !ok {
		w := &watch{}
		w.stop = context.AfterFunc(ctx, func() {
			c.watch.Delete(ctx)
			if w.inflight.Load() > 0 {
				c.hc.CloseIdleConnections()
				c.conns.closeAll()
			}
		})
		var loaded bool
		if v, loaded = c.watch.LoadOrStore(ctx, w); loaded {
			w.stop()
		} else if ctx.Err() != nil {
			c.watch.Delete(ctx) // canceled before it was stored
		}
	}
	w := v.(*watch)
	w.inflight.Add(1)
	return w
}

// connSet is the client's open connections.
type connSet struct {
	mu sync.Mutex
	m  map[*trackedConn]struct{}
}

// trackedConn is a connection of the set. It holds back what is written
// until the next Read, and sends it from inside that Read: Go's poller
// forgets a connection's readiness as each Read starts, so a request sent
// before it would cost one more system call per request, a read that finds
// nothing yet. Sent after that reset, the response is simply awaited.
type trackedConn struct {
	net.Conn
	set     *connSet
	raw     syscall.RawConn // nil: writes go out at once
	pending []byte          // written, not yet sent
	sendFn  func(uintptr) bool
	sent    bool
	werr    error
}

// pendingKeep is the largest send buffer a connection keeps between
// requests.
const pendingKeep = 64 << 10

func (s *connSet) add(nc net.Conn) net.Conn {
	tc := &trackedConn{Conn: nc, set: s}
	if sc, ok := nc.(syscall.Conn); ok {
		tc.raw, _ = sc.SyscallConn()
		tc.sendFn = tc.send // made once: a closure per Read would be allocated
	}
	s.mu.Lock()
	if s.m == nil {
		s.m = map[*trackedConn]struct{}{}
	}
	s.m[tc] = struct{}{}
	s.mu.Unlock()
	return tc
}

func (c *trackedConn) Write(b []byte) (int, error) {
	if c.raw == nil {
		return c.Conn.Write(b)
	}
	c.pending = append(c.pending, b...)
	return len(b), nil
}

// Read sends what is pending, then reads. The raw Read resets readiness,
// then calls send, which sends (under the write deadline) and asks to
// wait; the raw Read then waits until the connection is readable, its read
// deadline passes or it is closed.
func (c *trackedConn) Read(b []byte) (int, error) {
	if len(c.pending) > 0 {
		c.sent, c.werr = false, nil
		err := c.raw.Read(c.sendFn)
		c.pending = c.pending[:0]
		if cap(c.pending) > pendingKeep {
			c.pending = nil
		}
		if c.werr != nil {
			return 0, c.werr
		}
		if err != nil {
			return 0, err
		}
	}
	return c.Conn.Read(b)
}

// send is the function of Read's raw Read: it sends on its first call and
// asks to wait; on the next, once readable, it is done.
func (c *trackedConn) send(uintptr) bool {
	if c.sent {
		return true
	}
	c.sent = true
	_, c.werr = c.Conn.Write(c.pending)
	return c.werr != nil
}

func (c *trackedConn) Close() error {
	c.set.mu.Lock()
	delete(c.set.m, c)
	c.set.mu.Unlock()
	return c.Conn.Close()
}

func (s *connSet) closeAll() {
	s.mu.Lock()
	all := make([]*trackedConn, 0, len(s.m))
	for tc := range s.m {
		all = append(all, tc)
	}
	s.mu.Unlock()
	for _, tc := range all {
		tc.Close()
	}
}

// SimulatedHeader marks responses from `scorer simulate`.
const SimulatedHeader = "X-Podium-Simulated"

func transportError(path string, ctx context.Context, err error) error {
	if ctx.Err() == context.Canceled {
		return &Error{Endpoint: path, Reason: "canceled", Detail: ctx.Err().Error()}
	}
	if ctx.Err() == context.DeadlineExceeded || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, fasthttp.ErrTimeout) {
		return &Error{Endpoint: path, Reason: "timeout", retry: true}
	}
	var te interface{ Timeout() bool }
	if errors.As(err, &te) && te.Timeout() {
		return &Error{Endpoint: path, Reason: "timeout", retry: true}
	}
	if errors.Is(err, context.Canceled) {
		return &Error{Endpoint: path, Reason: "canceled", Detail: err.Error()}
	}
	return &Error{Endpoint: path, Reason: "connection error", Detail: err.Error(), retry: true}
}
