// Package server is guidebot's HTTP surface: health, readiness, metrics, and the
// routes channel adapters mount.
package server
