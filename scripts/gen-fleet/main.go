// Command gen-fleet writes a synthetic fleet of N hosts into DIR, for
// measuring fleet on large fleets:
//
//	go run ./scripts/gen-fleet 1000 /tmp/fleet-1000
//	go run ./scripts/gen-fleet -containers 5 1000 /tmp/fleet-1000-ctr
//	fleet --dir /tmp/fleet-1000 check
//
// -containers K gives each NixOS host K container instances from a
// catalog of definitions (one with its ports replaced, one a second
// instance of a definition under another name).
package main

import (
	"flag"
	"fmt"
	"os"
	"strconv"

	"github.com/fleetdev/fleet/internal/synth"
)

func main() {
	var o synth.Options
	flag.IntVar(&o.Containers, "containers", 0, "container instances per NixOS host")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: gen-fleet [-containers K] N DIR")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 2 {
		flag.Usage()
		os.Exit(2)
	}
	n, err := strconv.Atoi(flag.Arg(0))
	if err != nil || n < 1 {
		fmt.Fprintf(os.Stderr, "gen-fleet: N must be a positive number, not %q\n", flag.Arg(0))
		os.Exit(2)
	}
	if o.Containers < 0 {
		fmt.Fprintln(os.Stderr, "gen-fleet: -containers must not be negative")
		os.Exit(2)
	}
	if err := synth.WriteWith(flag.Arg(1), n, o); err != nil {
		fmt.Fprintf(os.Stderr, "gen-fleet: %v\n", err)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "wrote a fleet of %d hosts into %s\n", n, flag.Arg(1))
}
