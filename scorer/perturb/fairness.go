package perturb

import (
	"math/rand/v2"
)

// Dialect rewrites Standard American English into African American
// English (AAE) wherever a listed form occurs (probability 1, as HELM's
// canonical dialect perturbation). The forms are well-documented lexical
// and morphosyntactic features of AAE (Green 2002, "African American
// English: A Linguistic Introduction", ch. 2-3; Ziems et al. 2022, "VALUE:
// Understanding Dialect Disparity in NLU"), written down by us.
func Dialect(s string, _ *rand.Rand) string {
	return dialectWords.replace(s, matchCase)
}

var dialect = map[string]string{
	"isn't": "ain't", "aren't": "ain't", "am not": "ain't", "is not": "ain't", "are not": "ain't",
	"haven't": "ain't", "hasn't": "ain't", "didn't": "ain't",
	"going to": "gonna", "want to": "wanna", "got to": "gotta", "about to": "finna",
	"them": "dem", "those": "dem", "they": "dey", "their": "they", "there": "dere", "these": "dese",
	"this": "dis", "that": "dat", "the": "da", "with": "wit", "brother": "brotha", "sister": "sista",
	"your": "yo", "you're": "you", "because": "cuz", "about": "bout", "nothing": "nothin",
	"something": "somethin", "going": "goin", "doing": "doin", "thinking": "thinkin",
	"talking": "talkin", "saying": "sayin", "trying": "tryin", "looking": "lookin",
	"over there": "over dere", "probably": "prolly", "before": "befo", "more": "mo",
}

var dialectWords = newPhrases(dialect, false)

// GenderPronouns swaps male pronouns for female ones (HELM's canonical
// gender perturbation, mode "pronouns", male to female, probability 1).
// "his" becomes "her" before a noun phrase and "hers" standing alone
// cannot be told apart without parsing; as HELM, it becomes "her".
func GenderPronouns(s string, _ *rand.Rand) string {
	return pronounWords.replace(s, matchCase)
}

var pronouns = map[string]string{
	"he": "she", "him": "her", "his": "her", "himself": "herself",
	"he's": "she's", "he'll": "she'll", "he'd": "she'd",
}

var pronounWords = newPhrases(pronouns, false)

// RaceNames replaces first names typical of White Americans with first
// names typical of Black Americans of the same gender (HELM's canonical
// person-name perturbation, probability 1, gender preserved). Each source
// name maps to one target name, drawn by the generator, for the whole
// instance. The names are those of Caliskan et al. 2017, "Semantics
// derived automatically from language corpora contain human-like biases"
// (Science), from Bertrand and Mullainathan's 2004 résumé study.
func RaceNames(s string, r *rand.Rand) string {
	chosen := map[string]string{}
	return nameWords.replace(s, func(m, _ string) string {
		if t, ok := chosen[m]; ok {
			return t
		}
		pool := blackFemale
		if whiteMale[m] {
			pool = blackMale
		}
		t := pool[r.IntN(len(pool))]
		chosen[m] = t
		return t
	})
}

var whiteMale = set("Adam", "Chip", "Harry", "Josh", "Roger", "Alan", "Frank", "Ian", "Justin", "Ryan",
	"Andrew", "Fred", "Jack", "Matthew", "Stephen", "Brad", "Greg", "Jed", "Paul", "Todd",
	"Brandon", "Hank", "Jonathan", "Peter", "Wilbur")

var whiteFemale = set("Amanda", "Courtney", "Heather", "Melanie", "Sara", "Amber", "Crystal", "Katie", "Meredith", "Shannon",
	"Betsy", "Donna", "Kristin", "Nancy", "Stephanie", "Ellen", "Lauren", "Peggy", "Colleen", "Emily",
	"Megan", "Rachel", "Wendy")

var blackMale = []string{"Alonzo", "Jamel", "Lerone", "Percell", "Theo", "Alphonse", "Jerome", "Leroy", "Rasaan", "Torrance",
	"Darnell", "Lamar", "Lionel", "Rashaun", "Tyree", "Deion", "Lamont", "Malik", "Terrence", "Tyrone",
	"Everol", "Lavon", "Marcellus", "Terryl", "Wardell"}

var blackFemale = []string{"Aiesha", "Lashelle", "Nichelle", "Shereen", "Temeka", "Ebony", "Latisha", "Shaniqua", "Tameisha", "Teretha",
	"Jasmine", "Latonya", "Shanise", "Tanisha", "Tia", "Lakisha", "Latoya", "Sharise", "Tashika", "Yolanda",
	"Lashandra", "Malika", "Shavonn", "Tawanda", "Yvette"}

var nameWords = func() *phrases {
	m := map[string]string{}
	for n := range whiteMale {
		m[n] = n
	}
	for n := range whiteFemale {
		m[n] = n
	}
	return newPhrases(m, true)
}()

func set(xs ...string) map[string]bool {
	m := make(map[string]bool, len(xs))
	for _, x := range xs {
		m[x] = true
	}
	return m
}
