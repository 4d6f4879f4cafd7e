package fleettest

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"
)

// WriteText writes a report for people: every failure with the expected
// value, the actual one and its provenance, one line per test, and the
// totals.
func WriteText(w io.Writer, rep *Report) {
	for _, t := range rep.Tests {
		for _, c := range t.Cases {
			if c.Failure == nil {
				continue
			}
			fmt.Fprintf(w, "FAIL %s: %s: %s\n", c.Pos, c.Host, c.Assertion)
			for _, l := range strings.Split(strings.TrimSuffix(c.Failure.Describe(), "\n"), "\n") {
				fmt.Fprintf(w, "    %s\n", l)
			}
		}
	}
	width := 0
	for _, t := range rep.Tests {
		width = max(width, len(t.Name))
	}
	for _, t := range rep.Tests {
		status := "ok  "
		if t.Failed > 0 {
			status = "FAIL"
		}
		line := fmt.Sprintf("%s %-*s  %s, %s", status, width, t.Name, count(t.Hosts, "host"), count(t.Assertions, "assertion"))
		if t.Failed > 0 {
			line += fmt.Sprintf(", %d failed", t.Failed)
		}
		if t.Assertions == 0 {
			line += " (no selected host)"
		}
		fmt.Fprintln(w, line)
	}
	fmt.Fprintln(w, Summary(rep))
}

// Summary is the last line of a run: how many tests, hosts and
// assertions ran, and how many failed.
func Summary(rep *Report) string {
	s := fmt.Sprintf("%s, %s, %s: ", count(len(rep.Tests), "test"), count(rep.Hosts, "host"), count(rep.Assertions, "assertion"))
	if rep.Failed == 0 {
		return s + "all passed"
	}
	return s + fmt.Sprintf("%d failed", rep.Failed)
}

// Describe renders a failure in a few lines:
//
//	expected false, got true from roles/desktop.toml:12:3 (role desktop)
func (f *Failure) Describe() string {
	var b strings.Builder
	fmt.Fprintf(&b, "expected %s, got %s", f.Expected, f.Actual)
	if f.From != "" {
		fmt.Fprintf(&b, " from %s", f.From)
	}
	if f.Why != "" {
		fmt.Fprintf(&b, ": %s", f.Why)
	}
	b.WriteByte('\n')
	b.WriteString(f.Diff)
	return b.String()
}

func count(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// JUnit XML, as CI systems read it: one testsuite per test file, one
// testcase per assertion and host.
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	File     string      `xml:"file,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	File      string        `xml:"file,attr"`
	Line      int           `xml:"line,attr"`
	Failure   *junitFailure `xml:"failure"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

// WriteJUnit writes the report as JUnit XML.
func WriteJUnit(w io.Writer, rep *Report) error {
	out := junitSuites{Name: "fleet test", Tests: rep.Assertions, Failures: rep.Failed, Suites: []junitSuite{}}
	for _, t := range rep.Tests {
		s := junitSuite{Name: t.Name, Tests: t.Assertions, Failures: t.Failed, File: t.File}
		for _, c := range t.Cases {
			jc := junitCase{Name: c.Host + ": " + c.Assertion, Classname: t.Name, File: c.Pos.File, Line: int(c.Pos.Line)}
			if f := c.Failure; f != nil {
				jc.Failure = &junitFailure{Message: "expected " + f.Expected + ", got " + f.Actual, Type: "assertion", Text: c.Pos.String() + ": " + f.Describe()}
			}
			s.Cases = append(s.Cases, jc)
		}
		out.Suites = append(out.Suites, s)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(out); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}
