package fakehost

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// Cmd is the testscript command that drives stand-in machines in deploy
// scripts (scripts using it carry the [fakehosts] condition, see
// Condition; Setup must have run):
//
//	fakehost start NAME...     start a host per name; hosts/NAME/host.toml's
//	                           @PORT@ becomes its ssh port, and NIX_SSHOPTS
//	                           reaches it
//	fakehost stop NAME         stop its sshd (its watchdogs keep running)
//	fakehost restart NAME      start its sshd again
//	fakehost current NAME      print its /run/current-system's name
//	fakehost log NAME          print what its activations recorded
//	fakehost wait NAME REGEXP  wait up to 2 minutes for its log to match REGEXP
//	fakehost run NAME CMD      run a shell command on it over ssh
func Cmd(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 2 {
		ts.Fatalf("usage: fakehost start|stop|restart|current|log|wait|run NAME ...")
	}
	st := ts.Value(fakeLabKey{}).(*fakeLab)
	if st.lab == nil {
		// Outside the fleet: nix copies a flake's folder into the store.
		dir, err := os.MkdirTemp("", "fakehosts")
		ts.Check(err)
		ts.Defer(func() { os.RemoveAll(dir) })
		l, err := NewLab(dir)
		ts.Check(err)
		st.lab, st.hosts = l, map[string]*Host{}
	}
	lab := st.lab
	host := func(name string) *Host {
		h := st.hosts[name]
		if h == nil {
			ts.Fatalf("fakehost: no host %s", name)
		}
		return h
	}
	switch args[0] {
	case "start":
		for _, name := range args[1:] {
			h, err := lab.Start(name)
			ts.Check(err)
			st.hosts[name] = h
			ts.Defer(h.Stop)
			toml := ts.MkAbs(filepath.Join("hosts", name, "host.toml"))
			b, err := os.ReadFile(toml)
			ts.Check(err)
			ts.Check(os.WriteFile(toml, []byte(strings.ReplaceAll(string(b), "@PORT@", strconv.Itoa(h.Port))), 0o644))
		}
		ts.Setenv("NIX_SSHOPTS", lab.SSHOpts())
	case "stop":
		host(args[1]).Stop()
	case "restart":
		ts.Check(host(args[1]).Restart())
	case "current":
		cur := host(args[1]).Current()
		if i := strings.Index(cur, "-"); i >= 0 {
			cur = cur[i+1:]
		}
		ts.Stdout().Write([]byte(cur + "\n"))
	case "log":
		ts.Stdout().Write([]byte(host(args[1]).File("standin/log")))
	case "wait":
		h := host(args[1])
		re, err := regexp.Compile("(?m)" + strings.Join(args[2:], " "))
		ts.Check(err)
		deadline := time.Now().Add(2 * time.Minute)
		for !re.MatchString(h.File("standin/log")) {
			if time.Now().After(deadline) {
				ts.Fatalf("fakehost %s: no match for %s in its log after 2 minutes:\n%s", h.Name, re, h.File("standin/log"))
			}
			time.Sleep(100 * time.Millisecond)
		}
	case "run":
		out, err := host(args[1]).Run(context.Background(), strings.Join(args[2:], " "))
		ts.Stdout().Write([]byte(out))
		if (err != nil) != neg {
			ts.Fatalf("fakehost run: %v", err)
		}
	default:
		ts.Fatalf("fakehost: unknown command %s", args[0])
	}
}

// fakeLab is one script's fake hosts, kept in its testscript values.
type fakeLab struct {
	lab   *Lab
	hosts map[string]*Host
}

type fakeLabKey struct{}

// Setup prepares a script's state for Cmd.
func Setup(env *testscript.Env) error {
	env.Values[fakeLabKey{}] = &fakeLab{}
	return nil
}

// Condition answers the [fakehosts] condition: whether fake hosts can run
// here.
func Condition(cond string) (bool, error) {
	if cond == "fakehosts" {
		return Available() == "", nil
	}
	return false, fmt.Errorf("unknown condition %q", cond)
}
