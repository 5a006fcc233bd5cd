package store

import "time"

// Keys of one participant share the hash tag {p:ID}, so the commit script stays valid
// on Redis Cluster; the streams are shared by all participants.
type keys struct{ prefix string }

func (k keys) state(id string) string      { return k.prefix + "gb:{p:" + id + "}:state" }
func (k keys) transcript(id string) string { return k.prefix + "gb:{p:" + id + "}:log" }
func (k keys) seen(id, msgID string) string {
	return k.prefix + "gb:{p:" + id + "}:seen:" + msgID
}
func (k keys) outbox(channel string) string { return k.prefix + "gb:outbox:" + channel }
func (k keys) stream(name string) string    { return k.prefix + "gb:" + name }

func secs(n int) time.Duration { return time.Duration(n) * time.Second }
