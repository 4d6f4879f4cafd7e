package fleettest

import (
	"context"
	"errors"
	"regexp"
	"slices"

	"github.com/fleetdev/fleet/internal/diag"
	"github.com/fleetdev/fleet/internal/eval"
	"github.com/fleetdev/fleet/internal/inventory"
)

// Options tunes Run.
type Options struct {
	// Run keeps the tests whose name it matches; nil runs every test.
	Run *regexp.Regexp
	// Update records snapshots instead of comparing with them.
	Update bool
}

// Report is the outcome of a run.
type Report struct {
	Tests []*Result `json:"tests"`
	// Hosts counts the distinct hosts tested, Assertions the checks run
	// (one assertion on one host), Failed those that failed.
	Hosts      int `json:"hosts"`
	Assertions int `json:"assertions"`
	Failed     int `json:"failed"`
	// Updated lists the snapshot files written by an update.
	Updated []string `json:"updated,omitempty"`
}

// Result is one test's outcome.
type Result struct {
	Name        string `json:"name"`
	File        string `json:"file"`
	Description string `json:"description,omitempty"`
	Hosts       int    `json:"hosts"`
	Assertions  int    `json:"assertions"`
	Failed      int    `json:"failed"`
	Cases       []Case `json:"cases"`
}

// Case is one assertion checked on one host.
type Case struct {
	Host      string `json:"host"`
	Assertion string `json:"assertion"`
	// Pos is the assertion's position in the test file.
	Pos     diag.Pos `json:"pos"`
	Failure *Failure `json:"failure,omitempty"`
}

// Failure says what was expected, what the host has, and where that
// value came from.
type Failure struct {
	Expected string `json:"expected"`
	Actual   string `json:"actual"`
	// From is the provenance of the actual value: positions and layers,
	// or how fleet derived a fact.
	From string `json:"from,omitempty"`
	// Why explains a derived fact, a missing value or a value of the
	// wrong kind.
	Why string `json:"why,omitempty"`
	// Diff lists the changed values of a snapshot, one per line.
	Diff string `json:"diff,omitempty"`
}

// Run checks the tests on the evaluated hosts of f. Assertions whose
// hosts were not evaluated (the command's selectors left them out) are
// skipped.
func Run(ctx context.Context, f *eval.Fleet, tests []*Test, opts Options) (*Report, error) {
	r := &runner{facts: newFacts(f)}
	rep := &Report{Tests: []*Result{}}
	hosts := map[string]bool{}
	snaps := &snapshotStore{root: f.Inv.Root}
	for _, t := range tests {
		if opts.Run != nil && !opts.Run.MatchString(t.Name) {
			continue
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		res := &Result{Name: t.Name, File: t.File, Description: t.Description, Cases: []Case{}}
		testHosts := map[string]bool{}
		for _, a := range t.Asserts {
			for _, name := range a.Hosts {
				h := f.Host(name)
				if h == nil {
					continue
				}
				c := Case{Host: name, Assertion: a.Label(), Pos: a.Pos}
				if a.Subject == SubjectSnapshot {
					fail, err := snaps.check(t, a, h, opts.Update)
					if err != nil {
						return nil, err
					}
					c.Failure = fail
				} else {
					c.Failure = r.check(a, h)
				}
				res.Cases = append(res.Cases, c)
				testHosts[name] = true
				hosts[name] = true
				if c.Failure != nil {
					res.Failed++
				}
			}
		}
		res.Hosts, res.Assertions = len(testHosts), len(res.Cases)
		rep.Tests = append(rep.Tests, res)
		rep.Assertions += res.Assertions
		rep.Failed += res.Failed
	}
	rep.Hosts = len(hosts)
	if opts.Update {
		written, err := snaps.save()
		if err != nil {
			return nil, err
		}
		rep.Updated = written
	}
	return rep, nil
}

type runner struct {
	facts *facts
}

// check runs one assertion on one host.
func (r *runner) check(a *Assertion, h *eval.Host) *Failure {
	if a.Subject != SubjectPath {
		got, from := r.facts.fact(a, h)
		want := a.Equals == nil || a.Equals.Bool
		if got == want {
			return nil
		}
		return &Failure{Expected: boolText(want), Actual: boolText(got), Why: from}
	}
	n, err := h.Lookup(eval.JoinPath(a.Path))
	if err != nil {
		n = nil
	}
	if a.Absent != nil {
		switch {
		case *a.Absent && n != nil:
			return &Failure{Expected: "no value", Actual: n.Describe(), From: Provenance(n)}
		case !*a.Absent && n == nil:
			return &Failure{Expected: "a value", Actual: "no value", Why: missing(err)}
		}
		return nil
	}
	if n == nil {
		return &Failure{Expected: expected(a), Actual: "no value", Why: missing(err)}
	}
	if ok, why := holds(a, n); !ok {
		return &Failure{Expected: expected(a), Actual: n.Describe(), From: Provenance(n), Why: why}
	}
	return nil
}

// missing explains a path that has no value.
func missing(err error) string {
	var pe *eval.PathError
	if errors.As(err, &pe) {
		return "nothing sets " + pe.Path + "; " + pe.Hint()
	}
	return ""
}

func boolText(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

// expected describes an expectation in a failure.
func expected(a *Assertion) string {
	switch {
	case a.Equals != nil:
		return a.Equals.Describe()
	case a.Contains != nil:
		return "a value containing " + a.Contains.Describe()
	case a.Matches != nil:
		return "a string matching " + quoteRE(a.Matches)
	case a.OneOf != nil:
		return "one of " + describeList(a.OneOf)
	case a.Min != nil && a.Max != nil:
		return "a number from " + a.Min.Describe() + " to " + a.Max.Describe()
	case a.Min != nil:
		return "a number >= " + a.Min.Describe()
	case a.Max != nil:
		return "a number <= " + a.Max.Describe()
	}
	return ""
}

func quoteRE(re *regexp.Regexp) string { return "/" + re.String() + "/" }

// holds checks a value expectation; why explains a failure that is about
// the value's kind rather than its content.
func holds(a *Assertion, n *eval.Node) (bool, string) {
	switch {
	case a.Equals != nil:
		return equal(n, a.Equals), ""
	case a.Contains != nil:
		return contains(n, a.Contains)
	case a.Matches != nil:
		s, ok := text(n)
		if !ok {
			return false, "a " + n.Kind.String() + ", not a string"
		}
		return a.Matches.MatchString(s), ""
	case a.OneOf != nil:
		return slices.ContainsFunc(a.OneOf, func(v *inventory.Value) bool { return equal(n, v) }), ""
	case a.Min != nil || a.Max != nil:
		x, ok := numeric(n)
		if !ok {
			return false, "a " + n.Kind.String() + ", not a number"
		}
		if a.Min != nil && x < number(a.Min) {
			return false, ""
		}
		if a.Max != nil && x > number(a.Max) {
			return false, ""
		}
		return true, ""
	}
	return true, ""
}
