package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

func init() {
	sections = append(sections, section{"webui", (*bench).webui})
}

// webui: what --webui costs the run. 2,000 `true` jobs without it, with it
// and nobody watching, and with it under the load of five browsers (200
// requests/s to /api/jobs between them, and five event streams): the
// loop's throughput. Then 100,000 jobs in the view: how fast /api/jobs
// answers, and how much more memory expool takes.
func (b *bench) webui() {
	b.printf("## The web view (`--webui`)\n\n")
	b.webuiThroughput()
	b.webuiManyJobs()
}

// waitGo is a job that waits for the file $1: the harness starts the
// clients, then lets the jobs run.
const waitGo = `{"sh", "-c", 'while [ ! -e "$1" ]; do sleep 0.002; done', "sh", gofile}`

func (b *bench) webuiThroughput() {
	script := b.script("webui-true.lua", `local gofile = arg[1]
local p = ExecPool(2)
p:execute(Job{name="wait", args=`+waitGo+`}, false)
local jobs = {}
for i = 1, 2000 do
  jobs[i] = Job{name="t" .. i, args={"true"}}
  p:execute(jobs[i])
end
p:join()
local first, last = math.huge, 0
for _, j in ipairs(jobs) do
  first, last = math.min(first, j.tstart), math.max(last, j.tstop)
end
print(string.format("%.6f", #jobs / (last - first)))
`)
	kinds := []string{"no --webui", "--webui, no client", "--webui, 5 browsers"}
	rates := map[string][]float64{}
	cpus := map[string][]time.Duration{}
	var requests, failed, events []int64
	for r := 0; r < b.runs; r++ {
		for i := range kinds {
			kind := kinds[(i+r)%len(kinds)]
			gofile := filepath.Join(b.dir, "go")
			os.Remove(gofile)
			args := []string{script, gofile}
			if kind != kinds[0] {
				args = append([]string{"--webui", "0"}, args...)
			}
			run, err := startWebUI(b.expool, b.dir, args, kind != kinds[0])
			if err != nil {
				fmt.Fprintf(os.Stderr, "bench: webui: %v\n", err)
				return
			}
			var load *browsers
			if kind == kinds[2] {
				load = startBrowsers(run.url, 5, 200)
				load.waitConnected()
			}
			os.WriteFile(gofile, nil, 0o666)
			out, _, cpu, err := run.wait()
			if load != nil {
				load.stop()
				requests = append(requests, load.requests.Load())
				failed = append(failed, load.failed.Load())
				events = append(events, load.events.Load())
			}
			if err != nil {
				fmt.Fprintf(os.Stderr, "bench: webui: %s: %v\n", kind, err)
				return
			}
			rate, _ := strconv.ParseFloat(strings.TrimSpace(out), 64)
			rates[kind] = append(rates[kind], rate)
			cpus[kind] = append(cpus[kind], cpu)
		}
	}
	b.printf("2,000 × `true` on 2 workers; the loop's throughput is measured on the jobs themselves (2,000 over the first `tstart` to the last `tstop`). " +
		"The browsers are the harness's goroutines on the same 2 cores: each of 5 polls `/api/jobs` (`limit=100`, then `status=running`, then `name=t1*`) at 40 requests/s, " +
		"and holds an event stream open, reading all of it.\n\n")
	b.printf("| contender | jobs/s (median) | spread | expool's CPU time (median) |\n|---|---|---|---|\n")
	for _, k := range kinds {
		lo, hi := spread(rates[k])
		b.printf("| %s | %.0f | %.0f – %.0f | %s |\n", k, median(rates[k]), lo, hi, ms(median(cpus[k])))
	}
	// Each run of the web view against the run without it of the same round:
	// the machine's load drifts less within a round than across them.
	paired := func(k string) float64 {
		var q []float64
		for r := range rates[k] {
			q = append(q, rates[k][r]/rates[kinds[0]][r])
		}
		return median(q)
	}
	idle, loaded := paired(kinds[1]), paired(kinds[2])
	cbase := median(cpus[kinds[0]])
	b.printf("\nThe ratios pair each run with the run without the web view of the same round (median of the pairs).\n\n")
	b.printf("- throughput with the web view and nobody watching / without: **%.3f**; expool's CPU time: %+.1f%%\n",
		idle, 100*(float64(median(cpus[kinds[1]]))/float64(cbase)-1))
	b.printf("- with five browsers / without: **%.3f** (target ≥ 0.95: %s); expool's CPU time %+.1f%% (user and system, its jobs' excluded: "+
		"serving the browsers); they made %d requests a run (median), %d of them not answered 200, and read %d events\n\n",
		loaded, verdict(loaded >= 0.95), 100*(float64(median(cpus[kinds[2]]))/float64(cbase)-1), median(requests), median(failed), median(events))
}

