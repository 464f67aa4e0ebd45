package scenario

import (
	"bufio"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	"podium/scorer/task"
)

// loadGSM8K reads gsm8k/{train,test}.jsonl ({"question", "answer"}). As
// HELM, the reference is the worked solution with "####" read as "The
// answer is", on one line, ending in a full stop.
func loadGSM8K(dir string) (train, test []task.Instance, err error) {
	if train, err = readGSM8K(filepath.Join(dir, "gsm8k", "train.jsonl"), "train"); err != nil {
		return nil, nil, err
	}
	if test, err = readGSM8K(filepath.Join(dir, "gsm8k", "test.jsonl"), "test"); err != nil {
		return nil, nil, err
	}
	return train, test, nil
}

func readGSM8K(path, split string) ([]task.Instance, error) {
	f, err := open("gsm8k", path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []task.Instance
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for line := 1; sc.Scan(); line++ {
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		var ex struct {
			Question *string `json:"question"`
			Answer   *string `json:"answer"`
		}
		if err := json.Unmarshal(sc.Bytes(), &ex); err != nil {
			return nil, lineError(path, line, "%v", err)
		}
		if ex.Question == nil || ex.Answer == nil {
			return nil, lineError(path, line, "want fields \"question\" and \"answer\"")
		}
		if !strings.Contains(*ex.Answer, "####") {
			return nil, lineError(path, line, "field \"answer\": no \"#### <number>\" final answer")
		}
		out = append(out, task.Instance{
			ID:         split + strconv.Itoa(line),
			Input:      *ex.Question,
			References: []task.Reference{{Text: GSM8KAnswer(*ex.Answer), Correct: true}},
		})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return out, nil
}

// GSM8KAnswer turns a GSM8K solution into HELM's reference text.
func GSM8KAnswer(a string) string {
	return strings.ReplaceAll(strings.ReplaceAll(a, "####", "The answer is"), "\n", " ") + "."
}
