package site

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"podium/internal/synth"
	"podium/ranking"
	"podium/result"
)

func TestDeterministicBuild(t *testing.T) {
	root := synthRoot(t, synth.Spec{Round: "r1", Tracks: 2, Submissions: 30, Scenarios: 5, Metrics: 9, Secret: 1, Missing: 0.05, Seed: 9})
	writeTree(t, root, map[string]string{"content/index.md": "# Home\n\nHello.\n", "content/rules.md": "---\ntitle: Rules\nnav_order: 2\n---\n$$x^2$$\n"})
	dirs := []string{filepath.Join(t.TempDir(), "a"), filepath.Join(t.TempDir(), "b")}
	for _, d := range dirs {
		if _, err := Build(Options{Root: root, Out: d, BaseURL: "https://example.org/x/"}); err != nil {
			t.Fatal(err)
		}
	}
	a, b := readDir(t, dirs[0]), readDir(t, dirs[1])
	if len(a) != len(b) || len(a) < 100 {
		t.Fatalf("%d and %d files", len(a), len(b))
	}
	for p, data := range a {
		if !bytes.Equal(data, b[p]) {
			t.Errorf("%s differs between two builds", p)
		}
	}
}

func readDir(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		out[filepath.ToSlash(rel)] = data
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestContentOnlyRoot(t *testing.T) {
	root := t.TempDir()
	writeTree(t, root, map[string]string{
		"content/index.md":        "# Welcome\n\nRead the [FAQ](faq/).\n",
		"content/faq.md":          "---\ntitle: FAQ\nnav_order: 2\n---\nAnswers.\n",
		"content/img/logo.svg":    "<svg xmlns=\"http://www.w3.org/2000/svg\"/>",
		"content/guide/index.md":  "---\ntitle: Guide\nnav_order: 1\n---\nSee ![logo](/img/logo.svg).\n",
		"content/draft.md":        "---\ntitle: Draft\ndraft: true\n---\nNot yet.\n",
		"content/.hidden/note.md": "ignored",
	})
	s := mustGenerate(t, Options{Root: root})
	for _, p := range []string{"index.html", "faq/index.html", "guide/index.html", "img/logo.svg", "404.html", ".nojekyll", "assets/podium.css", "assets/vendor/katex/katex.min.js", "assets/vendor/echarts/echarts.min.js"} {
		if _, ok := s.Files[p]; !ok {
			t.Errorf("missing %s", p)
		}
	}
	for _, p := range []string{"draft/index.html", ".hidden/note/index.html", "rounds/index.html", "sitemap.xml", "CNAME"} {
		if _, ok := s.Files[p]; ok {
			t.Errorf("unexpected %s", p)
		}
	}
	if bl := s.BrokenLinks(); len(bl) > 0 {
		t.Error(bl)
	}
	// Navigation: pages with a nav_order, by order.
	home := string(s.Files["index.html"])
	if i, j := strings.Index(home, ">Guide</a>"), strings.Index(home, ">FAQ</a>"); i < 0 || j < 0 || i > j {
		t.Errorf("nav order wrong: Guide at %d, FAQ at %d", i, j)
	}
}

func TestProjectSiteBaseURL(t *testing.T) {
	root := synthRoot(t, synth.Spec{Round: "r1", Tracks: 1, Submissions: 4, Scenarios: 2, Metrics: 2, Seed: 1})
	writeTree(t, root, map[string]string{
		"content/site.toml": "title = \"T\"\nbase_url = \"https://wrong.example/\"\n",
		"content/rules.md":  "---\ntitle: Rules\n---\nSee [the leaderboard](/rounds/) and <a href=\"/rounds/r1/\">round one</a>.\n",
	})
	s := mustGenerate(t, Options{Root: root, BaseURL: "https://org.github.io/repo/"})
	if s.BasePath != "/repo/" {
		t.Fatalf("base path %q", s.BasePath)
	}
	if bl := s.BrokenLinks(); len(bl) > 0 {
		t.Error(bl)
	}
	link := regexp.MustCompile(`(?:href|src)="([^"]*)"`)
	for p, data := range s.Files {
		if !strings.HasSuffix(p, ".html") {
			continue
		}
		for _, m := range link.FindAllSubmatch(data, -1) {
			u := string(m[1])
			if strings.HasPrefix(u, "/") && !strings.HasPrefix(u, "/repo/") {
				t.Errorf("%s: link %q is outside /repo/", p, u)
			}
			if p == "404.html" && !strings.HasPrefix(u, "/repo/") && !strings.Contains(u, ":") {
				t.Errorf("404.html: link %q would break at depth", u)
			}
		}
	}
	sm := string(s.Files["sitemap.xml"])
	if !strings.Contains(sm, "<loc>https://org.github.io/repo/rounds/r1/tracks/track1/</loc>") || !strings.Contains(sm, "<loc>https://org.github.io/repo/rules/</loc>") {
		t.Errorf("sitemap lacks absolute URLs:\n%s", sm)
	}
	if strings.Contains(sm, "404") || strings.Contains(sm, "<loc>https://org.github.io/repo/tracks/") {
		t.Errorf("sitemap lists 404.html or root copies:\n%s", sm)
	}
	if !strings.Contains(string(s.Files["rules/index.html"]), `href="/repo/rounds/r1/"`) {
		t.Error("a site-absolute link in raw HTML was not given the base path")
	}
}

func TestRoundsArchive(t *testing.T) {
	root := t.TempDir()
	for _, sp := range []synth.Spec{
		{Round: "2023", Start: "2023-07-01", Tracks: 1, Submissions: 3, Scenarios: 2, Metrics: 2, Seed: 1},
		{Round: "2024", Start: "2024-07-01", Tracks: 1, Submissions: 5, Scenarios: 2, Metrics: 2, Seed: 2},
	} {
		if _, err := synth.Round(root, sp); err != nil {
			t.Fatal(err)
		}
	}
	s := mustGenerate(t, Options{Root: root})
	if s.Current == nil || s.Current.ID != "2024" {
		t.Fatalf("current round %v, want 2024", s.Current)
	}
	old := string(s.Files["rounds/2023/tracks/track1/index.html"])
	cur := string(s.Files["rounds/2024/tracks/track1/index.html"])
	if !strings.Contains(old, `class="banner archived"`) || strings.Contains(cur, `class="banner archived"`) {
		t.Error("the archived banner is not on the old round alone")
	}
	if !bytes.Equal(s.Files["tracks/track1/index.html"], s.Files["rounds/2024/tracks/track1/index.html"]) {
		t.Error("the newest round's leaderboard is not also at the root")
	}
	if !bytes.Equal(s.Files["index.html"], s.Files["rounds/2024/index.html"]) {
		t.Error("the root is not the newest round's page")
	}
	for _, page := range []string{old, cur} {
		if !strings.Contains(page, `href="/rounds/2023/"`) || !strings.Contains(page, `href="/rounds/2024/"`) {
			t.Error("the round switcher does not list both rounds")
		}
	}
	// The header and round menu, made once per round, name each page's own
	// round.
	for _, id := range []string{"2023", "2024"} {
		for _, p := range []string{"rounds/" + id + "/tracks/track1/submissions/sub-0001.html", "rounds/" + id + "/scenarios/scenario_01/index.html"} {
			page := string(s.Files[p])
			if !strings.Contains(page, "<summary>Round: Synthetic round "+id+"</summary>") {
				t.Errorf("%s: the switcher does not name round %s", p, id)
			}
			if !strings.Contains(page, `<nav class="roundnav" aria-label="Round">`+"\n"+`<a href="/rounds/`+id+`/">`) {
				t.Errorf("%s: the round menu is not round %s's", p, id)
			}
		}
	}
	// A config can keep an older round at the root.
	writeTree(t, root, map[string]string{"content/site.toml": "current = \"2023\"\n"})
	s = mustGenerate(t, Options{Root: root})
	if !bytes.Equal(s.Files["index.html"], s.Files["rounds/2023/index.html"]) {
		t.Error("current = \"2023\" did not put 2023 at the root")
	}
}

func TestCheckNamesFileAndLine(t *testing.T) {
	root := t.TempDir()
	writeTree(t, root, map[string]string{
		"content/index.md": "---\ntitle: Home\n---\n# Home\n\nSee [nothing](/nope/) here.\n",
	})
	problems, _ := Check(Options{Root: root})
	want := filepath.Join(root, "content", "index.md") + ":6: broken link \"/nope/\""
	if len(problems) != 1 || !strings.HasPrefix(problems[0], want) {
		t.Fatalf("problems %q, want one starting %q", problems, want)
	}
	writeTree(t, root, map[string]string{
		"content/index.md":  "# Home\n",
		"content/site.toml": "title = \"x\"\n\ncolour = \"red\"\n",
	})
	problems, _ = Check(Options{Root: root})
	if len(problems) != 1 || !strings.Contains(problems[0], "site.toml:3: unknown key \"colour\"") {
		t.Fatalf("problems %q, want the unknown key with its line", problems)
	}
	writeTree(t, root, map[string]string{
		"content/site.toml":          "title = \"x\"\n",
		"content/rounds/nope/faq.md": "# FAQ\n",
	})
	problems, _ = Check(Options{Root: root})
	if len(problems) != 1 || !strings.Contains(problems[0], "names no round") {
		t.Fatalf("problems %q, want a round page without a round", problems)
	}
}

func TestHostileTeamEscaped(t *testing.T) {
	root := synthRoot(t, synth.Spec{Round: "r1", Tracks: 1, Submissions: 3, Scenarios: 2, Metrics: 2, Seed: 1,
		Team: func(_, i int) string { return hostileTeam }})
	s := mustGenerate(t, Options{Root: root})
	n := 0
	for p, data := range s.Files {
		if !strings.HasSuffix(p, ".html") {
			continue
		}
		for _, bad := range []string{"<img src=x", "<script>alert(2)", "</script><script>"} {
			if bytes.Contains(data, []byte(bad)) {
				t.Errorf("%s holds %q unescaped", p, bad)
			}
		}
		n += bytes.Count(data, []byte(`\u003cimg src=x onerror=alert(1)\u003e\u003c/script\u003e`))
	}
	if n == 0 {
		t.Error("the team name is not in any chart, escaped")
	}
	got := escapeScript("<script type=\"text/javascript\">\nlet o = {\"a\":\"</script><b>&\"};\n</script>")
	want := "<script type=\"text/javascript\">\nlet o = {\"a\":\"\\u003c/script\\u003e\\u003cb\\u003e\\u0026\"};\n</script>"
	if got != want {
		t.Errorf("escapeScript:\n got %s\nwant %s", got, want)
	}
}

func TestOutDirSafety(t *testing.T) {
	root := t.TempDir()
	writeTree(t, root, map[string]string{"content/index.md": "# Hi\n", "keep/me.txt": "precious"})
	if _, err := Build(Options{Root: root, Out: filepath.Join(root, "keep")}); err == nil {
		t.Fatal("replaced a folder that is not a built site")
	}
	if _, err := os.Stat(filepath.Join(root, "keep", "me.txt")); err != nil {
		t.Fatal("the folder was touched")
	}
	out := filepath.Join(root, "public")
	writeTree(t, root, map[string]string{"public/.nojekyll": "", "public/stale.html": "old"})
	if _, err := Build(Options{Root: root, Out: out}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(out, "stale.html")); !os.IsNotExist(err) {
		t.Error("a stale file of the last build survived")
	}
}

func TestServeLiveReload(t *testing.T) {
	root := t.TempDir()
	writeTree(t, root, map[string]string{"content/index.md": "# Hi\n\nfirst version\n"})
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- ServeContext(ctx, ServeOptions{Options: Options{Root: root}, Addr: "127.0.0.1:0", Ready: func(a string) { ready <- a }})
	}()
	var addr string
	select {
	case addr = <-ready:
	case err := <-done:
		t.Fatal(err)
	case <-time.After(10 * time.Second):
		t.Fatal("server did not start")
	}
	get := func(p string) (int, string) {
		resp, err := http.Get("http://" + addr + p)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	if code, body := get("/"); code != 200 || !strings.Contains(body, "first version") || !strings.Contains(body, eventsPath) {
		t.Fatalf("GET / = %d %q", code, body)
	}
	if code, body := get("/no/such/page/"); code != 404 || !strings.Contains(body, "Page not found") {
		t.Errorf("GET missing = %d", code)
	}
	if code, _ := get("/assets/podium.css"); code != 200 {
		t.Errorf("GET css = %d", code)
	}
	resp, err := http.Get("http://" + addr + eventsPath)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	writeTree(t, root, map[string]string{"content/index.md": "# Hi\n\nsecond version\n"})
	line := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "data:") {
				line <- sc.Text()
				return
			}
		}
	}()
	select {
	case l := <-line:
		if l != "data: reload" {
			t.Errorf("event %q", l)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no reload event after a change")
	}
	if _, body := get("/"); !strings.Contains(body, "second version") {
		t.Error("the page was not rebuilt")
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestCommandsHelp(t *testing.T) {
	for _, c := range []func([]string, io.Writer, io.Writer) error{BuildCommand, CheckCommand, ServeCommand} {
		var out bytes.Buffer
		if err := c([]string{"--help"}, &out, &out); !errors.Is(err, flag.ErrHelp) || !strings.Contains(out.String(), "Usage: podium") {
			t.Errorf("--help: %v %q", err, out.String())
		}
	}
	root := t.TempDir()
	writeTree(t, root, map[string]string{"content/index.md": "# Hi\n"})
	var out, errb bytes.Buffer
	if err := BuildCommand([]string{"--root", root, "--quiet"}, &out, &errb); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "public", "index.html")); err != nil {
		t.Error("default --out is not ROOT/public")
	}
	if err := CheckCommand([]string{"--root", root}, &out, &errb); err != nil || !strings.Contains(out.String(), "ok:") {
		t.Errorf("check: %v %q", err, out.String())
	}
}