func (b *bench) webuiManyJobs() {
	const n = 100000
	// ready tells the harness that the jobs have finished, without the web
	// view's help.
	script := b.script("webui-many.lua", `local gofile, n, ready = arg[1], tonumber(arg[2]), arg[3]
local p = ExecPool(2)
for i = 1, n do p:execute(Job{name="j" .. i}) end
p:join()
io.open(ready, "w"):close()
p:execute(Job{name="wait", args=`+waitGo+`})
p:join()
`)
	kinds := []string{"no --webui", "--webui, read once the jobs have finished", "--webui, watched throughout"}
	rss := map[string][]int64{}
	made, cached := map[string][]time.Duration{}, map[string][]time.Duration{}
	queries := []struct{ name, path string }{
		{"`/api/jobs?limit=100`", "/api/jobs?limit=100"},
		{"`/api/jobs?limit=100&offset=99900`", "/api/jobs?limit=100&offset=99900"},
		{"`/api/jobs?status=done&name=j9999*` (every job read)", "/api/jobs?status=done&name=j9999*"},
		{"`/api/jobs/j1` (every name read, from the last)", "/api/jobs/j1"},
		{"`/api/summary`", "/api/summary"},
	}
	for r := 0; r < b.runs; r++ {
		for i := range kinds {
			kind := kinds[(i+r)%len(kinds)]
			gofile, ready := filepath.Join(b.dir, "go"), filepath.Join(b.dir, "ready")
			os.Remove(gofile)
			os.Remove(ready)
			args := []string{script, gofile, strconv.Itoa(n), ready}
			web := kind != kinds[0]
			if web {
				args = append([]string{"--webui", "0"}, args...)
			}
			run, err := startWebUI(b.expool, b.dir, args, web)
			if err != nil {
				fmt.Fprintf(os.Stderr, "bench: webui: %v\n", err)
				return
			}
			if web {
				if kind == kinds[2] {
					err = waitFinished(run.url, n) // polling the summary all along
				} else {
					err = waitFile(ready)
				}
				if err != nil {
					fmt.Fprintf(os.Stderr, "bench: webui: %v\n", err)
					run.cmd.Process.Kill()
					run.wait()
					return
				}
				// The first answer to a query is made; the next ones, from
				// the same snapshot, come from the cache. The client has
				// connected first.
				client := &http.Client{}
				timeGet(client, run.url+"api/summary")
				for _, q := range queries {
					for k := range 5 {
						d, err := timeGet(client, run.url+strings.TrimPrefix(q.path, "/"))
						if err != nil {
							fmt.Fprintf(os.Stderr, "bench: webui: %s: %v\n", q.path, err)
						}
						if k == 0 {
							made[q.name] = append(made[q.name], d)
						} else {
							cached[q.name] = append(cached[q.name], d)
						}
					}
				}
			}
			os.WriteFile(gofile, nil, 0o666)
			_, peak, _, err := run.wait()
			if err != nil {
				fmt.Fprintf(os.Stderr, "bench: webui: %v\n", err)
				return
			}
			rss[kind] = append(rss[kind], peak)
		}
	}
	b.printf("100,000 stub jobs executed, then joined; the view holds all of them. Each query is timed by a client on the same machine, "+
		"from the request to the last byte of the answer: its first answer, made (%d times, once a run with the view), then 4 more, "+
		"which the readers of one snapshot share (/api/summary, which tells the time, is made each time).\n\n", 2*b.runs)
	b.printf("| query | made: median | made: max | again: median |\n|---|---|---|---|\n")
	for _, q := range queries {
		_, hi := spread(made[q.name])
		b.printf("| %s | %s | %s | %s |\n", q.name, ms(median(made[q.name])), ms(hi), ms(median(cached[q.name])))
	}
	_, worst := spread(made[queries[0].name])
	b.printf("\n- `/api/jobs?limit=100` with 100,000 jobs: **%s** at worst (target < 50 ms: %s)\n\n", ms(worst), verdict(worst < 50*time.Millisecond))
	b.printf("Peak RSS: while nobody watches, the view publishes nothing (the first reader gets a snapshot made then); " +
		"watched (here, the summary polled every 50 ms), it publishes every 200 ms, and the records that change meanwhile are copied.\n\n")
	b.printf("| contender | peak RSS (median) | spread | above no `--webui` |\n|---|---|---|---|\n")
	p := median(rss[kinds[0]])
	for _, k := range kinds {
		m := median(rss[k])
		lo, hi := spread(rss[k])
		above := "–"
		if k != kinds[0] {
			above = fmt.Sprintf("**%+.1f%%** (target ≤ 20%%: %s), %d B a job", 100*float64(m-p)/float64(p), verdict(float64(m) <= 1.2*float64(p)), (m-p)*1024/n)
		}
		b.printf("| %s | %.1f MiB | %.1f – %.1f MiB | %s |\n", k, float64(m)/1024, float64(lo)/1024, float64(hi)/1024, above)
	}
	b.printf("\n")
}

