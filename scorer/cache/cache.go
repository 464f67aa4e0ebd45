// Package cache is the scorer's response store: an embedded bbolt file
// keyed by endpoint identity and request. Responses are committed by a
// background writer in batches, within milliseconds (commitEvery plus a
// file sync) of their arrival, so that a run killed and started again
// resends only what was in flight at that moment.
//
// A batch is stored as one bbolt record (or a few, for big batches) under
// a sequence number: its responses one after another, each as key, length
// and value. One B-tree insert per batch rather than per response keeps
// the writer's CPU per response to a copy. An index from request key to
// record and offset is rebuilt in memory when the file is opened.
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

var (
	bucket = []byte("batches-v1")
	// legacy holds one response per record (sequence number -> key, value),
	// as the first version of the store wrote them; still read.
	legacy = []byte("responses-v1")
)

// commitEvery bounds how long a response waits before its batch commits.
const commitEvery = 25 * time.Millisecond

// recordMax is the size past which a batch is split into more records:
// four pages, so that bbolt's buffer for a record is a small allocation
// (large ones make the Go runtime return and refault memory each batch).
const recordMax = 4<<12 - 64

// keyLen is the length of a Key.
const keyLen = sha256.Size

type key = [keyLen]byte

// loc is where a committed value lies: at off in record seq, n bytes long
// (in the legacy bucket, the whole record past its key).
type loc struct {
	seq    uint64
	off, n uint32
	legacy bool
}

// Cache is an open response store.
type Cache struct {
	db   *bolt.DB
	path string
	done chan struct{}
	wake chan struct{} // a batch has started: the writer should commit it soon

	mu      sync.Mutex
	err     error // first commit error
	closed  bool
	index   map[key]loc    // committed
	pending map[key][]byte // put, not yet committed
	batch   []entry        // put, not yet handed to the writer
	next    uint64         // next record's sequence number
	flushed *sync.Cond
	arena   []byte // the writer's: records are built in it, reused per batch
}

type entry struct {
	key key
	val []byte
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
		index: map[key]loc{}, pending: map[key][]byte{}}
	c.flushed = sync.NewCond(&c.mu)
	if err := db.Update(c.load); err != nil {
		db.Close()
		return nil, fmt.Errorf("cache %s: %w (delete the file to start afresh)", path, err)
	}
	go c.writer()
	return c, nil
}