func TestWinnersFromReproducedOnly(t *testing.T) {
	root := synthRoot(t, synth.Spec{Round: "r1", Tracks: 1, Submissions: 3, Scenarios: 2, Metrics: 2, Seed: 1})
	appendFile := func(name, text string) {
		f, err := os.OpenFile(filepath.Join(root, name), os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		f.WriteString(text)
	}
	page := func() string {
		s := mustGenerate(t, Options{Root: root})
		return string(s.Files["rounds/r1/tracks/track1/index.html"])
	}
	appendFile("results/r1/round.toml", "\n[winners]\ncount = 1\nrequire_reproduced = true\n")
	if p := page(); !strings.Contains(p, "No winner yet: only a submission the organizers have reproduced can win.") {
		t.Fatal("a round with no reproduced submission named a winner")
	}
	r, err := result.LoadRound(root, "r1")
	if err != nil {
		t.Fatal(err)
	}
	b, err := ranking.Rank(r, "track1", r.Results["track1"])
	if err != nil {
		t.Fatal(err)
	}
	// The top submission failed to reproduce, the second reproduced.
	first, second := b.Rows[0].Submission, b.Rows[1].Submission
	appendFile("results/r1/track1/"+first.ID+".toml", "\n[reproduction]\nstatus = \"failed\"\nreasons = [\"over 24 hours\"]\n")
	appendFile("results/r1/track1/"+second.ID+".toml", "\n[reproduction]\nstatus = \"reproduced\"\n")
	want := "Winner: <strong>" + second.Team + "</strong> (" + second.ID + ", rank 2)."
	if p := page(); !strings.Contains(p, want) {
		t.Errorf("the leaderboard does not say %q", want)
	}
}
