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
	"slices"
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
// two records, with their keys and headers, fill one page of the file.
// bbolt puts at least two records in a page, and writes a node of one page
// from a pooled buffer but one of more pages from a new allocation, which
// the Go runtime returns and faults in again from one batch to the next. A
// value bigger than this makes a record alone.
func recordMax(pageSize int) int { return (pageSize-16)/2 - 16 - 8 }

// keyLen is the length of a Key.
const keyLen = sha256.Size

type key = [keyLen]byte

// loc is where a committed value lies: at off in record seq, n bytes long
// (in the legacy bucket, the whole record past its key). A pending value,
// put but not yet committed, is the seq'th put instead.
type loc struct {
	seq     uint64
	off, n  uint32
	legacy  bool
	pending bool
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
	index   map[key]loc // every value, committed or pending
	batch   []entry     // put, not yet handed to the writer
	taken   []entry     // handed to the writer, being committed
	puts    uint64      // values put so far, the last one at the end of batch
	next    uint64      // next record's sequence number
	flushed *sync.Cond
	arena   []byte // the writer's: records are built in it, reused per batch
	locs    []loc  // the writer's: where a batch's values went
	record  int    // recordMax for the file's page size
}

type entry struct {
	key key
	value
}

// value is a value as put: head then body, kept apart so that no one
// copies them together before the commit does.
type value struct {
	head, body []byte
}

func (v value) len() int { return len(v.head) + len(v.body) }

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
		index: map[key]loc{}}
	c.flushed = sync.NewCond(&c.mu)
	c.record = recordMax(db.Info().PageSize)
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
	l, ok := c.index[key(k)]
	if ok && l.pending {
		v := c.pendingValue(l.seq)
		c.mu.Unlock()
		if len(v.head) == 0 {
			return v.body, true, nil
		}
		return append(append(make([]byte, 0, v.len()), v.head...), v.body...), true, nil
	}
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

// Put stores head followed by body as the value for key (a Key); it is
// committed in the background. The cache keeps head and body: the caller
// must not change them afterwards. Put reports an earlier commit failure,
// if any.
func (c *Cache) Put(k, head, body []byte) error {
	if len(k) != keyLen {
		return fmt.Errorf("cache: key of %d bytes, want %d", len(k), keyLen)
	}
	v := value{head, body}
	if v.len() > 1<<30 {
		return fmt.Errorf("cache: value of %d bytes is too big", v.len())
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
	c.index[key(k)] = loc{seq: c.puts, pending: true}
	c.batch = append(c.batch, entry{key(k), v})
	c.puts++
	if len(c.batch) == 1 { // one wake-up per batch, not per response
		select {
		case c.wake <- struct{}{}:
		default:
		}
	}
	c.mu.Unlock()
	return nil
}

// Reserve makes room for n more values, so that the index does not grow
// step by step, rehashing, while they are put.
func (c *Cache) Reserve(n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if n <= 0 || c.closed {
		return
	}
	index := make(map[key]loc, len(c.index)+n)
	for k, l := range c.index {
		index[k] = l
	}
	c.index = index
}

// pendingValue is the value of the put'th put, not yet committed: in
// batch, or in the batch before, taken.
func (c *Cache) pendingValue(put uint64) value {
	first := c.puts - uint64(len(c.batch)) // batch[0]'s put
	if put >= first {
		return c.batch[put-first].value
	}
	return c.taken[put-(first-uint64(len(c.taken)))].value
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
		c.batch, c.taken = spare[:0], batch
		firstPut := c.puts - uint64(len(batch))
		c.mu.Unlock()
		if len(batch) > 0 {
			c.commit(batch, firstPut)
		}
		clear(batch) // let the values go
		spare = batch
		if !open {
			return
		}
	}
}

// commit writes a batch, whose first value was put firstPut'th, as one
// record per c.record bytes, in one transaction.
func (c *Cache) commit(batch []entry, firstPut uint64) {
	// bbolt keeps the records until the commit: they share the arena, one
	// after another, sized for the whole batch at once and reused.
	size := 0
	for i := range batch {
		size += keyLen + binary.MaxVarintLen32 + batch[i].len()
	}
	if cap(c.arena) < size {
		c.arena = make([]byte, 0, max(size+size/4, 64<<10))
	}
	c.locs = slices.Grow(c.locs[:0], len(batch))[:len(batch)]
	locs := c.locs
	first := c.next
	err := c.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucket)
		b.FillPercent = 1 // sequential keys: pack the pages
		seq := first
		for i := 0; i < len(batch); {
			size := 0
			j := i
			for ; j < len(batch) && (j == i || size+keyLen+binary.MaxVarintLen32+batch[j].len() <= c.record); j++ {
				size += keyLen + binary.MaxVarintLen32 + batch[j].len()
			}
			rec := c.arena[len(c.arena):len(c.arena)]
			for ; i < j; i++ {
				e := &batch[i]
				rec = append(rec, e.key[:]...)
				rec = binary.AppendUvarint(rec, uint64(e.len()))
				locs[i] = loc{seq: seq, off: uint32(len(rec)), n: uint32(e.len())}
				rec = append(rec, e.head...)
				rec = append(rec, e.body...)
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
		c.arena, c.locs = nil, nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if err != nil && c.err == nil {
		c.err = fmt.Errorf("cache %s: %w", c.path, err)
	}
	for i := range batch {
		e := &batch[i]
		// A later Put of the same key stays pending until its own commit.
		if l := c.index[e.key]; l.pending && l.seq == firstPut+uint64(i) {
			if err == nil {
				c.index[e.key] = locs[i]
			} else {
				delete(c.index, e.key)
			}
		}
	}
	c.taken = nil
	c.flushed.Broadcast()
}

// Flush waits until everything Put so far is committed.
func (c *Cache) Flush() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for (len(c.batch) > 0 || len(c.taken) > 0) && c.err == nil {
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
