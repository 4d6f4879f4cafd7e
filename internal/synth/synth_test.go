package synth_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/fleetdev/fleet/internal/fleet"
	"github.com/fleetdev/fleet/internal/secrets"
	"github.com/fleetdev/fleet/internal/synth"
)

// TestContainersClean keeps the synthetic fleet with containers free of
// errors and warnings, with the asked number of instances on every NixOS
// host: its benchmark measures a real check.
func TestContainersClean(t *testing.T) {
	dir := t.TempDir()
	if err := synth.WriteWith(dir, 40, synth.Options{Containers: 5}); err != nil {
		t.Fatal(err)
	}
	f, err := fleet.Load(context.Background(), dir, fleet.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range f.Diags.Items() {
		if d.Code != "stale" { // generated/ is not written here
			t.Errorf("%v", d)
		}
	}
	nixos := 0
	for _, h := range f.Eval.Hosts {
		if h.Platform != "nixos" {
			if len(h.Containers) != 0 {
				t.Errorf("%s (%s) runs %d instances", h.Name, h.Platform, len(h.Containers))
			}
			continue
		}
		nixos++
		if len(h.Containers) != 5 {
			t.Errorf("%s runs %d instances, want 5", h.Name, len(h.Containers))
		}
	}
	if nixos < 30 {
		t.Errorf("only %d NixOS hosts of 40", nixos)
	}
}

// TestSecrets keeps the synthetic fleet's secrets real: every host with
// the backup role reads its own login and every host with the monitoring
// role the shared token, each file exists and is encrypted for the
// admin (the example's throwaway key opens it) and for its readers.
func TestSecrets(t *testing.T) {
	dir := t.TempDir()
	if err := synth.Write(dir, 40); err != nil {
		t.Fatal(err)
	}
	f, err := fleet.Load(context.Background(), dir, fleet.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range f.Diags.Items() {
		if d.Code != "stale" {
			t.Errorf("%v", d)
		}
	}
	keys, err := os.ReadFile(filepath.Join("..", "..", "examples", "homelab", "keys", "admin", "alex.txt"))
	if err != nil {
		t.Fatal(err)
	}
	ids, err := secrets.ParseIdentities(keys)
	if err != nil {
		t.Fatal(err)
	}
	read := map[string]int{}
	for _, h := range f.Eval.Hosts {
		want := map[string]bool{}
		if slices.Contains(h.Roles, "backup") {
			want["hosts/"+h.Name+"/backup-login"] = true
		}
		if slices.Contains(h.Roles, "monitoring") {
			want["monitoring/token"] = true
		}
		for _, r := range h.Secrets {
			if !want[r.Name] {
				t.Errorf("%s reads %s", h.Name, r.Name)
				continue
			}
			delete(want, r.Name)
			read[r.Name]++
			if r.File == "" {
				t.Errorf("%s: %s has no file", h.Name, r.Name)
			}
		}
		for name := range want {
			t.Errorf("%s does not read %s", h.Name, name)
		}
	}
	if read["monitoring/token"] < 2 || len(read) < 3 {
		t.Fatalf("secrets read: %v; want the token shared and some per-host logins", read)
	}
	data, err := os.ReadFile(filepath.Join(dir, "secrets", "monitoring", "token.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	plain, err := secrets.Decrypt(secrets.FormatYAML, data, ids)
	if err != nil || string(plain) != "token: synthetic-monitoring-token\n" {
		t.Errorf("monitoring/token decrypts to %q, %v", plain, err)
	}
}
