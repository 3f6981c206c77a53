package argocdhealth

import (
	"strconv"
	"strings"
	"time"

	lua "github.com/yuin/gopher-lua"
)

// osLibrary is the reduced os library Argo CD gives health scripts: time
// and date only, with the behaviour of Argo CD's util/lua/oslib_safe.go
// (including its quirks, noted below), on the VM's clock and time zone.
type osLibrary struct {
	now   func() time.Time
	local *time.Location
}

// osLibrary returns the VM's os library.
func (vm VM) osLibrary() osLibrary {
	lib := osLibrary{now: vm.Now, local: vm.Local}
	if lib.now == nil {
		lib.now = time.Now
	}
	if lib.local == nil {
		lib.local = time.Local
	}
	return lib
}

// funcs are the library's functions by name.
func (o osLibrary) funcs() map[string]lua.LGFunction {
	return map[string]lua.LGFunction{"time": o.time, "date": o.date}
}

// openAsTable opens the library as Argo CD does: registered under the
// table library's name. gopher-lua returns the open table library unchanged,
// so this adds nothing, and no global os exists.
func (o osLibrary) openAsTable(l *lua.LState) int {
	l.Push(l.RegisterModule(lua.TabLibName, o.funcs()))
	return 1
}

// load is the preloaded module "os": require("os") returns a fresh table
// holding time and date.
func (o osLibrary) load(l *lua.LState) int {
	l.Push(l.SetFuncs(l.NewTable(), o.funcs()))
	return 1
}

// time is os.time: the current Unix time without an argument; with a
// table, the Unix time of its fields in the local time zone (missing
// fields: sec 0, min 0, hour 12, day, month and year -1, as Argo CD reads
// them; isdst is ignored).
func (o osLibrary) time(l *lua.LState) int {
	if l.GetTop() == 0 {
		l.Push(lua.LNumber(o.now().Unix()))
		return 1
	}
	tbl := l.CheckTable(1)
	field := func(name string, def int) int {
		if n, ok := tbl.RawGetString(name).(lua.LNumber); ok {
			return int(n)
		}
		return def
	}
	t := time.Date(field("year", -1), time.Month(field("month", -1)), field("day", -1),
		field("hour", 12), field("min", 0), field("sec", 0), 0, o.local)
	l.Push(lua.LNumber(t.Unix()))
	return 1
}

// date is os.date(format, t). Without arguments it formats now as "%c". A
// format starting with "!" formats now in UTC, but a second argument t
// replaces that time with t in the local time zone: Argo CD honours "!" only
// for the current time. "*t" returns a table (year, month, day, hour, min,
// sec, wday; yday 0 and isdst false, as Argo CD sets them).
func (o osLibrary) date(l *lua.LState) int {
	t := o.now().In(o.local)
	format := "%c"
	if l.GetTop() >= 1 {
		format = l.CheckString(1)
		if strings.HasPrefix(format, "!") {
			t = o.now().UTC()
			format = strings.TrimLeft(format, "!")
		}
		if l.GetTop() >= 2 {
			t = time.Unix(l.CheckInt64(2), 0).In(o.local)
		}
		if strings.HasPrefix(format, "*t") {
			ret := l.NewTable()
			for k, v := range map[string]int{
				"year": t.Year(), "month": int(t.Month()), "day": t.Day(), "hour": t.Hour(),
				"min": t.Minute(), "sec": t.Second(), "wday": int(t.Weekday()) + 1, "yday": 0,
			} {
				ret.RawSetString(k, lua.LNumber(v))
			}
			ret.RawSetString("isdst", lua.LFalse)
			l.Push(ret)
			return 1
		}
	}
	l.Push(lua.LString(strftime(t, format)))
	return 1
}

// strftimeLayouts are the Go layouts of the conversions Argo CD supports.
// Two are Argo CD's, not C's: %a prints the literal "mon" and %x the time.
var strftimeLayouts = map[byte]string{
	'a': "mon", 'A': "Monday", 'b': "Jan", 'B': "January", 'c': "02 Jan 06 15:04 MST", 'd': "02",
	'F': "2006-01-02", 'H': "15", 'I': "03", 'm': "01", 'M': "04", 'p': "PM", 'P': "pm", 'S': "05",
	'x': "15/04/05", 'X': "15:04:05", 'y': "06", 'Y': "2006", 'z': "-0700", 'Z': "MST",
}

// strftime formats t as os.date does: "%%" is a percent sign, %w the
// weekday number, an unknown conversion stays as written, and a "%" at the
// end is kept.
func strftime(t time.Time, format string) string {
	var b strings.Builder
	for i := 0; i < len(format); i++ {
		c := format[i]
		if c != '%' || i == len(format)-1 {
			b.WriteByte(c)
			continue
		}
		i++
		conv := format[i]
		switch layout, ok := strftimeLayouts[conv]; {
		case conv == '%':
			b.WriteByte('%')
		case ok:
			b.WriteString(t.Format(layout))
		case conv == 'w':
			b.WriteString(strconv.Itoa(int(t.Weekday())))
		default:
			b.WriteByte('%')
			b.WriteByte(conv)
		}
	}
	return b.String()
}
