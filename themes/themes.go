// Package themes holds the site's built-in theme, embedded in the podium
// binary so that a build needs nothing beside the project root.
//
// A theme is a folder with templates/ (html/template files) and static/
// (copied to the site's /assets/ as they are).
package themes

import (
	"embed"
	"io/fs"
)

//go:embed default
var embedded embed.FS

// Default returns the built-in theme.
func Default() fs.FS {
	sub, err := fs.Sub(embedded, "default")
	if err != nil {
		panic(err) // the folder is embedded above
	}
	return sub
}
