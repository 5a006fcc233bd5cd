// Package pace is how guidebot waits: one context-aware sleep and one backoff curve.
package pace
