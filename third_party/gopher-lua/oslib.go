package lua

// The os library, after Lua 5.1.5's loslib.c: os.date is C's strftime in
// the C locale, os.time C's mktime, os.clock the process's CPU time,
// os.execute C's system (a wait status), and the results and messages are
// Lua 5.1's.

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"time"
)

func OpenOs(L *LState) int {
	osmod := L.RegisterModule(OsLibName, osFuncs)
	L.Push(osmod)
	return 1
}

var osFuncs = map[string]LGFunction{
	"clock":     osClock,
	"difftime":  osDiffTime,
	"execute":   osExecute,
	"exit":      osExit,
	"date":      osDate,
	"getenv":    osGetEnv,
	"remove":    osRemove,
	"rename":    osRename,
	"setlocale": osSetLocale,
	"time":      osTime,
	"tmpname":   osTmpname,
}

// osPushResult is loslib's os_pushresult: true, or nil, "name: message"
// and errno.
func osPushResult(L *LState, err error, name string) int {
	return pushResult(L, err, name)
}

// osClock is the CPU time of the process, in seconds (C's clock()).
func osClock(L *LState) int {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		L.Push(LNumber(-1))
		return 1
	}
	cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	L.Push(LNumber(cpu.Seconds()))
	return 1
}

func osDiffTime(L *LState) int {
	t2 := int64(L.CheckNumber(1))
	t1 := int64(L.OptNumber(2, 0))
	L.Push(LNumber(float64(t2 - t1)))
	return 1
}

// osExecute is C's system: without a command, 1 (a shell is there); with
// one, its wait status (the exit code times 256, or the signal). What the
// io library buffers is written first.
func osExecute(L *LState) int {
	if L.Get(1) == LNil {
		L.Push(LNumber(1))
		return 1
	}
	cmd := exec.Command("/bin/sh", "-c", L.CheckString(1))
	st := ioStateOf(L)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	if st.stdout != nil {
		FlushAll(L)
		cmd.Stdout = st.stdout.Value.(*lFile).w
		cmd.Stderr = st.stderr.Value.(*lFile).w
	}
	err := cmd.Run()
	status := 0
	var exitErr *exec.ExitError
	switch {
	case errors.As(err, &exitErr):
		ws := exitErr.Sys().(syscall.WaitStatus)
		if ws.Signaled() {
			status = int(ws.Signal())
		} else {
			status = ws.ExitStatus() << 8
		}
	case err != nil:
		status = 127 << 8 // the shell could not run
	}
	L.Push(LNumber(status))
	return 1
}

// osExit is C's exit: buffers written, then the process ends.
func osExit(L *LState) int {
	code := L.OptInt(1, 0)
	FlushAll(L)
	L.Close()
	os.Exit(code)
	return 1
}

func osGetEnv(L *LState) int {
	v, ok := os.LookupEnv(L.CheckString(1))
	if !ok {
		L.Push(LNil)
	} else {
		L.Push(LString(v))
	}
	return 1
}

// osRemove is C's remove: a file, or an empty directory.
func osRemove(L *LState) int {
	name := L.CheckString(1)
	err := syscall.Unlink(name)
	if errors.Is(err, syscall.EISDIR) {
		err = syscall.Rmdir(name)
	}
	return osPushResult(L, err, name)
}

func osRename(L *LState) int {
	from := L.CheckString(1)
	to := L.CheckString(2)
	return osPushResult(L, syscall.Rename(from, to), from)
}

// osSetLocale knows the C locale only: "C", "POSIX" and "" (the
// environment's, which is C here) are it; others cannot be set (nil).
func osSetLocale(L *LState) int {
	L.checkOption(2, []string{"all", "collate", "ctype", "monetary", "numeric", "time"}, "all")
	switch l := L.Get(1); l {
	case LNil, LString("C"), LString("POSIX"), LString(""):
		L.Push(LString("C"))
	default:
		L.CheckString(1)
		L.Push(LNil)
	}
	return 1
}

// osTmpname creates a file of a unique name, as lua5.1 does with mkstemp,
// and returns its name.
func osTmpname(L *LState) int {
	f, err := os.CreateTemp("/tmp", "lua_")
	if err != nil {
		L.RaiseError("unable to generate a unique filename")
	}
	f.Close()
	L.Push(LString(f.Name()))
	return 1
}

// osTime is os.time: now, or C's mktime of a date table, fields out of
// range carried over (the 32nd of January is the 1st of February).
func osTime(L *LState) int {
	if L.Get(1) == LNil {
		L.Push(LNumber(time.Now().Unix()))
		return 1
	}
	tb := L.CheckTable(1)
	field := func(key string, d int) int {
		v := L.GetField(tb, key)
		if n, err := toNumberValue(v); err == nil {
			return int(int32(int64(n)))
		}
		if d < 0 {
			L.RaiseError("field '%s' missing in date table", key)
		}
		return d
	}
	sec := field("sec", 0)
	min := field("min", 0)
	hour := field("hour", 12)
	day := field("day", -1)
	month := field("month", -1)
	year := field("year", -1)
	t := time.Date(year, time.Month(month), day, hour, min, sec, 0, time.Local)
	if isdst := L.GetField(tb, "isdst"); isdst != LNil && LVAsBool(isdst) != t.IsDST() {
		// mktime reads the time as daylight saving time, or not, as told
		_, offset := t.Zone()
		_, other := t.Add(-6 * 30 * 24 * time.Hour).Zone()
		if offset == other {
			_, other = t.Add(6 * 30 * 24 * time.Hour).Zone()
		}
		t = t.Add(time.Duration(offset-other) * time.Second)
	}
	if t.Unix() == -1 {
		L.Push(LNil) // mktime's -1 is its error, to Lua 5.1 too
		return 1
	}
	L.Push(LNumber(t.Unix()))
	return 1
}

