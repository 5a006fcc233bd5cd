// Package config reads guidebot's environment variables (the outward contract in
// DESIGN.md) and rejects a wrong one with a line that names it.
package config
