// Command gen-fleet writes a synthetic fleet of N hosts into DIR, for
// measuring fleet on large fleets:
//
//	go run ./scripts/gen-fleet 1000 /tmp/fleet-1000
//	fleet --dir /tmp/fleet-1000 check
package main

import (
	"fmt"
	"os"
	"strconv"

	"github.com/fleetdev/fleet/internal/synth"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: gen-fleet N DIR")
		os.Exit(2)
	}
	n, err := strconv.Atoi(os.Args[1])
	if err != nil || n < 1 {
		fmt.Fprintf(os.Stderr, "gen-fleet: N must be a positive number, not %q\n", os.Args[1])
		os.Exit(2)
	}
	if err := synth.Write(os.Args[2], n); err != nil {
		fmt.Fprintf(os.Stderr, "gen-fleet: %v\n", err)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "wrote a fleet of %d hosts into %s\n", n, os.Args[2])
}
