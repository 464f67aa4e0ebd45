package result

import (
	"bytes"

	gotoml "github.com/pelletier/go-toml/v2"
)

// fastSubmission decodes a results file with pelletier/go-toml, which reads
// a round of thousands of files about ten times faster than
// BurntSushi/toml. It rejects unknown keys like DecodeStrict. On any error
// it returns false and the caller decodes with BurntSushi/toml, which gives
// the error its file and line. fast_test.go checks that what both accept
// decodes to the same value (pelletier/go-toml is laxer only in filling a
// list from a table; the checks after decoding apply either way).
func fastSubmission(data []byte, s *Submission) bool {
	dec := gotoml.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	return dec.Decode(s) == nil
}
