package containers

import "testing"

func TestSpecField(t *testing.T) {
	for i, k := range specFields {
		if got := specField(k); got != i {
			t.Errorf("specField(%q) = %d, want %d", k, got, i)
		}
	}
	if got := specField("enable"); got != -1 {
		t.Errorf("specField(enable) = %d, want -1", got)
	}
}
