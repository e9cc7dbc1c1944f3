package webui

import "slices"

// chunkSize is the number of records in a chunk. A change to a record that a
// snapshot holds copies its chunk: 256 jobs are 16 KiB.
const chunkSize = 256

// chunk is chunkSize records. Once a snapshot holds it (gen below the
// builder's), its records are never written again: a change copies it. A
// record past what that snapshot holds may still be added to it, since the
// snapshot never reads there.
type chunk[T any] struct {
	recs [chunkSize]T
	gen  uint64 // the generation that wrote it
}

// chunks is the builder's list of records, by index, copied on write.
type chunks[T any] struct {
	list []*chunk[T]
	n    int
}

// add appends v and returns its index.
func (c *chunks[T]) add(v T, gen uint64) int {
	i := c.n
	if i%chunkSize == 0 {
		c.list = append(c.list, &chunk[T]{gen: gen})
	}
	c.list[i/chunkSize].recs[i%chunkSize] = v
	c.n++
	return i
}

// get returns record i, for reading.
func (c *chunks[T]) get(i int) *T { return &c.list[i/chunkSize].recs[i%chunkSize] }

// set returns record i, for writing in generation gen: its chunk is copied
// first if a snapshot may hold it.
func (c *chunks[T]) set(i int, gen uint64) *T {
	ch := c.list[i/chunkSize]
	if ch.gen != gen {
		cp := *ch
		cp.gen = gen
		ch = &cp
		c.list[i/chunkSize] = ch
	}
	return &ch.recs[i%chunkSize]
}

// freeze returns the records as they are now, for a snapshot. The builder
// must then write in a new generation.
func (c *chunks[T]) freeze() frozen[T] {
	return frozen[T]{list: slices.Clone(c.list), n: c.n}
}

// frozen is a snapshot's records: never written.
type frozen[T any] struct {
	list []*chunk[T]
	n    int
}

func (f frozen[T]) len() int { return f.n }

func (f frozen[T]) at(i int) *T { return &f.list[i/chunkSize].recs[i%chunkSize] }

// barChunk is the number of ended attempts in a chunk of the bar log.
const barChunk = 256

// barRec is an ended attempt as the live timeline draws it, 12 bytes: its
// times and returncode are its job's record's (or, for an attempt before the
// last, in the job's earlier attempts).
type barRec struct {
	job     int32
	attempt int32 // 1 for the first
	lane    uint16
	status  uint8 // how it ended, in Snapshot.statuses
}

// barLog is the latest ended attempts, at least barsDrawn of them, in
// chunks, append only: a snapshot shares them (it reads only the bars that
// were there when it was made), and the oldest chunk is dropped whole.
type barLog struct {
	list    []*[barChunk]barRec
	n       int // bars in the last chunk
	dropped int // bars in the chunks dropped
}

func (l *barLog) add(b barRec) {
	if len(l.list) == 0 || l.n == barChunk {
		if (len(l.list)-1)*barChunk >= barsDrawn {
			l.list = slices.Clone(l.list[1:])
			l.dropped += barChunk
		}
		l.list = append(l.list, new([barChunk]barRec))
		l.n = 0
	}
	l.list[len(l.list)-1][l.n] = b
	l.n++
}

// freeze returns the log as it is now, for a snapshot.
func (l *barLog) freeze() barLog {
	return barLog{list: slices.Clone(l.list), n: l.n, dropped: l.dropped}
}

// latest returns the last (at most) max bars, and how many come before them.
func (l *barLog) latest(max int) (bars []barRec, before int) {
	total := l.n
	if len(l.list) > 0 {
		total += (len(l.list) - 1) * barChunk
	}
	skip := 0
	if total > max {
		skip = total - max
	}
	for i, c := range l.list {
		k := barChunk
		if i == len(l.list)-1 {
			k = l.n
		}
		for _, b := range c[:k] {
			if skip > 0 {
				skip--
				continue
			}
			bars = append(bars, b)
		}
	}
	return bars, l.dropped + total - len(bars)
}
