// Package cache is the scorer's response store: an embedded bbolt file
// keyed by endpoint identity and request. Responses are committed by a
// background writer in batches, within milliseconds (commitEvery plus a
// file sync) of their arrival, so that a run killed and started again
// resends only what was in flight at that moment.
//
// Records are appended under sequence numbers (cheap sequential B-tree
// inserts); an index from request key to sequence number is rebuilt in
// memory when the file is opened.
package cache

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
)

var bucket = []byte("responses-v1")

// commitEvery bounds how long a response waits before its batch commits.
const commitEvery = 25 * time.Millisecond

// keyLen is the length of a Key.
const keyLen = sha256.Size

// Cache is an open response store.
type Cache struct {
	db   *bolt.DB
	path string
	done chan struct{}
	wake chan struct{} // a batch has started: the writer should commit it soon

	mu      sync.Mutex
	err     error // first commit error
	closed  bool
	index   map[string]uint64 // committed: key -> sequence number
	pending map[string]*entry // put, not yet committed
	batch   []*entry          // put, not yet handed to the writer
	next    uint64
	flushed *sync.Cond
}

type entry struct {
	key, val []byte
	seq      uint64
}

// Open opens (creating) the store at path. It fails at once, with a clear
// message, if another run holds it.
func Open(path string) (*Cache, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("cache %s: %w", path, err)
	}
	db, err := bolt.Open(path, 0o644, &bolt.Options{Timeout: time.Second, InitialMmapSize: 256 << 20,
		NoFreelistSync: true, FreelistType: bolt.FreelistMapType})
	if err != nil {
		if errors.Is(err, bolt.ErrTimeout) {
			return nil, fmt.Errorf("cache %s is in use by another scorer run", path)
		}
		return nil, fmt.Errorf("cache %s: %w", path, err)
	}
	c := &Cache{db: db, path: path, wake: make(chan struct{}, 1), done: make(chan struct{}),
		index: map[string]uint64{}, pending: map[string]*entry{}}
	c.flushed = sync.NewCond(&c.mu)
	err = db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucket)
		if err != nil {
			return err
		}
		return b.ForEach(func(k, v []byte) error {
			if len(k) != 8 || len(v) < keyLen {
				return fmt.Errorf("corrupt record %x", k)
			}
			seq := binary.BigEndian.Uint64(k)
			c.index[string(v[:keyLen])] = seq
			c.next = max(c.next, seq+1)
			return nil
		})
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("cache %s: %w (delete the file to start afresh)", path, err)
	}
	go c.writer()
	return c, nil
}

// Key derives a key from the endpoint identity and the request's bytes.
func Key(identity string, request []byte) []byte {
	h := sha256.New()
	h.Write([]byte(identity))
	h.Write([]byte{0})
	h.Write(request)
	return h.Sum(nil)
}

// Get returns the stored value for key.
func (c *Cache) Get(key []byte) ([]byte, bool, error) {
	c.mu.Lock()
	if e, ok := c.pending[string(key)]; ok {
		c.mu.Unlock()
		return e.val, true, nil
	}
	seq, ok := c.index[string(key)]
	c.mu.Unlock()
	if !ok {
		return nil, false, nil
	}
	var out []byte
	err := c.db.View(func(tx *bolt.Tx) error {
		var k [8]byte
		binary.BigEndian.PutUint64(k[:], seq)
		if v := tx.Bucket(bucket).Get(k[:]); len(v) >= keyLen {
			out = append([]byte(nil), v[keyLen:]...)
		}
		return nil
	})
	if err != nil {
		return nil, false, fmt.Errorf("cache %s: %w", c.path, err)
	}
	return out, out != nil, nil
}

// Put stores a value for key (a Key); it is committed in the background.
// It reports an earlier commit failure, if any.
func (c *Cache) Put(key, val []byte) error {
	if len(key) != keyLen {
		return fmt.Errorf("cache: key of %d bytes, want %d", len(key), keyLen)
	}
	c.mu.Lock()
	if c.err != nil || c.closed {
		err := c.err
		c.mu.Unlock()
		if err == nil {
			err = fmt.Errorf("cache %s: closed", c.path)
		}
		return err
	}
	e := &entry{key: append([]byte(nil), key...), val: val, seq: c.next}
	c.next++
	c.pending[string(key)] = e
	c.batch = append(c.batch, e)
	if len(c.batch) == 1 { // one wake-up per batch, not per response
		select {
		case c.wake <- struct{}{}:
		default:
		}
	}
	c.mu.Unlock()
	return nil
}

// Len counts the stored responses, after committing what is pending.
func (c *Cache) Len() (int, error) {
	if err := c.Flush(); err != nil {
		return 0, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.index), nil
}

func (c *Cache) writer() {
	defer close(c.done)
	for {
		_, open := <-c.wake
		if open {
			// Let the batch gather for commitEvery: one transaction and one
			// file sync per batch rather than per response.
			t := time.NewTimer(commitEvery)
			select {
			case <-t.C:
			case _, open = <-c.wake:
				t.Stop()
			}
		}
		c.mu.Lock()
		batch := c.batch
		c.batch = nil
		c.mu.Unlock()
		if len(batch) > 0 {
			c.commit(batch)
		}
		if !open {
			return
		}
	}
}

func (c *Cache) commit(batch []*entry) {
	err := c.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucket)
		b.FillPercent = 1 // sequential keys: pack the pages
		for _, e := range batch {
			var k [8]byte
			binary.BigEndian.PutUint64(k[:], e.seq)
			// bbolt keeps the slices until the commit: a fresh one each.
			rec := make([]byte, 0, len(e.key)+len(e.val))
			rec = append(append(rec, e.key...), e.val...)
			if err := b.Put(k[:], rec); err != nil {
				return err
			}
		}
		return nil
	})
	c.mu.Lock()
	defer c.mu.Unlock()
	if err != nil && c.err == nil {
		c.err = fmt.Errorf("cache %s: %w", c.path, err)
	}
	for _, e := range batch {
		if err == nil {
			c.index[string(e.key)] = e.seq
		}
		if c.pending[string(e.key)] == e {
			delete(c.pending, string(e.key))
		}
	}
	c.flushed.Broadcast()
}

// Flush waits until everything Put so far is committed.
func (c *Cache) Flush() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for len(c.pending) > 0 && c.err == nil {
		c.flushed.Wait()
	}
	return c.err
}

// Close commits what is pending and closes the file.
func (c *Cache) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	close(c.wake) // the writer commits what is left, then returns
	c.mu.Unlock()
	<-c.done
	c.mu.Lock()
	err := c.err
	c.mu.Unlock()
	if cerr := c.db.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("cache %s: %w", c.path, cerr)
	}
	return err
}
