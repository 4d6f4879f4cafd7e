package buildinfo

import (
	"encoding/base64"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/fleetdev/fleet/internal/nix/syntax"
)

// The repository is a flake whose package nix/package.nix builds fleet
// with buildGoModule: both files parse, and its vendorHash is the hash of
// what 'go mod vendor' writes now, so 'nix build' does not fail on it.

func TestFlakeFilesParse(t *testing.T) {
	for _, f := range []string{"../../flake.nix", "../../nix/package.nix"} {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range syntax.Check(filepath.Base(f), src) {
			t.Errorf("%s: %v", f, d)
		}
	}
}

func TestVendorHash(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go mod vendor")
	}
	nixHash, err := exec.LookPath("nix-hash")
	if err != nil {
		t.Skip("nix-hash is not installed")
	}
	pkg, err := os.ReadFile("../../nix/package.nix")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`vendorHash = "(sha256-[A-Za-z0-9+/=]+)";`).FindSubmatch(pkg)
	if m == nil {
		t.Fatal("nix/package.nix has no vendorHash")
	}
	vendor := filepath.Join(t.TempDir(), "vendor")
	cmd := exec.Command("go", "mod", "vendor", "-o", vendor)
	cmd.Dir = "../.."
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Skipf("go mod vendor (offline, from the module cache) failed: %v\n%s", err, out)
	}
	out, err := exec.Command(nixHash, "--type", "sha256", vendor).Output()
	if err != nil {
		t.Fatal(err)
	}
	sum, err := hex.DecodeString(strings.TrimSpace(string(out)))
	if err != nil {
		t.Fatal(err)
	}
	got := "sha256-" + base64.StdEncoding.EncodeToString(sum)
	if got != string(m[1]) {
		t.Errorf("nix/package.nix: vendorHash = %q, but go.mod and go.sum vendor to %q: update it (scripts/vendor-hash prints it)", m[1], got)
	}
}
