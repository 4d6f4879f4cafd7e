package options

import "testing"

// The store path of a flake input's source follows from its narHash, as
// Nix computes it (checked against a path Nix added to a store).
func TestStorePath(t *testing.T) {
	got, err := StorePath("/nix/store", "sha256-g7rTRNBq6SYByf8gpsE8feE8s3+/bZO+zTOfMQjEXgk=")
	if err != nil {
		t.Fatal(err)
	}
	if want := "/nix/store/01g5z3phx8g7nflnrykynszx69mg7ica-source"; got != want {
		t.Errorf("StorePath = %s, want %s", got, want)
	}
	if _, err := StorePath("/nix/store", "sha512-abc"); err == nil {
		t.Error("a sha512 narHash is accepted")
	}
}