// waitFile waits until the file at path exists.
func waitFile(path string) error {
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		if _, err := os.Stat(path); err == nil {
			return nil
		}
		time.Sleep(10 * time.Millisecond)
	}
	return fmt.Errorf("%s never appeared", path)
}

// webuiRun is a run of expool, its web view's address once it said it.
type webuiRun struct {
	cmd    *exec.Cmd
	url    string
	stdout strings.Builder
	done   chan struct{}
}

// startWebUI starts expool with args; with web, it waits for the address of
// the web view on stderr.
func startWebUI(expool, dir string, args []string, web bool) (*webuiRun, error) {
	r := &webuiRun{cmd: exec.Command(expool, args...), done: make(chan struct{})}
	r.cmd.Dir = dir
	r.cmd.Stdout = &r.stdout
	stderr, err := r.cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := r.cmd.Start(); err != nil {
		return nil, err
	}
	rd := bufio.NewReader(stderr)
	if web {
		for r.url == "" {
			line, err := rd.ReadString('\n')
			if err != nil {
				r.cmd.Process.Kill()
				r.cmd.Wait()
				return nil, fmt.Errorf("expool did not say where its web view is: %v", err)
			}
			if u, ok := strings.CutPrefix(strings.TrimSpace(line), "expool: web UI at "); ok {
				r.url = u
			}
		}
	}
	go func() {
		io.Copy(io.Discard, rd)
		close(r.done)
	}()
	return r, nil
}

// wait waits for expool, and returns its stdout, peak RSS (KiB) and own CPU
// time.
func (r *webuiRun) wait() (string, int64, time.Duration, error) {
	cpu, cerr := ownCPU(r.cmd.Process.Pid)
	<-r.done
	err := r.cmd.Wait()
	if err == nil {
		err = cerr
	}
	return r.stdout.String(), r.cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss, cpu, err
}

// browsers are the load of the harness's clients.
type browsers struct {
	requests, failed, events atomic.Int64
	connected                sync.WaitGroup
	cancel                   context.CancelFunc
	wg                       sync.WaitGroup
}

// startBrowsers starts n clients that request /api/jobs rate times a second
// between them, each with an event stream open.
func startBrowsers(url string, n, rate int) *browsers {
	ctx, cancel := context.WithCancel(context.Background())
	bs := &browsers{cancel: cancel}
	paths := []string{"api/jobs?limit=100", "api/jobs?status=running", "api/jobs?name=t1*"}
	for i := 0; i < n; i++ {
		client := &http.Client{Transport: &http.Transport{}}
		bs.connected.Add(1)
		bs.wg.Add(2)
		go func() {
			defer bs.wg.Done()
			connected := false
			defer func() {
				if !connected {
					bs.connected.Done()
				}
			}()
			req, _ := http.NewRequestWithContext(ctx, "GET", url+"api/events", nil)
			resp, err := client.Do(req)
			if err != nil {
				return
			}
			defer resp.Body.Close()
			bs.connected.Done()
			connected = true
			sc := bufio.NewScanner(resp.Body)
			sc.Buffer(nil, 64<<20)
			for sc.Scan() {
				if strings.HasPrefix(sc.Text(), "event: ") {
					bs.events.Add(1)
				}
			}
		}()
		go func(i int) {
			defer bs.wg.Done()
			tick := time.NewTicker(time.Second * time.Duration(n) / time.Duration(rate))
			defer tick.Stop()
			for k := i; ; k++ {
				select {
				case <-ctx.Done():
					return
				case <-tick.C:
				}
				req, _ := http.NewRequestWithContext(ctx, "GET", url+paths[k%len(paths)], nil)
				resp, err := client.Do(req)
				if err != nil {
					continue // expool has exited
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					bs.failed.Add(1)
				}
				bs.requests.Add(1)
			}
		}(i)
	}
	return bs
}

func (bs *browsers) waitConnected() { bs.connected.Wait() }

func (bs *browsers) stop() {
	bs.cancel()
	bs.wg.Wait()
}

// waitFinished polls the summary until n jobs have finished.
func waitFinished(url string, n int) error {
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		resp, err := http.Get(url + "api/summary")
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if strings.Contains(string(body), fmt.Sprintf(`"finished":%d,`, n)) {
				return nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("the web view never showed %d jobs finished", n)
}

// timeGet times a GET, from the request to the last byte of the answer.
func timeGet(client *http.Client, url string) (time.Duration, error) {
	start := time.Now()
	resp, err := client.Get(url)
	if err != nil {
		return 0, err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	d := time.Since(start)
	if err == nil && resp.StatusCode != 200 {
		err = fmt.Errorf("%s", resp.Status)
	}
	return d, err
}
