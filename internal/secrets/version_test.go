package secrets

import (
	"errors"
	"testing"
)

// TestCheckSopsVersion follows what the sops CLI decrypts: a semantic
// version (a leading "v" allowed) or a sops 1.x version; nothing else.
func TestCheckSopsVersion(t *testing.T) {
	for v, ok := range map[string]bool{
		"3.13.3": true, "v3.7.1": true, "3.13.3-rc.1+build.5": true, "1.0": true, "1.14": true,
		"": false, "3.13": false, "three": false, "03.1.2": false, "3.1.2 ": false,
	} {
		err := checkSopsVersion(v)
		if (err == nil) != ok {
			t.Errorf("checkSopsVersion(%q) = %v, want ok %v", v, err, ok)
		}
		if err != nil && !errors.Is(err, ErrTampered) {
			t.Errorf("checkSopsVersion(%q) = %v, want ErrTampered", v, err)
		}
	}
}
