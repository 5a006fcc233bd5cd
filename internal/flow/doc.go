// Package flow is the pure conversation engine: flows as data in, the next state and
// what to say out. It does no I/O and knows nothing of Redis, HTTP or channels.
package flow
