package cache

import (
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	bolt "go.etcd.io/bbolt"
)

func TestPutGetSurviveReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "c.bolt")
	c, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 200 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			k := Key("challenge http://x", []byte(fmt.Sprint(i)))
			if err := c.Put(k, nil, []byte(fmt.Sprint("v", i))); err != nil {
				t.Error(err)
			}
			if v, ok, err := c.Get(k); err != nil || !ok || string(v) != fmt.Sprint("v", i) {
				t.Errorf("Get right after Put: %q %v %v", v, ok, err)
			}
		}()
	}
	wg.Wait()
	if n, err := c.Len(); err != nil || n != 200 {
		t.Fatalf("Len = %d, %v", n, err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	c, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	v, ok, err := c.Get(Key("challenge http://x", []byte("7")))
	if err != nil || !ok || string(v) != "v7" {
		t.Errorf("after reopening: %q %v %v", v, ok, err)
	}
	if _, ok, _ := c.Get(Key("challenge http://y", []byte("7"))); ok {
		t.Error("another endpoint's identity hit the cache")
	}
}

func TestSecondRunIsRefusedClearly(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.bolt")
	c, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := Open(path); err == nil || !strings.Contains(err.Error(), "in use by another scorer run") {
		t.Fatalf("got %v", err)
	}
}

// A batch bigger than a record is split over several; every value, big or
// small, comes back after reopening.
func TestBigBatchesSurviveReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.bolt")
	c, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	val := func(i int) []byte { return []byte(strings.Repeat(fmt.Sprint(i%10), 1+i*97%(3*c.record/2))) }
	const n = 300
	for i := range n {
		if err := c.Put(Key("id", []byte(fmt.Sprint(i))), nil, val(i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if c, err = Open(path); err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if l, err := c.Len(); err != nil || l != n {
		t.Fatalf("Len = %d, %v", l, err)
	}
	for i := range n {
		v, ok, err := c.Get(Key("id", []byte(fmt.Sprint(i))))
		if err != nil || !ok || string(v) != string(val(i)) {
			t.Fatalf("value %d: ok %v, %v, %d bytes, want %d", i, ok, err, len(v), len(val(i)))
		}
	}
}

// Files written by the first version of the store (one record per
// response) are still read.
func TestReadsLegacyRecords(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.bolt")
	db, err := bolt.Open(path, 0o644, nil)
	if err != nil {
		t.Fatal(err)
	}
	k := Key("id", []byte("old"))
	err = db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucket(legacy)
		if err != nil {
			return err
		}
		return b.Put([]byte{0, 0, 0, 0, 0, 0, 0, 7}, append(append([]byte{}, k...), "old value"...))
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	c, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if v, ok, err := c.Get(k); err != nil || !ok || string(v) != "old value" {
		t.Fatalf("got %q %v %v", v, ok, err)
	}
}

func TestCorruptRecordIsReported(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.bolt")
	db, err := bolt.Open(path, 0o644, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucket(bucket)
		if err != nil {
			return err
		}
		return b.Put([]byte{0, 0, 0, 0, 0, 0, 0, 1}, []byte("too short"))
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Open(path); err == nil || !strings.Contains(err.Error(), "corrupt record 1") || !strings.Contains(err.Error(), path) {
		t.Fatalf("got %v", err)
	}
}

// A value put as head and body reads back as one, pending and committed.
func TestHeadAndBodyReadAsOne(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.bolt")
	c, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	k := Key("id", []byte("x"))
	if err := c.Put(k, []byte{1}, []byte("body")); err != nil {
		t.Fatal(err)
	}
	if v, ok, err := c.Get(k); err != nil || !ok || string(v) != "\x01body" {
		t.Fatalf("pending: %q %v %v", v, ok, err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if c, err = Open(path); err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if v, ok, err := c.Get(k); err != nil || !ok || string(v) != "\x01body" {
		t.Fatalf("committed: %q %v %v", v, ok, err)
	}
}

// The last Put of a key wins, whether the first is pending or committed.
func TestLastPutWins(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.bolt")
	c, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	a, b := Key("id", []byte("a")), Key("id", []byte("b"))
	c.Put(a, nil, []byte("a1"))
	c.Put(a, nil, []byte("a2"))
	c.Put(b, nil, []byte("b1"))
	if err := c.Flush(); err != nil {
		t.Fatal(err)
	}
	c.Put(b, nil, []byte("b2"))
	for _, want := range []string{"a2", "b2"} {
		if v, ok, err := c.Get(Key("id", []byte(want[:1]))); err != nil || !ok || string(v) != want {
			t.Errorf("before reopening: %q %v %v, want %q", v, ok, err, want)
		}
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if c, err = Open(path); err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, want := range []string{"a2", "b2"} {
		if v, ok, err := c.Get(Key("id", []byte(want[:1]))); err != nil || !ok || string(v) != want {
			t.Errorf("after reopening: %q %v %v, want %q", v, ok, err, want)
		}
	}
	if n, err := c.Len(); err != nil || n != 2 {
		t.Errorf("Len = %d, %v", n, err)
	}
}

// Reserve keeps what is stored, committed or pending, and what is put
// after it.
func TestReserveKeepsValues(t *testing.T) {
	c, err := Open(filepath.Join(t.TempDir(), "c.bolt"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	key := func(i int) []byte { return Key("id", []byte(fmt.Sprint(i))) }
	c.Put(key(0), nil, []byte("committed"))
	if err := c.Flush(); err != nil {
		t.Fatal(err)
	}
	c.Put(key(1), []byte{1}, []byte("pending"))
	c.Reserve(100)
	c.Put(key(2), nil, []byte("after"))
	for i, want := range []string{"committed", "\x01pending", "after"} {
		if v, ok, err := c.Get(key(i)); err != nil || !ok || string(v) != want {
			t.Errorf("value %d: %q %v %v", i, v, ok, err)
		}
	}
	if n, err := c.Len(); err != nil || n != 3 {
		t.Errorf("Len = %d, %v", n, err)
	}
}
