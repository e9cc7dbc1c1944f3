package records

import (
	"fmt"
	"html/template"
	"io"
	"math"
	"strings"
	"sync"
	"time"

	"expool/pool"
)

// The timeline draws a run: a row per worker slot of each pool, a bar per
// attempt, coloured by its status, with its name, attempt, status, duration
// and returncode on hover, a time axis, a legend that counts the jobs of every
// status, and, under the chart, the jobs that never ran (could not start, or
// were cancelled). --timeline writes it as one self-contained page (no script,
// no network); the web view (package webui) draws the same chart, live, with
// the running attempts too. One renderer serves both: Timeline.WritePage and
// Timeline.WriteChart.

const (
	labelWidth = 170.0
	plotWidth  = 1000.0
	rowHeight  = 22.0
	barHeight  = 16.0
	axisHeight = 28.0
)

var statusColors = map[pool.Status]string{
	pool.StatusRunning:    "#fdd835",
	pool.StatusDone:       "#43a047",
	pool.StatusFailed:     "#e53935",
	pool.StatusTimeout:    "#fb8c00",
	pool.StatusTerminated: "#8e24aa",
	pool.StatusCancelled:  "#9e9e9e",
	pool.StatusError:      "#6d4c41",
	pool.StatusMemory:     "#1e88e5",
	pool.StatusRequeued:   "#80deea",
}

// StatusColor is the colour the timeline draws a status in (CSS), "" for a
// status it does not know.
func StatusColor(st pool.Status) string { return statusColors[st] }

// Timeline is what a timeline draws: the attempts of a run over a span of
// time, and the counts of its jobs.
type Timeline struct {
	Title      string
	Start, End time.Time // the span drawn
	// Bars are the attempts drawn. One still running has Status running and
	// Stop the time it is drawn up to.
	Bars []Bar
	// Jobs counts the run's finished jobs by status, for the legend.
	Jobs map[pool.Status]int
	// Omitted is the number of earlier attempts not drawn: a live view draws
	// the latest only.
	Omitted int
	// Resumed is the number of jobs done in an earlier run, which are not
	// drawn.
	Resumed int
	// Unrun are (the first) jobs that never ran, listed under the chart;
	// UnrunMore, how many more there are.
	Unrun     []Unrun
	UnrunMore int
}

// Timeline returns the tally's timeline, titled after the script: every
// attempt that ended, from the start of the run to the end of the last one.
func (t *Tally) Timeline(script string) *Timeline {
	t.mu.Lock()
	defer t.mu.Unlock()
	tl := &Timeline{
		Title:     "expool timeline: " + script,
		Start:     t.Start,
		Bars:      append([]Bar(nil), t.attempts...),
		Jobs:      make(map[pool.Status]int, len(t.byStatus)),
		Resumed:   t.resumed,
		Unrun:     append([]Unrun(nil), t.unrun...),
		UnrunMore: t.unrunAll - len(t.unrun),
	}
	for st, n := range t.byStatus {
		tl.Jobs[st] = n
	}
	tl.End = tl.Start.Add(time.Millisecond)
	for _, b := range tl.Bars {
		if b.Stop.After(tl.End) {
			tl.End = b.Stop
		}
	}
	return tl
}

// WriteTimeline writes the page of the tally's attempts, titled after the
// script.
func (t *Tally) WriteTimeline(w io.Writer, script string) error {
	return t.Timeline(script).WritePage(w)
}

// WritePage writes the timeline as one self-contained HTML page.
func (tl *Timeline) WritePage(w io.Writer) error {
	return timelineTemplate().ExecuteTemplate(w, "page", tl.layout())
}

// WriteChart writes the timeline's chart, for a page of another's: its
// subtitle, legend, drawing and list of jobs that never ran, styled by
// TimelineStyle.
func (tl *Timeline) WriteChart(w io.Writer) error {
	return timelineTemplate().ExecuteTemplate(w, "chart", tl.layout())
}

// TimelineStyle is the CSS of the chart that WriteChart writes.
const TimelineStyle = `p.sub { margin: 0 0 12px; color: #555; }
ul.legend { list-style: none; padding: 0; margin: 0 0 12px; display: flex; flex-wrap: wrap; gap: 16px; }
ul.legend li { display: flex; align-items: center; gap: 6px; }
ul.legend span.chip { display: inline-block; width: 14px; height: 14px; border-radius: 3px; }
svg.timeline text { font: 12px system-ui, sans-serif; fill: #333; }
svg.timeline rect.bar:hover { stroke: #000; stroke-width: 1.5; }
svg.timeline line.tick { stroke: #ddd; }
table.unrun { border-collapse: collapse; margin-top: 16px; }
table.unrun th, table.unrun td { text-align: left; padding: 2px 12px 2px 0; vertical-align: top; }
table.unrun th { border-bottom: 1px solid #ccc; }
`

