package client

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"
)

// rawHTTP is a small HTTP/1.1 client for plain-http endpoints: persistent
// connections, one request at a time each, no per-connection goroutines.
// The scorer sends tens of thousands of small requests; net/http costs
// several times the CPU per request. https endpoints use net/http.
type rawHTTP struct {
	addr   string // host:port
	host   string // Host header
	prefix string // the endpoint's path, before each request's
	idle   chan *rawConn
	dial   func(ctx context.Context) (net.Conn, error)
}

type rawConn struct {
	c  net.Conn
	br *bufio.Reader
	wb []byte

	// watch is the context whose cancellation interrupts this connection;
	// the scorer sends every request under one, so it is set up once.
	mu        sync.Mutex // orders a late cancellation against a new request
	watch     context.Context
	watchID   uint64
	stopWatch func() bool
}

func newRawHTTP(host, prefix string, maxIdle int) *rawHTTP {
	addr := host
	if _, _, err := net.SplitHostPort(host); err != nil {
		addr = net.JoinHostPort(host, "80")
	}
	d := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	return &rawHTTP{addr: addr, host: host, prefix: prefix, idle: make(chan *rawConn, maxIdle),
		dial: func(ctx context.Context) (net.Conn, error) { return d.DialContext(ctx, "tcp", addr) }}
}

func (h *rawHTTP) get(ctx context.Context) (*rawConn, bool, error) {
	select {
	case c := <-h.idle:
		return c, true, nil
	default:
	}
	c, err := h.dial(ctx)
	if err != nil {
		return nil, false, err
	}
	return &rawConn{c: c, br: bufio.NewReaderSize(c, 16<<10)}, false, nil
}

func (h *rawHTTP) put(c *rawConn) {
	select {
	case h.idle <- c:
	default:
		c.close()
	}
}

func (c *rawConn) close() {
	if c.stopWatch != nil {
		c.stopWatch()
	}
	c.c.Close()
}

func (h *rawHTTP) closeIdle() {
	for {
		select {
		case c := <-h.idle:
			c.close()
		default:
			return
		}
	}
}

// rawResponse is a response read in full (up to the cap).
type rawResponse struct {
	status    int
	body      []byte
	simulated bool
	tooLarge  bool
}

var errStaleConn = errors.New("stale connection")

// do sends one request. A reused connection that the server had closed is
// retried once on a fresh one.
func (h *rawHTTP) do(ctx context.Context, deadline time.Time, method, path string, payload []byte, maxBody int64) (*rawResponse, error) {
	for try := 0; ; try++ {
		c, reused, err := h.get(ctx)
		if err != nil {
			return nil, err
		}
		resp, keep, err := h.roundTrip(ctx, deadline, c, method, path, payload, maxBody)
		if err != nil {
			c.close()
			if errors.Is(err, errStaleConn) && reused && try == 0 {
				continue
			}
			if errors.Is(err, errStaleConn) {
				err = io.ErrUnexpectedEOF
			}
			return nil, err
		}
		if keep {
			h.put(c)
		} else {
			c.close()
		}
		return resp, nil
	}
}

