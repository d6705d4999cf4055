package cmd

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The scripts in examples/ run with sh, with auditgate (this test binary,
// see TestMain) on $PATH.

type scriptRun struct {
	stdout, stderr string
	status         int
}

func runExample(t *testing.T, dir string, env []string, script string, args ...string) scriptRun {
	t.Helper()
	path, err := filepath.Abs(filepath.Join("..", "examples", script))
	if err != nil {
		t.Fatal(err)
	}
	c := exec.Command("sh", append([]string{path}, args...)...)
	c.Dir, c.Env = dir, append(agEnv(), env...)
	var stdout, stderr strings.Builder
	c.Stdout, c.Stderr = &stdout, &stderr
	err = c.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("run %s: %v", script, err)
	}
	return scriptRun{stdout.String(), stderr.String(), c.ProcessState.ExitCode()}
}

func TestExampleGuardedAction(t *testing.T) {
	// The action writes its arguments, one per line, to ran.txt, and exits 7.
	action := []string{"sh", "-c", `printf '%s\n' "$@" > ran.txt; exit 7`, "action",
		"two words", `a "quoted" arg`, "*"}
	tests := []struct {
		name       string
		env        []string
		trail      string
		wantStatus int
		wantRan    bool
		wantStderr string
	}{
		{"recorded, so the action runs", nil, "billing:refund@user:42", 7, true, ""},
		{"not recorded under hard+fail_closed",
			[]string{"AUDITGATE_STORE=missing-dir/audit.jsonl"}, "billing:refund@user:42", 125,
			false, "its audit entry was not recorded (auditgate record exit status 1)"},
		{"dropped under soft+fail_closed",
			[]string{"AUDITGATE_STORE=missing-dir/audit.jsonl", "AUDITGATE_DEFAULTS_MODE=soft"},
			"billing:refund@user:42", 125, false, "(auditgate record exit status 3)"},
		{"a malformed trail", nil, "no-trail-here", 125, false,
			"(auditgate record exit status 2)"},
		{"lost under fail_open: the policy lets it run",
			[]string{"AUDITGATE_STORE=missing-dir/audit.jsonl",
				"AUDITGATE_DEFAULTS_ON_STORE_ERROR=fail_open"},
			"billing:refund@user:42", 7, true, "the action proceeds UNAUDITED"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			r := runExample(t, dir, tt.env, "guarded-action.sh",
				append([]string{tt.trail, "refund approved"}, action...)...)
			if r.status != tt.wantStatus {
				t.Errorf("exit status = %d, want %d\nstderr: %s", r.status, tt.wantStatus, r.stderr)
			}
			if !strings.Contains(r.stderr, tt.wantStderr) {
				t.Errorf("stderr = %q, want it to hold %q", r.stderr, tt.wantStderr)
			}
			ran, err := os.ReadFile(filepath.Join(dir, "ran.txt"))
			if ran := err == nil; ran != tt.wantRan {
				t.Fatalf("action ran = %v, want %v", ran, tt.wantRan)
			}
			if !tt.wantRan {
				return
			}
			if got, want := string(ran), "two words\na \"quoted\" arg\n*\n"; got != want {
				t.Errorf("the action got the arguments %q, want %q", got, want)
			}
			if tt.env != nil {
				return
			}
			out := runAG(t, dir, "query", "-o", "jsonl")
			if !regexp.MustCompile(`^\{[^\n]*"trail":"billing:refund@user:42",[^\n]*` +
				`"verdict":"ALLOW",[^\n]*"reason":"refund approved","detail":\{"command":` +
				`"sh -c [^\n]*two words a \\"quoted\\" arg \*",`).MatchString(out) {
				t.Errorf("store = %s, want one ALLOW entry naming the command", out)
			}
		})
	}

	r := runExample(t, t.TempDir(), nil, "guarded-action.sh", "billing:refund@user:42", "why")
	if r.status != 2 || !strings.Contains(r.stderr, "usage: ") {
		t.Errorf("without a command: status %d, stderr %q; want 2 and the usage", r.status, r.stderr)
	}
}