type timelinePage struct {
	Title, Subtitle string
	Style           template.CSS
	Width, Height   float64
	PlotLeft        float64
	Legend          []legendItem
	Rows            []timelineRow
	Ticks           []timelineTick
	Bars            []timelineBar
	Unrun           []Unrun
	UnrunMore       int // not listed
}

type legendItem struct {
	Status, Color, Count string
}

type timelineRow struct {
	Label string
	Y     float64
	Odd   bool
}

type timelineTick struct {
	X     float64
	Label string
}

type timelineBar struct {
	X, Y, W, H float64
	Color, Tip string
}

// layout places the timeline's rows, bars, ticks and legend.
func (tl *Timeline) layout() *timelinePage {
	bars, start, end := tl.Bars, tl.Start, tl.End
	span := end.Sub(start).Seconds()
	if span <= 0 {
		span = 0.001
	}
	scale := plotWidth / span

	// Rows: the lanes of each pool, pools in the order they first ran a job.
	type laneKey struct {
		pool string
		lane int
	}
	var pools []string
	lanes := map[string]int{}
	for _, b := range bars {
		if _, ok := lanes[b.Pool]; !ok {
			pools = append(pools, b.Pool)
		}
		lanes[b.Pool] = max(lanes[b.Pool], b.Lane+1)
	}
	rowOf := map[laneKey]int{}
	attempts := fmt.Sprintf("%d attempts", len(bars))
	if tl.Omitted > 0 {
		attempts = fmt.Sprintf("the last %d attempts of %d", len(bars), len(bars)+tl.Omitted)
	}
	page := &timelinePage{
		Title: tl.Title,
		Subtitle: fmt.Sprintf("%s, %d jobs, %s over %s", start.Format("2006-01-02 15:04:05"),
			sum(tl.Jobs), attempts, end.Sub(start).Round(time.Millisecond)),
		Style:     template.CSS(TimelineStyle),
		Unrun:     tl.Unrun,
		UnrunMore: tl.UnrunMore,
		Width:     labelWidth + plotWidth + 20,
		PlotLeft:  labelWidth,
	}
	for _, p := range pools {
		for lane := 0; lane < lanes[p]; lane++ {
			rowOf[laneKey{p, lane}] = len(page.Rows)
			page.Rows = append(page.Rows, timelineRow{
				Label: fmt.Sprintf("%s, slot %d", p, lane+1),
				Y:     axisHeight + float64(len(page.Rows))*rowHeight,
				Odd:   len(page.Rows)%2 == 1,
			})
		}
	}
	page.Height = axisHeight + float64(len(page.Rows))*rowHeight + 10

	counts := map[pool.Status]int{}
	for _, b := range bars {
		counts[b.Status]++
		row := page.Rows[rowOf[laneKey{b.Pool, b.Lane}]]
		x := labelWidth + b.Start.Sub(start).Seconds()*scale
		width := math.Max(b.Stop.Sub(b.Start).Seconds()*scale, 1.5)
		page.Bars = append(page.Bars, timelineBar{X: x, Y: row.Y + (rowHeight-barHeight)/2, W: width, H: barHeight,
			Color: statusColors[b.Status], Tip: b.tip()})
	}
	if tl.Resumed > 0 {
		page.Subtitle += fmt.Sprintf(", %d of the jobs done in an earlier run (resumed, not drawn)", tl.Resumed)
	}
	if n := counts[pool.StatusRunning]; n > 0 {
		page.Legend = append(page.Legend, legendItem{Status: string(pool.StatusRunning), Color: statusColors[pool.StatusRunning], Count: fmt.Sprint(n)})
	}
	// Jobs by their final status; bars by their attempt's, when they differ
	// (a restarted attempt, a resumed job), unless some are not drawn.
	for _, st := range statusOrder {
		n, drawn := tl.Jobs[st], counts[st]
		count := fmt.Sprint(n)
		switch {
		case drawn == n || tl.Omitted > 0:
		case drawn == 0:
			count += ", listed below"
		default:
			count = fmt.Sprintf("%d %s, %d %s", n, plural(n, "job"), drawn, plural(drawn, "bar"))
		}
		if st == pool.StatusDone && tl.Resumed > 0 && drawn == 0 {
			count = fmt.Sprint(n) // resumed, not listed
		}
		page.Legend = append(page.Legend, legendItem{Status: string(st), Color: statusColors[st], Count: count})
	}
	// Attempts that the pool requeued to keep under its memory limit: bars
	// only, their jobs ran again.
	if n := counts[pool.StatusRequeued]; n > 0 {
		page.Legend = append(page.Legend, legendItem{Status: string(pool.StatusRequeued), Color: statusColors[pool.StatusRequeued],
			Count: fmt.Sprintf("%d %s", n, plural(n, "bar"))})
	}
	step := tickStep(span)
	for s := 0.0; s <= span+1e-9; s += step {
		page.Ticks = append(page.Ticks, timelineTick{X: labelWidth + s*scale, Label: tickLabel(s, step)})
	}
	return page
}