// load builds the index from the records.
func (c *Cache) load(tx *bolt.Tx) error {
	if old := tx.Bucket(legacy); old != nil {
		err := old.ForEach(func(k, v []byte) error {
			if len(k) != 8 || len(v) < keyLen {
				return fmt.Errorf("corrupt record %x in %s", k, legacy)
			}
			c.index[key(v[:keyLen])] = loc{seq: binary.BigEndian.Uint64(k), legacy: true}
			return nil
		})
		if err != nil {
			return err
		}
	}
	b, err := tx.CreateBucketIfNotExists(bucket)
	if err != nil {
		return err
	}
	return b.ForEach(func(k, v []byte) error {
		if len(k) != 8 {
			return fmt.Errorf("corrupt record key %x in %s", k, bucket)
		}
		seq := binary.BigEndian.Uint64(k)
		c.next = max(c.next, seq+1)
		for off := 0; off < len(v); {
			n, w := binary.Uvarint(v[off+min(keyLen, len(v)-off):])
			start := off + keyLen + w
			if len(v)-off < keyLen || w <= 0 || n > uint64(len(v)-start) {
				return fmt.Errorf("corrupt record %d in %s at byte %d", seq, bucket, off)
			}
			c.index[key(v[off:off+keyLen])] = loc{seq: seq, off: uint32(start), n: uint32(n)}
			off = start + int(n)
		}
		return nil
	})
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
func (c *Cache) Get(k []byte) ([]byte, bool, error) {
	if len(k) != keyLen {
		return nil, false, nil
	}
	c.mu.Lock()
	if v, ok := c.pending[key(k)]; ok {
		c.mu.Unlock()
		return v, true, nil
	}
	l, ok := c.index[key(k)]
	c.mu.Unlock()
	if !ok {
		return nil, false, nil
	}
	var out []byte
	err := c.db.View(func(tx *bolt.Tx) error {
		var rk [8]byte
		binary.BigEndian.PutUint64(rk[:], l.seq)
		if l.legacy {
			if v := tx.Bucket(legacy).Get(rk[:]); len(v) >= keyLen {
				out = append([]byte{}, v[keyLen:]...)
			}
			return nil
		}
		if v := tx.Bucket(bucket).Get(rk[:]); uint64(len(v)) >= uint64(l.off)+uint64(l.n) {
			out = append([]byte{}, v[l.off:l.off+l.n]...)
		}
		return nil
	})
	if err != nil {
		return nil, false, fmt.Errorf("cache %s: %w", c.path, err)
	}
	return out, out != nil, nil
}

// Put stores a value for key (a Key); it is committed in the background.
// The cache keeps val: the caller must not change it afterwards. Put
// reports an earlier commit failure, if any.
func (c *Cache) Put(k, val []byte) error {
	if len(k) != keyLen {
		return fmt.Errorf("cache: key of %d bytes, want %d", len(k), keyLen)
	}
	if len(val) > 1<<30 {
		return fmt.Errorf("cache: value of %d bytes is too big", len(val))
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
	c.pending[key(k)] = val
	c.batch = append(c.batch, entry{key: key(k), val: val})
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
	var spare []entry // the batch before last, reused
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
		c.batch = spare[:0]
		c.mu.Unlock()
		if len(batch) > 0 {
			c.commit(batch)
		}
		clear(batch) // let the values go
		spare = batch
		if !open {
			return
		}
	}
}

// commit writes a batch as one record per recordMax bytes, in one
// transaction.
func (c *Cache) commit(batch []entry) {
	locs := make([]loc, len(batch))
	first := c.next
	err := c.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucket)
		b.FillPercent = 1 // sequential keys: pack the pages
		seq := first
		for i := 0; i < len(batch); {
			size := 0
			j := i
			for ; j < len(batch) && (j == i || size+keyLen+binary.MaxVarintLen32+len(batch[j].val) <= recordMax); j++ {
				size += keyLen + binary.MaxVarintLen32 + len(batch[j].val)
			}
			// bbolt keeps the value until the commit: records share the
			// arena, one after another, and it is reused after the commit.
			if cap(c.arena)-len(c.arena) < size {
				c.arena = make([]byte, 0, max(2*cap(c.arena), size, 64<<10))
			}
			rec := c.arena[len(c.arena):len(c.arena)]
			for ; i < j; i++ {
				e := &batch[i]
				rec = append(rec, e.key[:]...)
				rec = binary.AppendUvarint(rec, uint64(len(e.val)))
				locs[i] = loc{seq: seq, off: uint32(len(rec)), n: uint32(len(e.val))}
				rec = append(rec, e.val...)
			}
			c.arena = c.arena[:len(c.arena)+len(rec)]
			var k [8]byte
			binary.BigEndian.PutUint64(k[:], seq)
			if err := b.Put(k[:], rec); err != nil {
				return err
			}
			seq++
		}
		c.next = seq // only the writer reads and writes next
		return nil
	})
	c.arena = c.arena[:0]
	if cap(c.arena) > 4<<20 { // a rare huge batch: don't keep its memory
		c.arena = nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if err != nil && c.err == nil {
		c.err = fmt.Errorf("cache %s: %w", c.path, err)
	}
	for i := range batch {
		e := &batch[i]
		if err == nil {
			c.index[e.key] = locs[i]
		}
		if v, ok := c.pending[e.key]; ok && sameSlice(v, e.val) {
			delete(c.pending, e.key)
		}
	}
	c.flushed.Broadcast()
}

// sameSlice says whether a and b are the same slice (a later Put of the
// same key must stay pending until its own commit).
func sameSlice(a, b []byte) bool {
	return len(a) == len(b) && (len(a) == 0 || &a[0] == &b[0])
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
