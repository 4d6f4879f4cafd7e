package eval

import (
	"slices"
	"strings"
	"testing"
)

// TestSharedLayers checks what evaluation shares between hosts: a user's
// home is one tree for every host whose layers give it the same values
// (roles without home values do not split it), a host with home values of
// its own gets its own, and a conflict between two roles still counts for
// each host that stacks both (one diagnostic, as before sharing).
func TestSharedLayers(t *testing.T) {
	f, msgs := evaluate(t, map[string]string{
		"users/u/user.toml":  "home_packages = [\"ripgrep\"]\n",
		"roles/a.toml":       "[nixos.services.x]\nport = 1\n",
		"roles/b.toml":       "[nixos.services.x]\nport = 2\n",
		"roles/c.toml":       "packages = [\"c\"]\n",
		"hosts/h1/host.toml": host + "users = [\"u\"]\nroles = [\"a\", \"b\"]\n",
		"hosts/h2/host.toml": host + "users = [\"u\"]\nroles = [\"a\", \"b\", \"c\"]\n",
		"hosts/h3/host.toml": host + "users = [\"u\"]\n[home.programs.git]\nenable = true\n",
	})
	trees := map[string]*Node{}
	for _, h := range f.Hosts {
		trees[h.Name] = h.Tree.Lookup("users", "u")
	}
	if trees["h1"] == nil || trees["h1"] != trees["h2"] || !trees["h1"].Shared() {
		t.Errorf("hosts whose layers give u the same home do not share it: %p %p", trees["h1"], trees["h2"])
	}
	if trees["h3"] == trees["h1"] || trees["h3"].Shared() {
		t.Error("a host with home values of its own shares another host's home")
	}
	if got := trees["h3"].Lookup("home", "programs", "git", "enable"); got == nil || !got.Bool {
		t.Errorf("h3's own home value is lost: %v", got)
	}
	for _, name := range []string{"h1", "h2"} {
		if got := trees[name].Lookup("home_packages").Describe(); got != `["ripgrep"]` {
			t.Errorf("%s: home_packages = %s", name, got)
		}
	}
	conflicts := slices.DeleteFunc(slices.Clone(msgs), func(m string) bool { return !strings.Contains(m, "conflicting values for nixos.services.x.port") })
	if len(conflicts) != 1 {
		t.Errorf("the roles' conflict is reported %d times, want once: the same error at the same place is one diagnostic:\n%s", len(conflicts), strings.Join(msgs, "\n"))
	}
	for _, h := range f.Hosts {
		want := 0
		if h.Name != "h3" {
			want = 1
		}
		if h.Errors != want {
			t.Errorf("%s counts %d errors, want %d", h.Name, h.Errors, want)
		}
	}
}