// tip is what hovering over the bar says.
func (b *Bar) tip() string {
	d := b.Stop.Sub(b.Start).Round(time.Microsecond)
	switch {
	case b.Stub:
		return fmt.Sprintf("%s: a stub job, %s", b.Name, b.Status)
	case b.Status == pool.StatusRunning:
		return fmt.Sprintf("%s, attempt %d: running for %s", b.Name, b.Attempt, d.Round(time.Millisecond))
	}
	code := fmt.Sprint(b.ReturnCode)
	if b.ReturnCode < 0 {
		code = fmt.Sprintf("%d (signal %d)", b.ReturnCode, -b.ReturnCode)
	}
	return fmt.Sprintf("%s, attempt %d: %s in %s, returncode %s", b.Name, b.Attempt, b.Status, d, code)
}

func sum(m map[pool.Status]int) int {
	n := 0
	for _, k := range m {
		n += k
	}
	return n
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

// tickStep is 1, 2 or 5 times a power of ten seconds, for about ten ticks.
func tickStep(span float64) float64 {
	raw := span / 10
	p := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= raw {
			return m * p
		}
	}
	return 10 * p
}

func tickLabel(s, step float64) string {
	switch {
	case step >= 1:
		return fmt.Sprintf("%gs", math.Round(s*10)/10)
	case step >= 0.001:
		return fmt.Sprintf("%gms", math.Round(s*1e4)/10)
	}
	return fmt.Sprintf("%gµs", math.Round(s*1e7)/10)
}

var timelineTemplate = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("timeline").Parse(strings.TrimSpace(`
{{define "page" -}}
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{{.Title}}</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #222; background: #fff; }
h1 { font-size: 20px; margin: 0 0 4px; }
h2 { font-size: 16px; margin: 20px 0 4px; }
{{.Style}}</style>
</head>
<body>
<h1>{{.Title}}</h1>
{{template "chart" .}}
</body>
</html>
{{end}}

{{define "chart" -}}
<p class="sub">{{.Subtitle}}. Hover over a bar for its job.</p>
<ul class="legend">
{{- range .Legend}}
<li><span class="chip" style="background: {{.Color}}"></span>{{.Status}} ({{.Count}})</li>
{{- end}}
</ul>
<svg class="timeline" xmlns="http://www.w3.org/2000/svg" width="{{.Width}}" height="{{.Height}}" viewBox="0 0 {{.Width}} {{.Height}}">
{{- range .Rows}}
<rect x="0" y="{{.Y}}" width="{{$.Width}}" height="22" fill="{{if .Odd}}#f6f6f6{{else}}#ffffff{{end}}"/>
<text x="6" y="{{.Y}}" dy="15">{{.Label}}</text>
{{- end}}
{{- range .Ticks}}
<line class="tick" x1="{{.X}}" y1="20" x2="{{.X}}" y2="{{$.Height}}"/>
<text x="{{.X}}" y="14" text-anchor="middle">{{.Label}}</text>
{{- end}}
{{- range .Bars}}
<rect class="bar" x="{{.X}}" y="{{.Y}}" width="{{.W}}" height="{{.H}}" rx="2" fill="{{.Color}}"><title>{{.Tip}}</title></rect>
{{- end}}
</svg>
{{- if .Unrun}}
<h2>Jobs that never ran</h2>
<table class="unrun">
<tr><th>job</th><th>pool</th><th>task</th><th>status</th><th>why</th></tr>
{{- range .Unrun}}
<tr><td>{{.Name}}</td><td>{{.Pool}}</td><td>{{.Task}}</td><td>{{.Status}}</td><td>{{.Error}}</td></tr>
{{- end}}
</table>
{{- if .UnrunMore}}
<p>and {{.UnrunMore}} more.</p>
{{- end}}
{{- end}}
{{end}}
`)))
})
