package cache

import (
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
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
			if err := c.Put(k, []byte(fmt.Sprint("v", i))); err != nil {
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
