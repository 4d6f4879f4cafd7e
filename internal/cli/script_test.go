package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"filippo.io/age"
	"filippo.io/age/plugin"
	"github.com/rogpeppe/go-internal/testscript"

	"github.com/fleetdev/fleet/internal/registry/registrytest"
	"github.com/fleetdev/fleet/internal/scripttest"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"fleet": func() {
			// As cmd/fleet does: an interrupt cancels the run.
			ctx, stop := signal.NotifyContext(context.Background(), StopSignals...)
			code := Main(ctx, os.Args[1:], OSStdio(), os.Environ())
			stop()
			os.Exit(code)
		},
		"fake-editor": func() { os.Exit(fakeEditor(os.Args[1:])) },
		// An age plugin whose recipient and identity data are an X25519
		// recipient and identity: a hardware key, minus the hardware.
		"age-plugin-fleettest": func() {
			p, err := plugin.New("fleettest")
			if err != nil {
				os.Exit(1)
			}
			p.HandleRecipient(func(data []byte) (age.Recipient, error) { return age.ParseX25519Recipient(string(data)) })
			p.HandleIdentity(func(data []byte) (age.Identity, error) { return age.ParseX25519Identity(string(data)) })
			os.Exit(p.Main())
		},
	})
}

// fakeEditor stands in for $EDITOR in scripts. The file to edit comes
// last, as editors get it:
//
//	EDITOR='fake-editor replace OLD NEW'   replace OLD with NEW in the file
//	EDITOR='fake-editor write SRC'         replace the file's content with SRC's
//	EDITOR='fake-editor keep'              leave the file as it is
//	EDITOR='fake-editor fail'              exit 1 without saving
//	EDITOR='fake-editor signal HUP'        send fleet HUP (INT, TERM, QUIT), then hang
//	EDITOR='fake-editor during SCRIPT OP...'  run sh SCRIPT first, then OP
//
// It refuses files that others could read (not 0600 in a 0700 folder), and
// records the path it edited in $FAKE_EDITOR_LOG when set. Run directly,
// 'fake-editor gone LOG' exits 1 when the file or folder recorded in LOG
// still exists.
func fakeEditor(args []string) int {
	fail := func(format string, a ...any) int {
		fmt.Fprintf(os.Stderr, "fake-editor: "+format+"\n", a...)
		return 1
	}
	if len(args) == 2 && args[0] == "gone" {
		p, err := os.ReadFile(args[1])
		if err != nil {
			return fail("%v", err)
		}
		for _, q := range []string{string(p), filepath.Dir(string(p))} {
			if _, err := os.Stat(q); err == nil {
				return fail("%s still exists", filepath.Base(q))
			}
		}
		return 0
	}
	if len(args) < 2 {
		return fail("usage: fake-editor replace OLD NEW | write SRC | keep | fail, then FILE")
	}
	path := args[len(args)-1]
	if len(args) >= 4 && args[0] == "during" {
		// Another command runs while the file is open in the editor.
		cmd := exec.Command("sh", args[1])
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			return fail("during: %v", err)
		}
		args = args[2:]
	}
	if log := os.Getenv("FAKE_EDITOR_LOG"); log != "" {
		if err := os.WriteFile(log, []byte(path), 0o600); err != nil {
			return fail("%v", err)
		}
	}
	if runtime.GOOS != "windows" {
		for _, c := range []struct {
			p    string
			want os.FileMode
		}{{path, 0o600}, {filepath.Dir(path), 0o700}} {
			st, err := os.Stat(c.p)
			if err != nil {
				return fail("%v", err)
			}
			if st.Mode().Perm() != c.want {
				return fail("%s has mode %o, want %o", filepath.Base(c.p), st.Mode().Perm(), c.want)
			}
		}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return fail("%v", err)
	}
	switch op := args[:len(args)-1]; {
	case op[0] == "replace" && len(op) == 3:
		if !strings.Contains(string(data), op[1]) {
			return fail("%q not found", op[1])
		}
		data = []byte(strings.ReplaceAll(string(data), op[1], op[2]))
	case op[0] == "write" && len(op) == 2:
		if data, err = os.ReadFile(op[1]); err != nil {
			return fail("%v", err)
		}
	case op[0] == "keep" && len(op) == 1:
		return 0
	case op[0] == "fail" && len(op) == 1:
		return fail("quit without saving")
	case op[0] == "signal" && len(op) == 2:
		// The terminal hangs up, or the user stops fleet, while the
		// editor is open: signal fleet, then wait to be stopped.
		sig, ok := map[string]os.Signal{"HUP": syscall.SIGHUP, "INT": os.Interrupt, "TERM": syscall.SIGTERM, "QUIT": syscall.SIGQUIT}[op[1]]
		if !ok {
			return fail("unknown signal %s", op[1])
		}
		parent, err := os.FindProcess(os.Getppid())
		if err == nil {
			err = parent.Signal(sig)
		}
		if err != nil {
			return fail("%v", err)
		}
		time.Sleep(time.Minute)
		return fail("not stopped after a minute")
	default:
		return fail("unknown command %q", strings.Join(op, " "))
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		return fail("%v", err)
	}
	return 0
}

