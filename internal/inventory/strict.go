package inventory

import "github.com/fleetdev/fleet/internal/diag"

// Decoder reads typed values strictly out of a parsed TOML tree (see
// ParseTOML), for the files that packages other than inventory own, such
// as tests/*.toml: unknown keys are errors with a did-you-mean, wrong
// types are errors at the value's position. It is the decoder the
// inventory's own files are read with.
type Decoder struct{ d decoder }

// NewDecoder returns a Decoder that reports to dl.
func NewDecoder(dl *diag.List) *Decoder { return &Decoder{decoder{diags: dl}} }

// Keys reports every key of t that is not allowed; what names the table
// in messages ("tests/ssh.toml", "[[assert]]").
func (d *Decoder) Keys(t *Value, what string, allowed ...string) { d.d.keys(t, what, allowed...) }

// Str reads an optional string.
func (d *Decoder) Str(t *Value, key string) Str { return d.d.str(t, key) }

// StrList reads an optional array of strings.
func (d *Decoder) StrList(t *Value, key string) []Str { return d.d.strList(t, key) }

// Bool reads an optional boolean.
func (d *Decoder) Bool(t *Value, key string) BoolVal { return d.d.boolean(t, key) }

// WrongType reports that v, the value of key, is not what it should be
// (want reads "a string", "an array of tables").
func (d *Decoder) WrongType(v *Value, key, want string) { d.d.wrongType(v, key, want) }