func (h *rawHTTP) roundTrip(ctx context.Context, deadline time.Time, c *rawConn, method, path string, payload []byte, maxBody int64) (*rawResponse, bool, error) {
	c.mu.Lock()
	if c.watch != ctx {
		if c.stopWatch != nil {
			c.stopWatch()
			c.stopWatch = nil
		}
		c.watch = ctx
		c.watchID++
		if ctx.Done() != nil {
			id := c.watchID
			c.stopWatch = context.AfterFunc(ctx, func() {
				c.mu.Lock()
				defer c.mu.Unlock()
				if c.watchID == id { // not since handed to another context
					c.c.SetDeadline(time.Unix(1, 0))
				}
			})
		}
	}
	c.c.SetDeadline(deadline)
	c.mu.Unlock()
	if ctx.Err() != nil {
		return nil, false, ctx.Err()
	}
	wb := c.wb[:0]
	wb = append(wb, method...)
	wb = append(wb, ' ')
	wb = append(wb, h.prefix...)
	wb = append(wb, path...)
	wb = append(wb, " HTTP/1.1\r\nHost: "...)
	wb = append(wb, h.host...)
	wb = append(wb, "\r\nUser-Agent: podium-scorer\r\nAccept: application/json\r\n"...)
	if payload != nil {
		wb = append(wb, "Content-Type: application/json\r\nContent-Length: "...)
		wb = strconv.AppendInt(wb, int64(len(payload)), 10)
		wb = append(wb, "\r\n"...)
	}
	wb = append(wb, "\r\n"...)
	wb = append(wb, payload...)
	c.wb = wb
	if _, err := c.c.Write(wb); err != nil {
		return nil, false, h.ioErr(ctx, err, true)
	}
	if cap(c.wb) > 64<<10 {
		c.wb = nil // do not keep a huge prompt's buffer
	}
	line, err := c.br.ReadSlice('\n')
	if err != nil {
		return nil, false, h.ioErr(ctx, err, len(line) == 0)
	}
	status, err := parseStatus(line)
	if err != nil {
		return nil, false, err
	}
	r := &rawResponse{status: status}
	length := int64(-1)
	chunked, keep := false, line[7] == '1' // HTTP/1.0 closes unless told otherwise
	for {
		line, err := c.br.ReadSlice('\n')
		if err != nil {
			return nil, false, h.ioErr(ctx, err, false)
		}
		line = bytes.TrimRight(line, "\r\n")
		if len(line) == 0 {
			break
		}
		k, v, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			return nil, false, fmt.Errorf("malformed header line %q", line)
		}
		v = bytes.TrimSpace(v)
		switch {
		case asciiEqualFold(k, "content-length"):
			n, err := strconv.ParseInt(string(v), 10, 64)
			if err != nil || n < 0 {
				return nil, false, fmt.Errorf("bad Content-Length %q", v)
			}
			length = n
		case asciiEqualFold(k, "transfer-encoding"):
			chunked = strings.Contains(strings.ToLower(string(v)), "chunked")
		case asciiEqualFold(k, "connection"):
			switch lv := strings.ToLower(string(v)); {
			case strings.Contains(lv, "close"):
				keep = false
			case strings.Contains(lv, "keep-alive"):
				keep = true
			}
		case asciiEqualFold(k, SimulatedHeader):
			r.simulated = string(v) == "true"
		}
	}
	var body io.Reader
	switch {
	case chunked:
		body = &chunkedReader{br: c.br}
	case length >= 0:
		body = io.LimitReader(c.br, length)
	case method == "HEAD" || status == 204 || status == 304:
		body = bytes.NewReader(nil)
	default:
		body, keep = c.br, false // read to EOF
	}
	if length > maxBody {
		r.tooLarge = true
		return r, false, nil
	}
	size := int64(4096)
	if length >= 0 {
		size = length + 1 // one more byte to see EOF without growing
	}
	buf := make([]byte, 0, min(size, maxBody+1))
	buf, err = readAllCapped(body, buf, maxBody)
	if err != nil {
		return nil, false, h.ioErr(ctx, err, false)
	}
	if int64(len(buf)) > maxBody {
		r.tooLarge = true
		return r, false, nil
	}
	r.body = buf
	return r, keep, nil
}

func (h *rawHTTP) ioErr(ctx context.Context, err error, beforeResponse bool) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return context.DeadlineExceeded
	}
	if beforeResponse && (errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || isConnReset(err)) {
		return errStaleConn
	}
	return err
}

func isConnReset(err error) bool {
	s := err.Error()
	return strings.Contains(s, "connection reset") || strings.Contains(s, "broken pipe")
}

func parseStatus(line []byte) (int, error) {
	// HTTP/1.1 200 OK
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) || line[8] != ' ' {
		return 0, fmt.Errorf("malformed status line %q", bytes.TrimSpace(line))
	}
	code, err := strconv.Atoi(string(line[9:12]))
	if err != nil {
		return 0, fmt.Errorf("malformed status line %q", bytes.TrimSpace(line))
	}
	return code, nil
}

func asciiEqualFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range b {
		x, y := b[i], s[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// readAllCapped reads r into buf until EOF or until buf holds more than
// max bytes.
func readAllCapped(r io.Reader, buf []byte, max int64) ([]byte, error) {
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if int64(len(buf)) > max {
			return buf, nil
		}
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

// chunkedReader decodes a chunked body.
type chunkedReader struct {
	br   *bufio.Reader
	left int64
	done bool
}

func (c *chunkedReader) Read(p []byte) (int, error) {
	if c.done {
		return 0, io.EOF
	}
	if c.left == 0 {
		line, err := c.br.ReadSlice('\n')
		if err != nil {
			return 0, unexpected(err)
		}
		line = bytes.TrimSpace(line)
		if i := bytes.IndexByte(line, ';'); i >= 0 {
			line = line[:i]
		}
		n, err := strconv.ParseInt(string(line), 16, 64)
		if err != nil || n < 0 {
			return 0, fmt.Errorf("bad chunk size %q", line)
		}
		if n == 0 {
			// Trailers, then the blank line.
			for {
				l, err := c.br.ReadSlice('\n')
				if err != nil {
					return 0, unexpected(err)
				}
				if len(bytes.TrimSpace(l)) == 0 {
					break
				}
			}
			c.done = true
			return 0, io.EOF
		}
		c.left = n
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.br.Read(p)
	c.left -= int64(n)
	if err != nil {
		return n, unexpected(err)
	}
	if c.left == 0 {
		if _, err := c.br.Discard(2); err != nil { // CRLF
			return n, unexpected(err)
		}
	}
	return n, nil
}

func unexpected(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}
