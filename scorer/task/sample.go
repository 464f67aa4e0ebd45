package task

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
)

// The bundled `sample` suite's datasets are generated here, from fixed
// seeds: they need no --data and copy no dataset.
func init() {
	RegisterLoader("sample-arithmetic", func(string) ([]Instance, []Instance, error) {
		train, test := generate("arith", 40, 400, arithmetic)
		return train, test, nil
	})
	RegisterLoader("sample-ordering", func(string) ([]Instance, []Instance, error) {
		train, test := generate("order", 20, 200, ordering)
		return train, test, nil
	})
}

func generate(prefix string, nTrain, nTest int, gen func(r *rand.Rand) Instance) (train, test []Instance) {
	r := rngFor(2023, "sample", prefix)
	seen := map[string]bool{}
	for len(train)+len(test) < nTrain+nTest {
		in := gen(r)
		if seen[in.Input] {
			continue
		}
		seen[in.Input] = true
		if len(train) < nTrain {
			in.ID = fmt.Sprintf("%s-train-%03d", prefix, len(train))
			train = append(train, in)
		} else {
			in.ID = fmt.Sprintf("%s-test-%03d", prefix, len(test))
			test = append(test, in)
		}
	}
	return train, test
}

var (
	sampleNames = []string{"Ada", "Bruno", "Chiara", "Dev", "Elif", "Femi", "Goran", "Hana", "Ines", "Jun", "Kofi", "Lena", "Mateo", "Nia", "Omar", "Priya", "Quinn", "Rosa", "Sven", "Tariq"}
	sampleItems = []string{"marbles", "stickers", "apples", "pencils", "shells", "coins", "stamps", "cards", "books", "buttons"}
)

// arithmetic makes a two- or three-step word problem with a whole answer.
func arithmetic(r *rand.Rand) Instance {
	name, item := sampleNames[r.IntN(len(sampleNames))], sampleItems[r.IntN(len(sampleItems))]
	friend := sampleNames[r.IntN(len(sampleNames))]
	for friend == name {
		friend = sampleNames[r.IntN(len(sampleNames))]
	}
	var q string
	var ans int
	switch r.IntN(4) {
	case 0:
		a, b, c := 10+r.IntN(90), 1+r.IntN(50), 0
		c = 1 + r.IntN(a+b-1)
		q = fmt.Sprintf("%s has %d %s. %s gives %s %d more, and then %s loses %d. How many %s does %s have now?", name, a, item, friend, name, b, name, c, item, name)
		ans = a + b - c
	case 1:
		boxes, per, extra := 2+r.IntN(9), 2+r.IntN(12), r.IntN(20)
		q = fmt.Sprintf("%s buys %d boxes of %s with %d in each box, and already had %d. How many %s does %s have in all?", name, boxes, item, per, extra, item, name)
		ans = boxes*per + extra
	case 2:
		per, kids := 2+r.IntN(15), 2+r.IntN(8)
		total := per * kids
		q = fmt.Sprintf("%s shares %d %s equally among %d friends. How many %s does each friend get?", name, total, item, kids, item)
		ans = per
	default:
		price, n, paid := 1+r.IntN(9), 2+r.IntN(8), 0
		paid = price*n + r.IntN(30)
		q = fmt.Sprintf("Each of the %s costs %d dollars. %s buys %d of them and pays with %d dollars. How much change, in dollars, does %s get?", item, price, name, n, paid, name)
		ans = paid - price*n
	}
	return Instance{Input: q, References: []Reference{{Text: strconv.Itoa(ans), Correct: true}}}
}

var orderRelations = []struct{ more, most, least string }{
	{"taller than", "tallest", "shortest"},
	{"older than", "oldest", "youngest"},
	{"faster than", "fastest", "slowest"},
	{"heavier than", "heaviest", "lightest"},
}

// ordering makes a puzzle: shuffled pairwise facts fix a total order, and
// the question asks for an end or a position of it.
func ordering(r *rand.Rand) Instance {
	n := 3 + r.IntN(3)
	perm := r.Perm(len(sampleNames))[:n]
	people := make([]string, n) // people[0] is the "most"
	for i, p := range perm {
		people[i] = sampleNames[p]
	}
	rel := orderRelations[r.IntN(len(orderRelations))]
	facts := make([]string, n-1)
	for i := 0; i+1 < n; i++ {
		facts[i] = fmt.Sprintf("%s is %s %s.", people[i], rel.more, people[i+1])
	}
	r.Shuffle(len(facts), func(i, j int) { facts[i], facts[j] = facts[j], facts[i] })
	var question string
	var answer string
	switch r.IntN(3) {
	case 0:
		question, answer = "Who is the "+rel.most+"?", people[0]
	case 1:
		question, answer = "Who is the "+rel.least+"?", people[n-1]
	default:
		k := 1 + r.IntN(n-1)
		question, answer = fmt.Sprintf("Who is the %s %s?", ordinal(k+1), rel.most), people[k]
	}
	choices := make([]string, n)
	copy(choices, people)
	r.Shuffle(n, func(i, j int) { choices[i], choices[j] = choices[j], choices[i] })
	refs := make([]Reference, n)
	for i, c := range choices {
		refs[i] = Reference{Text: c, Correct: c == answer}
	}
	return Instance{Input: strings.Join(facts, " ") + " " + question, References: refs}
}

func ordinal(k int) string {
	return [...]string{"", "first", "second", "third", "fourth", "fifth"}[k]
}
