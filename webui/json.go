package webui

import (
	"math"
	"strconv"
	"time"
	"unicode/utf8"

	"expool/pool"
)

// The JSON of the API is written by hand, field by field, without
// reflection: a poll of /api/jobs must cost the run next to nothing. A field
// is one line of the writer below; the names are the Lua fields'.

// obj writes a JSON object, or an array, into b.
type obj struct {
	b []byte
	n []int // the number of members written, per open object or array
}

func (o *obj) open(c byte) {
	o.b = append(o.b, c)
	o.n = append(o.n, 0)
}

func (o *obj) close(c byte) {
	o.b = append(o.b, c)
	o.n = o.n[:len(o.n)-1]
}

// next separates a member from the one before.
func (o *obj) next() {
	if k := len(o.n) - 1; k >= 0 {
		if o.n[k] > 0 {
			o.b = append(o.b, ',')
		}
		o.n[k]++
	}
}

// key writes a member's name: one of this file's, which need no escaping.
func (o *obj) key(k string) {
	o.next()
	o.b = append(o.b, '"')
	o.b = append(o.b, k...)
	o.b = append(o.b, '"', ':')
}

// The members of an object, by kind.

func (o *obj) str(k, v string) {
	o.key(k)
	o.b = appendString(o.b, v)
}

// strOrNull writes null for "".
func (o *obj) strOrNull(k, v string) {
	if v == "" {
		o.null(k)
		return
	}
	o.str(k, v)
}

func (o *obj) int(k string, v int64) {
	o.key(k)
	o.b = strconv.AppendInt(o.b, v, 10)
}

func (o *obj) bool(k string, v bool) {
	o.key(k)
	o.b = strconv.AppendBool(o.b, v)
}

func (o *obj) null(k string) {
	o.key(k)
	o.b = append(o.b, "null"...)
}

// num writes a number of seconds (or GiB), to the microsecond; null for
// infinity, which JSON does not have.
func (o *obj) num(k string, v float64) {
	o.key(k)
	o.b = appendNum(o.b, v)
}

// gib writes b bytes in GiB, as Lua's job.peakmem and pool.memory.
func (o *obj) gib(k string, b int64) {
	o.key(k)
	o.b = strconv.AppendFloat(o.b, float64(b)/(1<<30), 'g', -1, 64)
}

// time writes a time as seconds since the epoch, as Lua's tstart; null for
// none (0).
func (o *obj) time(k string, ns int64) {
	if ns == 0 {
		o.null(k)
		return
	}
	o.seconds(k, ns)
}

func (o *obj) object(k string) {
	o.key(k)
	o.open('{')
}

func (o *obj) array(k string) {
	o.key(k)
	o.open('[')
}

// num32 writes a float32 (a timeout) as it was given: 0.3, not
// 0.30000001192092896.
func (o *obj) num32(k string, v float32) {
	o.key(k)
	if math.IsInf(float64(v), 0) {
		o.b = append(o.b, "null"...)
		return
	}
	o.b = strconv.AppendFloat(o.b, float64(v), 'f', -1, 32)
}

// seconds writes ns nanoseconds as seconds, to the microsecond (in
// integers: as fast as an integer, and exact).
func (o *obj) seconds(k string, ns int64) {
	o.key(k)
	if ns < 0 {
		o.b = append(o.b, '-')
		ns = -ns
	}
	us := (ns + 500) / 1000
	o.b = strconv.AppendInt(o.b, us/1e6, 10)
	if frac := us % 1e6; frac != 0 {
		var d [7]byte
		d[0] = '.'
		for i := 6; i > 0; i-- {
			d[i] = byte('0' + frac%10)
			frac /= 10
		}
		n := 7
		for d[n-1] == '0' {
			n--
		}
		o.b = append(o.b, d[:n]...)
	}
}

func appendNum(b []byte, v float64) []byte {
	if math.IsInf(v, 0) || math.IsNaN(v) {
		return append(b, "null"...)
	}
	return strconv.AppendFloat(b, v, 'f', -1, 64)
}

