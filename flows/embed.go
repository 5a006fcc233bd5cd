// Package flows holds the conversation flows built into the binary; FLOWS_DIR replaces them.
package flows

import "embed"

// Files are the shipped flows, one per YAML file.
//
//go:embed *.yaml
var Files embed.FS