// osDate is os.date: "*t" or "!*t" a table, else each conversion as C's
// strftime in the C locale; "!" is UTC.
func osDate(L *LState) int {
	format := L.OptString(1, "%c")
	var t time.Time
	if L.Get(2) == LNil {
		t = time.Now()
	} else {
		t = time.Unix(int64(L.CheckNumber(2)), 0)
	}
	if len(format) > 0 && format[0] == '!' {
		t = t.UTC()
		format = format[1:]
	} else {
		t = t.Local()
	}
	if format == "*t" {
		tb := L.CreateTable(0, 9)
		tb.RawSetString("sec", LNumber(t.Second()))
		tb.RawSetString("min", LNumber(t.Minute()))
		tb.RawSetString("hour", LNumber(t.Hour()))
		tb.RawSetString("day", LNumber(t.Day()))
		tb.RawSetString("month", LNumber(t.Month()))
		tb.RawSetString("year", LNumber(t.Year()))
		tb.RawSetString("wday", LNumber(t.Weekday()+1))
		tb.RawSetString("yday", LNumber(t.YearDay()))
		tb.RawSetString("isdst", LBool(t.IsDST()))
		L.Push(tb)
		return 1
	}
	var b []byte
	for i := 0; i < len(format); i++ {
		if format[i] != '%' || i+1 == len(format) {
			b = append(b, format[i])
			continue
		}
		i++
		b = append(b, strftime(t, format[i])...)
	}
	L.Push(LString(b))
	return 1
}

var (
	weekdayNames = []string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"}
	monthNames   = []string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"}
)

// strftime is glibc's strftime of one conversion, in the C locale; an
// unknown one is written as it is.
func strftime(t time.Time, c byte) string {
	d2 := func(n int) string { return fmt.Sprintf("%02d", n) }
	hour12 := t.Hour() % 12
	if hour12 == 0 {
		hour12 = 12
	}
	switch c {
	case 'a':
		return weekdayNames[t.Weekday()][:3]
	case 'A':
		return weekdayNames[t.Weekday()]
	case 'b', 'h':
		return monthNames[t.Month()-1][:3]
	case 'B':
		return monthNames[t.Month()-1]
	case 'c':
		return strftime(t, 'a') + " " + strftime(t, 'b') + " " + strftime(t, 'e') + " " + strftime(t, 'T') + " " + strftime(t, 'Y')
	case 'C':
		return d2(t.Year() / 100)
	case 'd':
		return d2(t.Day())
	case 'D':
		return strftime(t, 'm') + "/" + strftime(t, 'd') + "/" + strftime(t, 'y')
	case 'e':
		return fmt.Sprintf("%2d", t.Day())
	case 'F':
		return fmt.Sprintf("%d-%02d-%02d", t.Year(), t.Month(), t.Day())
	case 'g':
		year, _ := t.ISOWeek()
		return d2(year % 100)
	case 'G':
		year, _ := t.ISOWeek()
		return strconv.Itoa(year)
	case 'H':
		return d2(t.Hour())
	case 'I':
		return d2(hour12)
	case 'j':
		return fmt.Sprintf("%03d", t.YearDay())
	case 'k':
		return fmt.Sprintf("%2d", t.Hour())
	case 'l':
		return fmt.Sprintf("%2d", hour12)
	case 'm':
		return d2(int(t.Month()))
	case 'M':
		return d2(t.Minute())
	case 'n':
		return "\n"
	case 'p':
		if t.Hour() < 12 {
			return "AM"
		}
		return "PM"
	case 'P':
		if t.Hour() < 12 {
			return "am"
		}
		return "pm"
	case 'r':
		return strftime(t, 'I') + ":" + strftime(t, 'M') + ":" + strftime(t, 'S') + " " + strftime(t, 'p')
	case 'R':
		return strftime(t, 'H') + ":" + strftime(t, 'M')
	case 's':
		return strconv.FormatInt(t.Unix(), 10)
	case 'S':
		return d2(t.Second())
	case 't':
		return "\t"
	case 'T', 'X':
		return strftime(t, 'H') + ":" + strftime(t, 'M') + ":" + strftime(t, 'S')
	case 'u':
		return strconv.Itoa((int(t.Weekday())+6)%7 + 1)
	case 'U':
		return d2((t.YearDay() + 6 - int(t.Weekday())) / 7)
	case 'V':
		_, week := t.ISOWeek()
		return d2(week)
	case 'w':
		return strconv.Itoa(int(t.Weekday()))
	case 'W':
		return d2((t.YearDay() + 6 - (int(t.Weekday())+6)%7) / 7)
	case 'x':
		return strftime(t, 'D')
	case 'y':
		return d2(t.Year() % 100)
	case 'Y':
		return strconv.Itoa(t.Year())
	case 'z':
		_, offset := t.Zone()
		sign := '+'
		if offset < 0 {
			sign, offset = '-', -offset
		}
		return fmt.Sprintf("%c%02d%02d", sign, offset/3600, offset%3600/60)
	case 'Z':
		name, _ := t.Zone()
		if name == "UTC" && t.Location() == time.UTC {
			return "GMT" // what glibc's gmtime names it
		}
		return name
	case '%':
		return "%"
	}
	return "%" + string(c)
}
