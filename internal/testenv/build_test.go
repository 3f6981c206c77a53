package testenv

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// These tests run the build scripts (hack/envtest/build.sh,
// hack/promtool/build.sh) with a fake `go` first on PATH and a throw-away
// cache, so they check the scripts' output and caching in milliseconds
// without building anything.

func needBash(t *testing.T) string {
	t.Helper()
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("bash not found")
	}
	return bash
}

// runBash runs a bash snippet with hack/lib/progress.sh sourced.
func runBash(t *testing.T, script string) (stdout, stderr string, err error) {
	t.Helper()
	lib := filepath.Join(RepoRoot(), "hack", "lib", "progress.sh")
	cmd := exec.Command(needBash(t), "-c", ". "+lib+"\n"+script)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err = cmd.Run()
	return o.String(), e.String(), err
}

func TestProgressDuration(t *testing.T) {
	for _, tc := range []struct {
		secs int
		want string
	}{
		{0, "0s"},
		{59, "59s"},
		{60, "1m00s"},
		{245, "4m05s"},
		{3599, "59m59s"},
		{3720, "1h02m00s"},
	} {
		out, _, err := runBash(t, "progress_duration "+strconv.Itoa(tc.secs))
		if err != nil {
			t.Fatalf("progress_duration %d: %v", tc.secs, err)
		}
		if out != tc.want {
			t.Errorf("progress_duration %d = %q, want %q", tc.secs, out, tc.want)
		}
	}
}

// TestProgressStep drives progress_step with a fake clock that advances by
// the listed seconds at each reading.
func TestProgressStep(t *testing.T) {
	const fakeClock = `
t=1000
progress_now() { echo "$t"; }
tick() { t=$((t + $1)); }
`
	for _, tc := range []struct {
		name       string
		script     string
		wantErr    bool
		wantStderr []string
	}{{
		name: "two steps: a line as each starts and ends, with its time and the total",
		script: `progress_begin envtest 2
progress_step kube-apiserver sh -c 'echo compiler says hi'`,
		wantStderr: []string{
			"envtest: [1/2] building kube-apiserver ...",
			"compiler says hi",
			"envtest: [1/2] built kube-apiserver in 0s (total 0s)",
		},
	}, {
		name: "elapsed time per step and in total",
		script: `progress_begin envtest 2
tick 5
slow() { tick 312; }
progress_step kube-apiserver slow
progress_step kubectl eval 'tick 61'`,
		wantStderr: []string{
			"envtest: [1/2] building kube-apiserver ...",
			"envtest: [1/2] built kube-apiserver in 5m12s (total 5m17s)",
			"envtest: [2/2] building kubectl ...",
			"envtest: [2/2] built kubectl in 1m01s (total 6m18s)",
		},
	}, {
		name: "a failed step says so and returns the command's status",
		script: `set -e
progress_begin promtool 1
fail() { tick 7; return 3; }
progress_step promtool fail
echo not reached >&2`,
		wantErr: true,
		wantStderr: []string{
			"promtool: [1/1] building promtool ...",
			"promtool: [1/1] promtool failed after 7s (exit status 3)",
		},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			// A step that is a shell function or eval can move the clock.
			stdout, stderr, err := runBash(t, fakeClock+tc.script)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, want error %v; stderr:\n%s", err, tc.wantErr, stderr)
			}
			if stdout != "" {
				t.Errorf("stdout = %q, want nothing: it is the caller's path line", stdout)
			}
			if got := lines(stderr); !equal(got, tc.wantStderr) {
				t.Errorf("stderr lines:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.wantStderr, "\n"))
			}
		})
	}
}

