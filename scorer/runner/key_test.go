package runner

import (
	"bytes"
	"encoding/binary"
	"math"
	"testing"

	"podium/scorer/cache"
	"podium/scorer/client"
)

// requestKey hashes in one go what cache.Key hashes, so caches written
// before it still answer.
func TestRequestKeyIsCacheKey(t *testing.T) {
	req := client.Request{Prompt: "Q: 2+2?\nA:", MaxTokens: 5, Temperature: 0.8, TopK: 200, Seed: -3, Stop: []string{"\n", "Q:"}}
	var b []byte
	b = append(b, "complete\x00"...)
	b = binary.AppendUvarint(b, uint64(len(req.Prompt)))
	b = append(b, req.Prompt...)
	b = binary.AppendVarint(b, int64(req.MaxTokens))
	b = binary.LittleEndian.AppendUint64(b, math.Float64bits(req.Temperature))
	b = binary.AppendVarint(b, int64(req.TopK))
	b = binary.AppendVarint(b, req.Seed)
	for _, s := range req.Stop {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	got, buf := requestKey(nil, "challenge http://x", &req)
	if want := cache.Key("challenge http://x", b); !bytes.Equal(got[:], want) {
		t.Fatalf("requestKey %x, cache.Key %x", got, want)
	}
	other, _ := requestKey(buf, "challenge http://y", &req)
	if other == got {
		t.Fatal("two endpoints share a key")
	}
	// The buffer reused.
	if again, _ := requestKey(buf, "challenge http://x", &req); again != got {
		t.Fatal("a reused buffer changed the key")
	}
}
