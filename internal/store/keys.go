package store

import "strconv"

// Keys of one participant share the hash tag {p:ID}, so the commit script stays valid
// on Redis Cluster; the streams are shared by all participants.
type keys struct{ prefix string }

func (k keys) state(id string) string      { return k.prefix + "gb:{p:" + id + "}:state" }
func (k keys) transcript(id string) string { return k.prefix + "gb:{p:" + id + "}:log" }
func (k keys) seen(id, msgID string) string {
	return k.prefix + "gb:{p:" + id + "}:seen:" + msgID
}
func (k keys) stream(name string) string { return k.prefix + "gb:" + name }

// inbound is the set of a participant's message ids in one window of the inbound limit.
func (k keys) inbound(id string, window int64) string {
	return k.prefix + "gb:{p:" + id + "}:in:" + strconv.FormatInt(window, 10)
}

// spent is what a participant was sent on one day, for the outbox's cost guard.
func (k keys) spent(id, day string) string { return k.prefix + "gb:{p:" + id + "}:spent:" + day }
