package webui

import "sync"

// answerCache keeps the answers made from one snapshot, by path and query:
// readers that ask the same between two snapshots (the pages open with the
// same filters, clients that poll) share one answer, made once.
type answerCache struct {
	mu      sync.Mutex
	version uint64
	answers map[string][]byte
	size    int
}

// What the cache holds at most: answers, bytes in all, and bytes of one.
const (
	cacheAnswers = 32
	cacheBytes   = 8 << 20
	cacheLargest = 1 << 20
)

// get returns the answer to key made from the snapshot of version, made by
// answer if the cache has none.
func (c *answerCache) get(version uint64, key string, answer func() []byte) []byte {
	c.mu.Lock()
	if c.version == version {
		if b, ok := c.answers[key]; ok {
			c.mu.Unlock()
			return b
		}
	}
	c.mu.Unlock()
	b := answer()
	if len(b) > cacheLargest {
		return b
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case version < c.version:
		return b // an older snapshot's: not kept
	case version > c.version || len(c.answers) >= cacheAnswers || c.size+len(b) > cacheBytes:
		c.version, c.answers, c.size = version, map[string][]byte{}, 0
	}
	c.answers[key] = b
	c.size += len(b)
	return b
}
