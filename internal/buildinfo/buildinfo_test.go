package buildinfo

import "testing"

func TestString(t *testing.T) {
	tests := []struct {
		name string
		info Info
		want string
	}{
		{"release", Info{Version: "v1.2.3", Go: "go1.26.8"}, "v1.2.3 (go1.26.8)"},
		{"checkout", Info{Version: "(devel)", Commit: "0123456789abcdef0123", Time: "2026-01-02T03:04:05Z", Modified: true, Go: "go1.26.8"},
			"(devel) (commit 0123456789ab, 2026-01-02T03:04:05Z, modified; go1.26.8)"},
		{"nothing known", Info{Version: "(devel)"}, "(devel)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.info.String(); got != tt.want {
				t.Errorf("String() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestReadHasGoVersion(t *testing.T) {
	if got := Read(); got.Go == "" || got.Version == "" {
		t.Errorf("Read() = %+v, want a Go version and a module version", got)
	}
}