func lines(s string) []string {
	s = strings.TrimRight(s, "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// fakeGo puts a `go` on PATH that writes a tiny executable to its -o
// argument and chatters on stdout (as a build's tools may), or fails when
// exitCode is not zero. It returns the PATH to use.
func fakeGo(t *testing.T, exitCode int) string {
	t.Helper()
	bin := t.TempDir()
	script := `#!/bin/sh
out=""
while [ $# -gt 0 ]; do
  if [ "$1" = "-o" ]; then out=$2; shift; fi
  shift
done
echo "fake go writing $out"
if [ ` + strconv.Itoa(exitCode) + ` -ne 0 ]; then echo "fake go: compile error" >&2; exit ` + strconv.Itoa(exitCode) + `; fi
printf '#!/bin/sh\n' >"$out"
chmod +x "$out"
`
	if err := os.WriteFile(filepath.Join(bin, "go"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return bin + string(os.PathListSeparator) + os.Getenv("PATH")
}

// runScript runs a build script with the given PATH and cache variable.
func runScript(t *testing.T, script, path, cacheVar, cache string) (stdout, stderr string, err error) {
	t.Helper()
	needBash(t)
	cmd := exec.Command(script)
	cmd.Env = append(os.Environ(), "PATH="+path, cacheVar+"="+cache)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err = cmd.Run()
	return o.String(), e.String(), err
}

var (
	envtestScript  = filepath.Join(RepoRoot(), "hack", "envtest", "build.sh")
	promtoolScript = filepath.Join(RepoRoot(), "hack", "promtool", "build.sh")
)

func TestEnvtestBuildPrintsProgressAndOnePath(t *testing.T) {
	cache := t.TempDir()
	path := fakeGo(t, 0)
	stdout, stderr, err := runScript(t, envtestScript, path, "BSS_ENVTEST_CACHE", cache)
	if err != nil {
		t.Fatalf("build.sh: %v\n%s", err, stderr)
	}
	dir := strings.TrimSuffix(stdout, "\n")
	if strings.Contains(dir, "\n") || filepath.Dir(dir) != cache {
		t.Fatalf("stdout = %q, want one line: a directory in %s", stdout, cache)
	}
	for i, bin := range []string{"kube-apiserver", "kubectl", "etcd"} {
		if _, err := os.Stat(filepath.Join(dir, bin)); err != nil {
			t.Errorf("%s not built: %v", bin, err)
		}
		tag := regexp.QuoteMeta("[" + strconv.Itoa(i+1) + "/3] ")
		for _, re := range []string{
			`(?m)^envtest: ` + tag + `building ` + bin + ` \.\.\.$`,
			`(?m)^envtest: ` + tag + `built ` + bin + ` in \d+s \(total \d+s\)$`,
		} {
			if !regexp.MustCompile(re).MatchString(stderr) {
				t.Errorf("stderr has no line matching %s:\n%s", re, stderr)
			}
		}
	}
	if !strings.Contains(stderr, "fake go writing") {
		t.Errorf("the compiler's stdout should reach stderr:\n%s", stderr)
	}

	// Second run: a cache hit, silent but for the path.
	stdout2, stderr2, err := runScript(t, envtestScript, path, "BSS_ENVTEST_CACHE", cache)
	if err != nil || stdout2 != stdout || stderr2 != "" {
		t.Errorf("second run: stdout %q stderr %q err %v, want %q and nothing else", stdout2, stderr2, err, stdout)
	}
}

// TestEnvtestBuildKeyIgnoresPathAndMessages: a clone elsewhere (another
// worktree) and an edited message in the script reuse the same build.
func TestEnvtestBuildKeyIgnoresPathAndMessages(t *testing.T) {
	cache := t.TempDir()
	path := fakeGo(t, 0)
	first, stderr, err := runScript(t, envtestScript, path, "BSS_ENVTEST_CACHE", cache)
	if err != nil {
		t.Fatalf("build.sh: %v\n%s", err, stderr)
	}

	clone := t.TempDir()
	for _, lib := range []string{"progress.sh", "cache.sh"} {
		copyFile(t, filepath.Join(RepoRoot(), "hack", "lib", lib), filepath.Join(clone, "hack", "lib", lib))
	}
	for _, f := range []string{"go.mod", "go.sum", "etcd/main.go", "build.sh"} {
		copyFile(t, filepath.Join(RepoRoot(), "hack", "envtest", f), filepath.Join(clone, "hack", "envtest", f))
	}
	script := filepath.Join(clone, "hack", "envtest", "build.sh")
	data, err := os.ReadFile(script)
	if err != nil {
		t.Fatal(err)
	}
	data = bytes.Replace(data, []byte("first time only"), []byte("first run only"), 1)
	if err := os.WriteFile(script, data, 0o755); err != nil {
		t.Fatal(err)
	}
	failing := fakeGo(t, 1) // a build here would fail the test
	second, stderr, err := runScript(t, script, failing, "BSS_ENVTEST_CACHE", cache)
	if err != nil || second != first || stderr != "" {
		t.Errorf("clone elsewhere: stdout %q stderr %q err %v, want the cached %q", second, stderr, err, first)
	}
}

// TestEnvtestBuildAdoptsLegacyCache: binaries cached under the previous
// script's key (which hashed the script and the clone's path) are reused,
// not rebuilt for an hour.
func TestEnvtestBuildAdoptsLegacyCache(t *testing.T) {
	cache := t.TempDir()
	here := filepath.Join(RepoRoot(), "hack", "envtest")
	legacyKey, _, err := runBash(t, `here=`+here+`
printf '%s  %s\n' \
  "$(sha256sum <"$here/go.sum" | cut -d' ' -f1)" "$here/go.sum" \
  "$(sha256sum <"$here/go.mod" | cut -d' ' -f1)" "$here/go.mod" \
  f32d3c7b5313e716589f854fabbf6c955a5a2ed4c976fd30accc3bdebd8acab8 "$here/build.sh" | sha256sum | cut -c1-12`)
	if err != nil {
		t.Fatal(err)
	}
	k8s, etcd := goModVersion(t, here, "k8s.io/kubernetes"), goModVersion(t, here, "go.etcd.io/etcd/server/v3")
	legacy := filepath.Join(cache, "k8s-"+k8s+"-etcd-"+etcd+"-"+strings.TrimSpace(legacyKey))
	for _, bin := range []string{"kube-apiserver", "etcd", "kubectl"} {
		copyFile(t, "/bin/true", filepath.Join(legacy, bin))
	}
	stdout, stderr, err := runScript(t, envtestScript, fakeGo(t, 1), "BSS_ENVTEST_CACHE", cache)
	if err != nil {
		t.Fatalf("build.sh: %v\n%s", err, stderr)
	}
	dir := strings.TrimSpace(stdout)
	if dir == legacy || filepath.Dir(dir) != cache {
		t.Fatalf("stdout = %q, want a new directory in %s", stdout, cache)
	}
	if _, err := os.Stat(filepath.Join(dir, "kube-apiserver")); err != nil {
		t.Errorf("legacy binaries not reused: %v", err)
	}
	if !strings.Contains(stderr, "reusing the binaries in "+legacy) {
		t.Errorf("stderr should say the legacy build is reused:\n%s", stderr)
	}
}

func TestEnvtestBuildFailureSaysWhichBinary(t *testing.T) {
	cache := t.TempDir()
	stdout, stderr, err := runScript(t, envtestScript, fakeGo(t, 2), "BSS_ENVTEST_CACHE", cache)
	if err == nil {
		t.Fatalf("build.sh succeeded with a failing compiler; stdout %q", stdout)
	}
	if stdout != "" {
		t.Errorf("stdout = %q, want nothing on failure", stdout)
	}
	if !regexp.MustCompile(`(?m)^envtest: \[1/3\] kube-apiserver failed after \d+s \(exit status 2\)$`).MatchString(stderr) {
		t.Errorf("stderr should name the failed binary:\n%s", stderr)
	}
	if entries, _ := filepath.Glob(filepath.Join(cache, "k8s-*")); len(entries) != 0 {
		t.Errorf("a failed build left %v in the cache", entries)
	}
}

func TestPromtoolBuildPrintsProgressAndOnePath(t *testing.T) {
	cache := t.TempDir()
	path := fakeGo(t, 0)
	stdout, stderr, err := runScript(t, promtoolScript, path, "BSS_PROMTOOL_CACHE", cache)
	if err != nil {
		t.Fatalf("build.sh: %v\n%s", err, stderr)
	}
	bin := strings.TrimSuffix(stdout, "\n")
	if strings.Contains(bin, "\n") || filepath.Base(bin) != "promtool" || filepath.Dir(filepath.Dir(bin)) != cache {
		t.Fatalf("stdout = %q, want one line: a promtool path in %s", stdout, cache)
	}
	for _, re := range []string{
		`(?m)^promtool: \[1/1\] building promtool \.\.\.$`,
		`(?m)^promtool: \[1/1\] built promtool in \d+s \(total \d+s\)$`,
	} {
		if !regexp.MustCompile(re).MatchString(stderr) {
			t.Errorf("stderr has no line matching %s:\n%s", re, stderr)
		}
	}
	stdout2, stderr2, err := runScript(t, promtoolScript, path, "BSS_PROMTOOL_CACHE", cache)
	if err != nil || stdout2 != stdout || stderr2 != "" {
		t.Errorf("second run: stdout %q stderr %q err %v, want %q and nothing else", stdout2, stderr2, err, stdout)
	}
}

// syncBuffer is a bytes.Buffer safe for a writer and a reader goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestRunBuildScriptStreamsProgress: the script's progress reaches the
// user while it runs, not when it ends (Assets used to buffer it and show
// it only on failure).
func TestRunBuildScriptStreamsProgress(t *testing.T) {
	needBash(t)
	dir := t.TempDir()
	gate := filepath.Join(dir, "gate")
	script := filepath.Join(dir, "build.sh")
	body := "#!/usr/bin/env bash\necho '[1/3] building kube-apiserver ...' >&2\n" +
		"while [ ! -e " + gate + " ]; do sleep 0.01; done\necho /cache/assets\n"
	if err := os.WriteFile(script, []byte(body), 0o755); err != nil {
		t.Fatal(err)
	}
	var progress syncBuffer
	type result struct {
		dir string
		err error
	}
	done := make(chan result, 1)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	go func() {
		d, err := runBuildScript(ctx, script, &progress)
		done <- result{d, err}
	}()
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(progress.String(), "building kube-apiserver") {
		if time.Now().After(deadline) {
			t.Fatal("no progress line while the script was still running")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := os.WriteFile(gate, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	r := <-done
	if r.err != nil || r.dir != "/cache/assets" {
		t.Fatalf("runBuildScript = %q, %v; want /cache/assets", r.dir, r.err)
	}
}

func TestRunBuildScriptErrors(t *testing.T) {
	needBash(t)
	for _, tc := range []struct {
		name, body, want string
	}{
		{"failure carries stderr", "echo 'kube-apiserver failed after 3s' >&2; exit 1", "kube-apiserver failed after 3s"},
		{"no path", "true", "want one path on stdout"},
		{"two lines", "echo a; echo b", "want one path on stdout"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			script := filepath.Join(t.TempDir(), "build.sh")
			if err := os.WriteFile(script, []byte("#!/usr/bin/env bash\n"+tc.body+"\n"), 0o755); err != nil {
				t.Fatal(err)
			}
			_, err := runBuildScript(context.Background(), script, &bytes.Buffer{})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestTailBufferKeepsTheEnd(t *testing.T) {
	b := &tailBuffer{limit: 5}
	for _, s := range []string{"abc", "defg", "h"} {
		if _, err := b.Write([]byte(s)); err != nil {
			t.Fatal(err)
		}
	}
	if got := b.String(); got != "defgh" {
		t.Errorf("tail = %q, want defgh", got)
	}
}

func goModVersion(t *testing.T, dir, module string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) >= 2 && f[0] == module {
			return f[1]
		}
	}
	t.Fatalf("%s not in %s/go.mod", module, dir)
	return ""
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, data, 0o755); err != nil {
		t.Fatal(err)
	}
}
