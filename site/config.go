package site

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"podium/result"
)

// ConfigFile is the site's configuration, inside content/.
const ConfigFile = "site.toml"

// Config is content/site.toml. Every field is optional.
type Config struct {
	Title       string `toml:"title"`       // site title; default "Podium"
	Description string `toml:"description"` // one line, for <meta name=description>
	// BaseURL is where the site is published, e.g.
	// "https://org.github.io/repo/". Its path becomes the prefix of every
	// link; sitemap.xml needs it absolute. --base-url overrides it.
	BaseURL string `toml:"base_url"`
	CNAME   string `toml:"cname"`   // custom domain for GitHub Pages; writes CNAME
	Current string `toml:"current"` // the round shown at the root; default the newest
	Footer  string `toml:"footer"`  // trusted markdown shown at the foot of every page
	Nav     []Nav  `toml:"nav"`     // menu entries before the pages' own
}

// Nav is one menu entry. URL is site-relative ("rules/") or absolute.
type Nav struct {
	Title string `toml:"title"`
	URL   string `toml:"url"`
}

// LoadConfig reads root/content/site.toml; a missing file is the defaults.
func LoadConfig(root string) (*Config, error) {
	path := filepath.Join(root, "content", ConfigFile)
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return &Config{Title: "Podium"}, nil
	}
	if err != nil {
		return nil, err
	}
	var c Config
	if err := result.DecodeStrict(path, data, &c); err != nil {
		return nil, err
	}
	if c.Title == "" {
		c.Title = "Podium"
	}
	if c.BaseURL != "" {
		if _, err := basePath(c.BaseURL); err != nil {
			return nil, fmt.Errorf("%s:%d: base_url: %w", path, result.LineOfKey(data, "base_url"), err)
		}
	}
	for i, n := range c.Nav {
		if n.Title == "" || n.URL == "" {
			return nil, fmt.Errorf("%s:%d: nav entry %d needs a title and a url", path, result.LineOfKey(data, "nav"), i+1)
		}
	}
	return &c, nil
}

// basePath returns the path prefix of a base URL, with slashes at both ends.
func basePath(base string) (string, error) {
	if base == "" {
		return "/", nil
	}
	u, err := url.Parse(base)
	if err != nil {
		return "", err
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("%q: a base URL has no query or fragment", base)
	}
	if u.Scheme != "" && u.Scheme != "http" && u.Scheme != "https" {
		return "", fmt.Errorf("%q: scheme must be http or https", base)
	}
	p := "/" + strings.Trim(u.Path, "/") + "/"
	if p == "//" {
		p = "/"
	}
	return p, nil
}

// absoluteBase reports whether base is a full URL (needed by sitemap.xml).
func absoluteBase(base string) bool {
	u, err := url.Parse(base)
	return err == nil && u.Scheme != "" && u.Host != ""
}