func TestExampleCIVerify(t *testing.T) {
	dir := t.TempDir()
	runAG(t, dir, "record", "-t", "billing:refund@user:42", "--verdict", "allow")
	runAG(t, dir, "record", "-t", "billing:refund@user:42", "--verdict", "block")
	stored, err := os.ReadFile(filepath.Join(dir, "audit.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	tampered := strings.Replace(string(stored), `"BLOCK"`, `"ALLOW"`, 1)
	if err := os.WriteFile(filepath.Join(dir, "tampered.jsonl"), []byte(tampered), 0o600); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name       string
		args       []string
		wantStatus int
		wantOut    string
		wantValid  bool
	}{
		{"the configured store, valid", nil, 0, "audit log verified: no integrity problem", true},
		{"a tampered log", []string{"audit.jsonl", "tampered.jsonl"}, 1,
			"::error::audit log integrity check FAILED", false},
		{"a log that is not there", []string{"missing.jsonl"}, 2,
			"::error::auditgate verify could not read the log (exit status 2)", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			report := filepath.Join(t.TempDir(), "report.json")
			r := runExample(t, dir, []string{"VERIFY_REPORT=" + report}, "ci-verify.sh", tt.args...)
			if r.status != tt.wantStatus {
				t.Errorf("exit status = %d, want %d\nstdout: %s\nstderr: %s", r.status,
					tt.wantStatus, r.stdout, r.stderr)
			}
			if !strings.Contains(r.stdout, tt.wantOut) {
				t.Errorf("stdout = %q, want it to hold %q", r.stdout, tt.wantOut)
			}
			if tt.wantStatus == 2 {
				return
			}
			data, err := os.ReadFile(report)
			if err != nil {
				t.Fatalf("VERIFY_REPORT: %v", err)
			}
			var rep struct{ Valid bool }
			if err := json.Unmarshal(data, &rep); err != nil || rep.Valid != tt.wantValid {
				t.Errorf("report valid = %v (%v), want %v", rep.Valid, err, tt.wantValid)
			}
		})
	}
	r := runExample(t, dir, nil, "ci-verify.sh", "tampered.jsonl")
	if r.status != 1 || !strings.Contains(r.stdout, "line 2 billing:refund@user:42 #1: hash-mismatch") {
		t.Errorf("tampered.jsonl: status %d, stdout %q; want 1 naming the edited line", r.status,
			r.stdout)
	}
}

func TestExampleOperatorQueries(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "demo")
	r := runExample(t, t.TempDir(), nil, "operator-queries.sh", dir)
	if r.status != 0 {
		t.Fatalf("exit status %d\nstdout: %s\nstderr: %s", r.status, r.stdout, r.stderr)
	}
	for _, want := range []string{
		"\n$ auditgate query --trail 'billing:*' --verdict block --since 24h -o table\nSEQ ",
		"\n$ auditgate query --verdict block,error --count\n5\n",
		"\n$ auditgate query --where 'detail.calls_in_window>5' --severity warn -o csv\n" +
			"schema_version,trail,",
		",rate limit: 12 calls in 60s,",
		"  approved by carol after review",
		"\"detail\":{\"match\":{\"kind\":\"card\",\"len\":16},\"rule\":\"no_pii\"}",
		"\nbilling.json: valid (4 entries in 2 trails, array format)\n",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, r.stdout)
		}
	}
	// The watch printed the override recorded while it ran.
	if !regexp.MustCompile(`\n1 +\S+ +chat:pii@user:42 +OVERRIDE +INFO +human +false positive *\n`).
		MatchString(r.stdout) {
		t.Errorf("output lacks the watched override:\n%s", r.stdout)
	}
	if !strings.Contains(r.stderr, "auditgate: warning: the export holds 1 of the 3 entries of "+
		"trail billing:refund@user:42") {
		t.Errorf("stderr = %q, want the cut-trail warning", r.stderr)
	}
	for _, f := range []string{"audit.jsonl", "billing.json", "billing.csv", "overrides.jsonl"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}

	// Without DIR it works in a temporary directory and removes it.
	tmp := t.TempDir()
	r = runExample(t, t.TempDir(), []string{"TMPDIR=" + tmp}, "operator-queries.sh")
	if r.status != 0 {
		t.Fatalf("without DIR: exit status %d\nstderr: %s", r.status, r.stderr)
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("without DIR: %d files left in $TMPDIR, want none", len(left))
	}
}
