package loadgen_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/llmbench/llmbench/shared/simllm"
)

// The benchmark runs the simulated server in a child process (this test
// binary, re-executed): at 10,000 streams a client and a server in one
// process would need more file descriptors than the limit allows, and the
// client's CPU and memory figures must not include the server's.
const childEnv = "LLMBENCH_SIM_CHILD"

// serverCPUEnv, when set (to a CPU list such as "1"), runs the child on
// those CPUs through taskset, so that a client pinned to another CPU
// measures a worker with a core of its own.
const serverCPUEnv = "LLMBENCH_SERVER_CPU"

func TestMain(m *testing.M) {
	if spec := os.Getenv(childEnv); spec != "" {
		if err := serveChild(spec); err != nil {
			fmt.Fprintln(os.Stderr, "sim child:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// wireTruth is a Truth with wall-clock times in Unix nanoseconds: the two
// processes share the system's real-time clock, not Go's monotonic base.
type wireTruth struct {
	Received int64   `json:"received"`
	Chunks   []int64 `json:"chunks"`
}

// serveChild serves a simulated server plus POST /truth (ids, one a line)
// until its standard input closes. spec is "ttft,itl", a fixed profile
// recording truth, or "profile=NAME", a preset profile recording none (a
// soak would otherwise keep every request's truth in the child's memory),
// or "profile=NAME,truth", a preset profile recording truth.
func serveChild(spec string) error {
	opts, err := childOptions(spec)
	if err != nil {
		return err
	}
	sim, err := simllm.New(opts)
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.Handle("/v1/", sim)
	mux.HandleFunc("POST /truth", func(w http.ResponseWriter, r *http.Request) {
		out := map[string]wireTruth{}
		sc := bufio.NewScanner(r.Body)
		for sc.Scan() {
			if t, ok := sim.TakeTruth(sc.Text()); ok {
				wt := wireTruth{Received: t.Received.UnixNano()}
				for _, c := range t.Chunks {
					wt.Chunks = append(wt.Chunks, c.UnixNano())
				}
				out[sc.Text()] = wt
			}
		}
		json.NewEncoder(w).Encode(out)
	})
	srv := &http.Server{Handler: mux}
	ln, err := listen()
	if err != nil {
		return err
	}
	fmt.Printf("URL http://%s\n", ln.Addr())
	go srv.Serve(ln)
	io.Copy(io.Discard, os.Stdin) // the parent closes stdin to stop us
	return nil
}

// childOptions reads a child's spec into the simulator's options.
func childOptions(spec string) (simllm.Options, error) {
	if name, ok := strings.CutPrefix(spec, "profile="); ok {
		name, truth := strings.CutSuffix(name, ",truth")
		p, err := simllm.LookupProfile(name)
		return simllm.Options{Profile: p, RecordTruth: truth}, err
	}
	parts := strings.Split(spec, ",")
	if len(parts) != 2 {
		return simllm.Options{}, fmt.Errorf("want TTFT,ITL or profile=NAME, got %q", spec)
	}
	ttft, err1 := time.ParseDuration(parts[0])
	itl, err2 := time.ParseDuration(parts[1])
	if err1 != nil || err2 != nil {
		return simllm.Options{}, fmt.Errorf("bad durations in %q", spec)
	}
	p, err := simllm.LookupProfile("fixed")
	if err != nil {
		return simllm.Options{}, err
	}
	p.TTFT, p.ITL = ttft, itl
	return simllm.Options{Profile: p, RecordTruth: true}, nil
}

// child is a running simulated server process.
type child struct {
	cmd  *exec.Cmd
	in   io.WriteCloser
	base string // http://127.0.0.1:PORT
}

// startChildSpec starts a child serving spec (see serveChild). The caller
// must stop it.
func startChildSpec(tb testing.TB, spec string) *child {
	tb.Helper()
	exe, err := os.Executable()
	if err != nil {
		tb.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^$")
	if cpu := os.Getenv(serverCPUEnv); cpu != "" {
		// Pinned apart from the client (make slices): the child widens the
		// affinity it inherited, which taskset may do within the machine's
		// CPU set.
		cmd = exec.Command("taskset", "-c", cpu, exe, "-test.run=^$")
	}
	cmd.Env = append(os.Environ(), childEnv+"="+spec)
	cmd.Stderr = os.Stderr
	in, _ := cmd.StdinPipe()
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "URL ") {
		cmd.Process.Kill()
		tb.Fatalf("sim child did not start: %q %v", line, err)
	}
	return &child{cmd: cmd, in: in, base: strings.TrimSpace(strings.TrimPrefix(line, "URL "))}
}

func (c *child) truths(tb testing.TB, ids []string) map[string]wireTruth {
	tb.Helper()
	resp, err := http.Post(c.base+"/truth", "text/plain", strings.NewReader(strings.Join(ids, "\n")))
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	out := map[string]wireTruth{}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		tb.Fatal(err)
	}
	return out
}

func (c *child) stop() {
	c.in.Close()
	c.cmd.Wait()
}
