package task

import "strings"

const letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"

// Letter is the option letter of choice i ("A" for 0).
func Letter(i int) string { return letters[i : i+1] }

func correctIndexes(in *Instance) []int {
	var idx []int
	for i, r := range in.References {
		if r.Correct {
			idx = append(idx, i)
		}
	}
	return idx
}

// Prompt is a prompt in parts, so that few-shot examples can be dropped to
// fit a context window without touching the question.
type Prompt struct {
	Instructions string   // "" or the instructions block
	Shots        []string // few-shot example blocks
	Question     string   // the evaluated instance's block, never cut
	Separator    string   // joins the blocks
}

// Text is the prompt as sent.
func (p Prompt) Text() string {
	if p.Instructions == "" && len(p.Shots) == 0 {
		return p.Question // no copy
	}
	var b strings.Builder
	n := len(p.Instructions) + len(p.Question) + len(p.Separator)*(len(p.Shots)+1)
	for _, s := range p.Shots {
		n += len(s)
	}
	b.Grow(n)
	if p.Instructions != "" {
		b.WriteString(p.Instructions)
		b.WriteString(p.Separator)
	}
	for _, s := range p.Shots {
		b.WriteString(s)
		b.WriteString(p.Separator)
	}
	b.WriteString(p.Question)
	return b.String()
}

// DropShots returns the prompt without its first n few-shot examples.
func (p Prompt) DropShots(n int) Prompt {
	if n > len(p.Shots) {
		n = len(p.Shots)
	}
	p.Shots = p.Shots[n:]
	return p
}

// block renders one instance; with output it ends with the gold answer.
func (f *Format) block(in *Instance, output bool) string {
	// One allocation: the length first.
	n := len(f.InputPrefix) + len(in.Input) + len(f.InputSuffix) + len(f.OutputPrefix)
	if f.Adapter == MultipleChoice {
		for _, r := range in.References {
			n += len("A. ") + len(r.Text) + len(f.ReferenceSuffix)
		}
	}
	var answer string
	if output {
		answer = f.answer(in)
		n += len(answer) + len(f.OutputSuffix)
	}
	var b strings.Builder
	b.Grow(n)
	b.WriteString(f.InputPrefix)
	b.WriteString(in.Input)
	b.WriteString(f.InputSuffix)
	if f.Adapter == MultipleChoice {
		for i, r := range in.References {
			b.WriteString(Letter(i))
			b.WriteString(". ")
			b.WriteString(r.Text)
			b.WriteString(f.ReferenceSuffix)
		}
	}
	if !output {
		b.WriteString(strings.TrimRight(f.OutputPrefix, " \t\r\n"))
		return b.String()
	}
	b.WriteString(f.OutputPrefix)
	b.WriteString(answer)
	b.WriteString(f.OutputSuffix)
	return b.String()
}

// answer is the text a few-shot example shows as its answer.
func (f *Format) answer(in *Instance) string {
	if f.Adapter == MultipleChoice {
		if idx := correctIndexes(in); len(idx) > 0 {
			return Letter(idx[0])
		}
		return "n/a"
	}
	for _, r := range in.References {
		if r.Correct {
			return r.Text
		}
	}
	if len(in.References) > 0 {
		return in.References[0].Text
	}
	return "n/a"
}

// Gold returns the answers a completion is scored against: the letters of
// the correct options (multiple choice), or the correct references'
// texts (generation; every reference when none is marked).
func (f *Format) Gold(in *Instance) []string {
	var out []string
	if f.Adapter == MultipleChoice {
		for _, i := range correctIndexes(in) {
			out = append(out, Letter(i))
		}
		return out
	}
	for _, r := range in.References {
		if r.Correct {
			out = append(out, r.Text)
		}
	}
	if len(out) == 0 {
		for _, r := range in.References {
			out = append(out, r.Text)
		}
	}
	return out
}

// CorrectAnswer is the completion a perfect model gives (the first gold).
func (f *Format) CorrectAnswer(in *Instance) string { return f.answer(in) }

// instructionsBlock follows HELM: non-empty instructions end with a newline.
func (f *Format) instructionsBlock() string {
	if f.Instructions == "" || strings.HasSuffix(f.Instructions, "\n") {
		return f.Instructions
	}
	return f.Instructions + "\n"
}

// CutAtStop cuts a completion at the first stop sequence.
func CutAtStop(s string, stop []string) string {
	cut := len(s)
	for _, st := range stop {
		if i := strings.Index(s[:cut], st); i >= 0 {
			cut = i
		}
	}
	return s[:cut]
}
