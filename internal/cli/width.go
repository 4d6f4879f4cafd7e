package cli

import (
	"os"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/term"
)

// outWidth is the width to fit text output to: $COLUMNS when set, else
// the width of stdout when it is a terminal, else 0 (no limit: pipes get
// every line whole).
func (a *App) outWidth() int {
	if n, err := strconv.Atoi(a.Env.Get("COLUMNS")); err == nil && n > 0 {
		return n
	}
	if f, ok := a.Out.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		if w, _, err := term.GetSize(int(f.Fd())); err == nil && w > 0 {
			return w
		}
	}
	return 0
}

// minValue is the least of a value kept when shortening it.
const minValue = 12

// fitColumns renders "left = value  # comment" lines within width: the
// comments aligned (at most two thirds of the way), a value too long for
// its line shortened with "…", and a comment that still does not fit put
// on its own line below, indented.
func fitColumns(rows [][3]string, width int) string {
	align := 0
	for _, r := range rows {
		align = max(align, runes(r[0])+3+runes(r[1]))
	}
	align = min(align, width*2/3)
	var b strings.Builder
	for _, r := range rows {
		left := r[0] + " = " + shorten(r[1], max(minValue, align-runes(r[0])-3))
		comment := "# " + r[2]
		// The comment's column: aligned, unless that pushes it past width.
		col := min(align, width-2-runes(comment))
		if runes(left) > col {
			b.WriteString(left + "\n    " + shorten(comment, max(minValue, width-4)) + "\n")
			continue
		}
		b.WriteString(left + strings.Repeat(" ", col-runes(left)) + "  " + comment + "\n")
	}
	return b.String()
}

// shorten cuts s to n runes, ending with "…" when it was longer.
func shorten(s string, n int) string {
	if runes(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

func runes(s string) int { return utf8.RuneCountInString(s) }
