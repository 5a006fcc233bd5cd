// Package locales holds the message files built into the binary; LOCALES_DIR replaces them.
package locales

import "embed"

// Files are the shipped message files, one per language: <code>.yaml.
//
//go:embed *.yaml
var Files embed.FS
