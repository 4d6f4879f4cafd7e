package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"testing"
)

func TestTuneGC(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	fleetOf := func(hosts int) string {
		dir := t.TempDir()
		for i := range hosts {
			if err := os.MkdirAll(filepath.Join(dir, "hosts", fmt.Sprintf("h%05d", i)), 0o755); err != nil {
				t.Fatal(err)
			}
		}
		return dir
	}
	for _, c := range []struct {
		hosts int
		env   Env
		want  int
	}{
		{6, Env{}, smallFleetGC},
		{smallFleet, Env{}, smallFleetGC},
		{smallFleet + 1, Env{}, 100},
		{6, Env{"GOGC": "50"}, 77}, // GOGC decides: left as it was
	} {
		debug.SetGCPercent(77)
		(&App{Env: c.env}).tuneGC(fleetOf(c.hosts))
		if got := debug.SetGCPercent(100); got != c.want {
			t.Errorf("%d hosts, env %v: GOGC %d, want %d", c.hosts, c.env, got, c.want)
		}
	}
}