// appendString writes s as a JSON string, as encoding/json does: <, > and &
// escaped too, and invalid UTF-8 as U+FFFD.
func appendString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			if r == utf8.RuneError {
				b = append(b, `\ufffd`...)
			} else {
				b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xf])
			}
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// job writes the job at id: its Lua fields, and the pool it runs in.
// detail adds its attempts and the last lines of what it captured.
func (s *Snapshot) writeJob(o *obj, id int32, detail bool) {
	r := s.jobs.at(int(id))
	o.open('{')
	o.str("name", r.name)
	o.str("pool", s.pools[r.pool].name)
	o.strOrNull("task", s.taskName(r.task))
	o.str("status", string(s.status(r)))
	if r.flags&flagRC != 0 {
		o.int("returncode", int64(r.rc))
	} else {
		o.null("returncode")
	}
	o.time("tstart", r.tstart)
	o.time("tstop", r.tstop)
	if r.tstart != 0 && r.tstop != 0 {
		o.seconds("duration", r.tstop-r.tstart)
	} else {
		o.null("duration")
	}
	if r.pid != 0 {
		o.int("pid", int64(r.pid))
	} else {
		o.null("pid")
	}
	o.int("restarts", int64(r.restarts))
	o.bool("resumed", r.flags&flagResumed != 0)
	o.num32("timeout", r.timeout)
	m := r.more
	if m != nil {
		o.strOrNull("error", m.err)
	} else {
		o.null("error")
	}
	if m != nil && m.hasRusage {
		writeRusage(o, m.rusage)
	} else {
		o.null("rusage")
	}
	last, peak, live := s.memory(id)
	if live {
		o.gib("memory", last)
	} else {
		o.null("memory")
	}
	if peak > 0 {
		o.gib("peakmem", peak)
	} else {
		o.null("peakmem")
	}
	if m != nil && m.cpus != "" {
		o.key("cpus")
		o.b = append(o.b, '[')
		o.b = append(o.b, m.cpus...)
		o.b = append(o.b, ']')
	} else {
		o.null("cpus")
	}
	if detail {
		o.array("attempts")
		if m != nil {
			for i, a := range m.attempts {
				o.next()
				o.open('{')
				o.int("attempt", int64(i+1))
				o.str("status", string(a.status))
				writeAttempt(o, a.tstart, a.tstop, a.pid, a.rc, a.hasRC, a.rusage, a.hasRusage, a.peakmem)
				o.close('}')
			}
		}
		o.next()
		o.open('{')
		o.int("attempt", int64(r.restarts)+1)
		st := s.status(r)
		if st == pool.StatusPending && r.tstart == 0 {
			st = "" // none yet
		}
		o.strOrNull("status", string(st))
		hasUse := m != nil && m.hasRusage
		var use pool.Rusage
		if hasUse {
			use = m.rusage
		}
		writeAttempt(o, r.tstart, r.tstop, r.pid, r.rc, r.flags&flagRC != 0, use, hasUse, peak)
		o.close('}')
		o.close(']')
		if m != nil {
			o.strOrNull("outputtail", m.outTail)
			o.strOrNull("erroutputtail", m.errTail)
		} else {
			o.null("outputtail")
			o.null("erroutputtail")
		}
	}
	o.close('}')
}

func writeAttempt(o *obj, tstart, tstop int64, pid, rc int32, hasRC bool, use pool.Rusage, hasUse bool, peak int64) {
	if hasRC {
		o.int("returncode", int64(rc))
	} else {
		o.null("returncode")
	}
	o.time("tstart", tstart)
	o.time("tstop", tstop)
	if tstart != 0 && tstop != 0 {
		o.seconds("duration", tstop-tstart)
	} else {
		o.null("duration")
	}
	if pid != 0 {
		o.int("pid", int64(pid))
	} else {
		o.null("pid")
	}
	if hasUse {
		writeRusage(o, use)
	} else {
		o.null("rusage")
	}
	if peak > 0 {
		o.gib("peakmem", peak)
	} else {
		o.null("peakmem")
	}
}

func writeRusage(o *obj, u pool.Rusage) {
	o.object("rusage")
	o.seconds("utime", int64(u.Utime))
	o.seconds("stime", int64(u.Stime))
	o.int("maxrss", u.MaxRSS)
	o.close('}')
}

// writeTask writes the task at index i.
func (s *Snapshot) writeTask(o *obj, i int) {
	t := s.tasks.at(i)
	o.open('{')
	o.str("name", t.name)
	o.strOrNull("task", s.taskName(t.parent))
	o.str("status", string(s.statuses[t.status]))
	o.time("tstart", t.tstart)
	o.time("tstop", t.tstop)
	if t.tstart != 0 && t.tstop != 0 {
		o.seconds("duration", t.tstop-t.tstart)
	} else {
		o.null("duration")
	}
	o.int("numadded", int64(t.numadded))
	o.int("numdone", int64(t.numdone))
	o.int("numterm", int64(t.numterm))
	o.num32("timeout", t.timeout)
	o.close('}')
}

// writeSummary writes the counts of the run at now.
func (s *Snapshot) writeSummary(o *obj, now time.Time) {
	o.open('{')
	o.int("version", int64(s.Version))
	o.str("script", s.Script)
	o.bool("over", s.Over)
	o.time("tstart", s.Start.UnixNano())
	o.time("now", now.UnixNano())
	c := s.Counts(now)
	o.seconds("elapsed", int64(c.Elapsed))
	if eta, ok := c.ETA(); ok {
		o.seconds("eta", int64(eta))
	} else {
		o.null("eta")
	}
	o.int("executed", int64(s.Executed))
	o.int("finished", int64(s.Finished))
	o.int("running", int64(len(s.running)))
	o.int("pending", int64(s.Pending()))
	o.object("counts")
	for _, st := range knownStatuses[2:] {
		o.int(string(st), int64(s.byStatus[st]))
	}
	o.close('}')
	o.int("failures", int64(len(s.failures)))
	o.int("resumed", int64(s.Resumed))
	o.int("tasks", int64(s.tasks.len()))
	o.array("pools")
	for _, p := range s.pools {
		o.next()
		o.open('{')
		o.str("name", p.name)
		o.int("workers", int64(p.workers))
		o.int("running", int64(p.running))
		o.int("pending", int64(max(p.executed-p.finished-p.running, 0)))
		o.gib("memory", p.memory)
		if p.memlimit > 0 {
			o.gib("memlimit", p.memlimit)
		} else {
			o.null("memlimit")
		}
		o.close('}')
	}
	o.close(']')
	o.close('}')
}
