// Package locales holds the message files built into the binary; LOCALES_DIR replaces them.
package locales

import "embed"

// Files are the shipped message files, one per language: <code>.yaml, and in
// review/ the source each translation was made from (`guidebot check --strict`).
//
//go:embed *.yaml review/*.yaml
var Files embed.FS