// TestScript runs the command-line scripts in testdata/script. Set
// FLEET_UPDATE=1 to rewrite their expected output.
func TestScript(t *testing.T) {
	testscript.Run(t, scriptParams(t, "testdata/script"))
}

func scriptParams(t *testing.T, dir string) testscript.Params {
	return testscript.Params{
		Dir:                 dir,
		UpdateScripts:       os.Getenv("FLEET_UPDATE") == "1",
		RequireExplicitExec: true,
		Setup: func(env *testscript.Env) error {
			env.Setenv("NO_COLOR", "1")
			// FLEETBIN is the folder of the fleet program alone, for
			// scripts that run fleet with PATH=$FLEETBIN.
			bin, err := exec.LookPath("fleet")
			if err != nil {
				return err
			}
			env.Setenv("FLEETBIN", filepath.Dir(bin))
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"exits":    scripttest.Exits,
			"jsonq":    cmdJSONQ,
			"registry": cmdRegistry,
			"expand":   cmdExpand,
		},
	}
}

// cmdRegistry starts a container image registry on loopback for the rest
// of the script, serving each manifest file as a repository's tag, and
// sets $REGISTRY to its host:port. -token makes it ask for an anonymous
// bearer token, -no-digest leaves the digest out of its answers:
//
//	registry [-token] [-no-digest] team/app:1.2=app.json ...
func cmdRegistry(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("usage: registry [-token] [-no-digest] REPOSITORY:TAG=FILE...")
	}
	o := registrytest.Options{Manifests: map[string]string{}}
	for _, a := range args {
		switch a {
		case "-token":
			o.Token = "script-token"
		case "-no-digest":
			o.NoDigestHeader = true
		default:
			ref, file, ok := strings.Cut(a, "=")
			if !ok {
				ts.Fatalf("registry: %q is not REPOSITORY:TAG=FILE", a)
			}
			o.Manifests[ref] = ts.ReadFile(file)
		}
	}
	srv := registrytest.Start(o)
	ts.Defer(srv.Close)
	ts.Setenv("REGISTRY", srv.Host)
}

// cmdExpand replaces $VAR and ${VAR} in files with the script's
// variables (such as $REGISTRY, known only once the script runs):
//
//	expand containers/app.toml
func cmdExpand(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) == 0 {
		ts.Fatalf("usage: expand FILE...")
	}
	for _, f := range args {
		ts.Check(os.WriteFile(ts.MkAbs(f), []byte(os.Expand(ts.ReadFile(f), ts.Getenv)), 0o644))
	}
}

// cmdJSONQ prints the JSON value at a dotted path of a JSON file, indented:
//
//	jsonq out.json values.fields.settings
func cmdJSONQ(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: jsonq FILE PATH")
	}
	var v any
	ts.Check(json.Unmarshal([]byte(ts.ReadFile(args[0])), &v))
	for _, k := range strings.Split(args[1], ".") {
		switch x := v.(type) {
		case map[string]any:
			var ok bool
			if v, ok = x[k]; !ok {
				ts.Fatalf("jsonq: no key %q", k)
			}
		case []any:
			i, err := strconv.Atoi(k)
			if err != nil || i < 0 || i >= len(x) {
				ts.Fatalf("jsonq: bad index %q", k)
			}
			v = x[i]
		default:
			ts.Fatalf("jsonq: %q: not an object or array", k)
		}
	}
	out, err := json.MarshalIndent(v, "", "  ")
	ts.Check(err)
	ts.Stdout().Write(append(out, '\n'))
}
