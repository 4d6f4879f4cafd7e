package secrets

import (
	"crypto/sha512"
	"errors"
	"fmt"
	"hash"
	"regexp"
	"strconv"
	"strings"
)

// The document tree, shaped like the one sops builds so that walk order,
// key paths and the MAC come out the same.
//
// A document is a mapping. A mapping and a list hold nodes; a node whose
// Value is a comment is a comment line (its Key is empty). Leaf values are
// string, int, float64, bool, time.Time, []byte (decrypted "bytes" values)
// or nil; the encrypted form holds "ENC[...]" strings in place of the leaves
// that are encrypted.
type (
	mapping []node
	list    []node

	node struct {
		Key   string
		Value any
		Pos   pos
	}

	// comment is a comment line without its '#'. Inline comments follow a
	// value on its line.
	comment struct {
		Value  string
		Inline bool
	}

	// pos is a 1-based line and column in the file a node was read from.
	pos struct {
		Line, Col int
	}
)

// leafFunc is called for every leaf and comment, in document order, with
// the key path of the leaf (list indices are not part of it; a comment has
// the path of its enclosing mapping), the comments seen in each enclosing
// collection, and the node's position. It returns the leaf's replacement.
type leafFunc func(v any, path []string, comments [][]string, isComment bool, p pos) (any, error)

func walkDocs(docs []mapping, f leafFunc) error {
	for _, d := range docs {
		if err := walkMapping(d, nil, nil, f); err != nil {
			return err
		}
	}
	return nil
}

func walkMapping(m mapping, path []string, stack [][]string, f leafFunc) error {
	stack = append(stack[:len(stack):len(stack)], nil)
	top := len(stack) - 1
	for i := range m {
		n := &m[i]
		if c, ok := n.Value.(comment); ok {
			stack[top] = append(stack[top], c.Value)
			out, err := f(c, path, stack, true, n.Pos)
			if err != nil {
				return err
			}
			n.Value = asComment(out, c.Inline)
			continue
		}
		p := append(path[:len(path):len(path)], n.Key)
		out, err := walkValue(n.Value, p, stack, f, n.Pos)
		if err != nil {
			return err
		}
		n.Value = out
		stack[top] = nil
	}
	return nil
}

func walkList(l list, path []string, stack [][]string, f leafFunc) error {
	stack = append(stack[:len(stack):len(stack)], nil)
	top := len(stack) - 1
	for i := range l {
		n := &l[i]
		if c, ok := n.Value.(comment); ok {
			stack[top] = append(stack[top], c.Value)
			out, err := f(c, path, stack, true, n.Pos)
			if err != nil {
				return err
			}
			n.Value = asComment(out, c.Inline)
			continue
		}
		out, err := walkValue(n.Value, path, stack, f, n.Pos)
		if err != nil {
			return err
		}
		n.Value = out
		stack[top] = nil
	}
	return nil
}

func walkValue(v any, path []string, stack [][]string, f leafFunc, p pos) (any, error) {
	switch v := v.(type) {
	case mapping:
		return v, walkMapping(v, path, stack, f)
	case list:
		return v, walkList(v, path, stack, f)
	case nil:
		return nil, nil
	}
	return f(v, path, stack, false, p)
}

func asComment(v any, inline bool) comment {
	switch v := v.(type) {
	case comment:
		return comment{Value: v.Value, Inline: inline}
	case string:
		return comment{Value: v, Inline: inline}
	case []byte:
		return comment{Value: string(v), Inline: inline}
	}
	return comment{Inline: inline}
}

// aad is the additional data a value at path is encrypted with.
func aad(path []string) string { return strings.Join(path, ":") + ":" }

// cryptRule decides which leaves are encrypted (sops' shouldBeEncrypted).
type cryptRule struct {
	unencSuffix, encSuffix                       string
	unencRE, encRE, unencCommentRE, encCommentRE *regexp.Regexp
}

func (m *Metadata) cryptRule() (cryptRule, error) {
	r := cryptRule{unencSuffix: m.UnencryptedSuffix, encSuffix: m.EncryptedSuffix}
	if m.cryptRuleCount() == 0 {
		r.unencSuffix = DefaultUnencryptedSuffix
	}
	for _, c := range []struct {
		name string
		src  string
		dst  **regexp.Regexp
	}{
		{"unencrypted_regex", m.UnencryptedRegex, &r.unencRE},
		{"encrypted_regex", m.EncryptedRegex, &r.encRE},
		{"unencrypted_comment_regex", m.UnencryptedCommentRegex, &r.unencCommentRE},
		{"encrypted_comment_regex", m.EncryptedCommentRegex, &r.encCommentRE},
	} {
		if c.src == "" {
			continue
		}
		re, err := regexp.Compile(c.src)
		if err != nil {
			return cryptRule{}, fmt.Errorf("sops metadata: %s is not a valid regular expression", c.name)
		}
		*c.dst = re
	}
	return r, nil
}

func (r *cryptRule) encrypted(path []string, stack [][]string, isComment bool) bool {
	enc := true
	if r.unencSuffix != "" {
		for _, k := range path {
			if strings.HasSuffix(k, r.unencSuffix) {
				enc = false
				break
			}
		}
	}
	if r.encSuffix != "" {
		enc = false
		for _, k := range path {
			if strings.HasSuffix(k, r.encSuffix) {
				enc = true
				break
			}
		}
	}
	if r.unencRE != nil {
		for _, k := range path {
			if r.unencRE.MatchString(k) {
				enc = false
				break
			}
		}
	}
	if r.encRE != nil {
		enc = false
		for _, k := range path {
			if r.encRE.MatchString(k) {
				enc = true
				break
			}
		}
	}
	if r.unencCommentRE != nil {
	unenc:
		for _, cs := range stack {
			for _, c := range cs {
				if r.unencCommentRE.MatchString(c) {
					enc = false
					break unenc
				}
			}
		}
	}
	if r.encCommentRE != nil {
		enc = false
		last := len(stack) - 1
	encr:
		for i, cs := range stack {
			for j, c := range cs {
				if isComment && i == last && j == len(cs)-1 {
					continue
				}
				if r.encCommentRE.MatchString(c) {
					enc = true
					break encr
				}
			}
		}
	}
	return enc
}

// macOnlyEncryptedInit is sha256("sops"), which sops hashes first when
// mac_only_encrypted is set.
func macOnlyEncryptedInit() []byte {
	return []byte{0x8a, 0x3f, 0xd2, 0xad, 0x54, 0xce, 0x66, 0x52, 0x7b, 0x10, 0x34, 0xf3, 0xd1, 0x47, 0xbe, 0x0b, 0x0b, 0x97, 0x5b, 0x3b, 0xf4, 0x4f, 0x72, 0xc6, 0xfd, 0xad, 0xec, 0x81, 0x76, 0xf2, 0x7d, 0x69}
}

func newMAC(md *Metadata) hash.Hash {
	h := sha512.New()
	if md.MACOnlyEncrypted {
		h.Write(macOnlyEncryptedInit())
	}
	return h
}

func macString(h hash.Hash) string { return fmt.Sprintf("%X", h.Sum(nil)) }

// keyPath renders a key path for people and errors: "db/password".
func keyPath(path []string) string { return strings.Join(path, "/") }

// encryptDocs encrypts docs in place and returns the MAC of their
// plaintext.
func encryptDocs(docs []mapping, md *Metadata, vc *valueCipher) (string, error) {
	rule, err := md.cryptRule()
	if err != nil {
		return "", err
	}
	h := newMAC(md)
	err = walkDocs(docs, func(v any, path []string, stack [][]string, isComment bool, _ pos) (any, error) {
		enc := rule.encrypted(path, stack, isComment)
		if !isComment && (!md.MACOnlyEncrypted || enc) {
			_, b, err := plainBytes(v)
			if err != nil {
				return nil, fmt.Errorf("value at %q: %w", keyPath(path), err)
			}
			h.Write(b)
		}
		if !enc {
			return v, nil
		}
		out, err := vc.encrypt(v, aad(path))
		if err != nil {
			return nil, fmt.Errorf("value at %q: %w", keyPath(path), err)
		}
		if isComment && rule.unencCommentRE != nil && rule.unencCommentRE.MatchString(out) {
			return nil, errors.New("an encrypted comment matches unencrypted_comment_regex; choose a regex that cannot match \"ENC[\"")
		}
		return out, nil
	})
	if err != nil {
		return "", err
	}
	return macString(h), nil
}

// decryptDocs decrypts docs in place and returns the MAC computed over the
// plaintext. A value that fails authentication is a *TamperError.
func decryptDocs(docs []mapping, md *Metadata, vc *valueCipher) (string, error) {
	rule, err := md.cryptRule()
	if err != nil {
		return "", err
	}
	h := newMAC(md)
	err = walkDocs(docs, func(v any, path []string, stack [][]string, isComment bool, _ pos) (any, error) {
		enc := rule.encrypted(path, stack, isComment)
		out := v
		if enc {
			switch v := v.(type) {
			case comment:
				// sops reads comments it cannot decrypt as plaintext
				// comments written by older versions.
				if d, err := vc.decrypt(v.Value, aad(path)); err == nil {
					out = d
				}
			case string:
				d, err := vc.decrypt(v, aad(path))
				if err != nil {
					if errors.Is(err, errValueAuth) || !isEncValue(v) {
						return nil, &TamperError{Key: keyPath(path), Reason: err.Error()}
					}
					return nil, fmt.Errorf("value at %q: %w", keyPath(path), err)
				}
				out = d
			default:
				return nil, &TamperError{Key: keyPath(path), Reason: "a plaintext " + typeName(v) + " where an encrypted value belongs"}
			}
		}
		if _, isC := out.(comment); !isC && (!md.MACOnlyEncrypted || enc) {
			_, b, err := plainBytes(out)
			if err != nil {
				return nil, fmt.Errorf("value at %q: %w", keyPath(path), err)
			}
			h.Write(b)
		}
		return out, nil
	})
	if err != nil {
		return "", err
	}
	return macString(h), nil
}

// cloneDocs deep-copies documents so that walking the copy leaves the
// original untouched.
func cloneDocs(docs []mapping) []mapping {
	out := make([]mapping, len(docs))
	for i, d := range docs {
		out[i] = cloneValue(d).(mapping)
	}
	return out
}

func cloneValue(v any) any {
	switch v := v.(type) {
	case mapping:
		out := make(mapping, len(v))
		for i, n := range v {
			out[i] = node{Key: n.Key, Value: cloneValue(n.Value), Pos: n.Pos}
		}
		return out
	case list:
		out := make(list, len(v))
		for i, n := range v {
			out[i] = node{Key: n.Key, Value: cloneValue(n.Value), Pos: n.Pos}
		}
		return out
	case []byte:
		return append([]byte(nil), v...)
	}
	return v
}

// splitKey turns "a/b/0" into its segments. The empty key is the whole
// document.
func splitKey(key string) []string {
	key = strings.Trim(key, "/")
	if key == "" {
		return nil
	}
	return strings.Split(key, "/")
}

// lookup finds the value at a key path. Segments index mappings by key and
// lists by position (comments do not count).
func lookup(m mapping, segs []string) (any, bool) {
	var cur any = m
	for _, s := range segs {
		switch c := cur.(type) {
		case mapping:
			found := false
			for _, n := range c {
				if _, isC := n.Value.(comment); !isC && n.Key == s {
					cur, found = n.Value, true
					break
				}
			}
			if !found {
				return nil, false
			}
		case list:
			i, err := strconv.Atoi(s)
			items := listItems(c)
			if err != nil || i < 0 || i >= len(items) {
				return nil, false
			}
			cur = items[i].Value
		default:
			return nil, false
		}
	}
	return cur, true
}

// listItems returns the non-comment nodes of l.
func listItems(l list) []*node {
	var out []*node
	for i := range l {
		if _, isC := l[i].Value.(comment); !isC {
			out = append(out, &l[i])
		}
	}
	return out
}

// setValue stores v at a key path, creating mappings on the way. It
// reports whether the tree changed.
func setValue(m mapping, segs []string, v any) (mapping, bool, error) {
	if len(segs) == 0 {
		return m, false, errors.New("empty key")
	}
	out, changed, err := setIn(m, segs, v, nil)
	if err != nil {
		return m, false, err
	}
	return out.(mapping), changed, nil
}

func setIn(cur any, segs []string, v any, done []string) (any, bool, error) {
	s := segs[0]
	here := append(done[:len(done):len(done)], s)
	switch c := cur.(type) {
	case mapping:
		for i := range c {
			if _, isC := c[i].Value.(comment); isC || c[i].Key != s {
				continue
			}
			if len(segs) == 1 {
				changed := !equalValue(c[i].Value, v)
				c[i].Value = v
				return c, changed, nil
			}
			nv, changed, err := setIn(c[i].Value, segs[1:], v, here)
			if err != nil {
				return nil, false, err
			}
			c[i].Value = nv
			return c, changed, nil
		}
		var nv any = v
		if len(segs) > 1 {
			var err error
			if nv, _, err = setIn(mapping{}, segs[1:], v, here); err != nil {
				return nil, false, err
			}
		}
		return append(c, node{Key: s, Value: nv}), true, nil
	case list:
		items := listItems(c)
		i, err := strconv.Atoi(s)
		if err != nil || i < 0 || i >= len(items) {
			return nil, false, fmt.Errorf("%q is a list; %q is not an index of it", keyPath(done), s)
		}
		if len(segs) == 1 {
			changed := !equalValue(items[i].Value, v)
			items[i].Value = v
			return c, changed, nil
		}
		nv, changed, err := setIn(items[i].Value, segs[1:], v, here)
		if err != nil {
			return nil, false, err
		}
		items[i].Value = nv
		return c, changed, nil
	}
	return nil, false, fmt.Errorf("%q holds a %s, not a mapping", keyPath(done), typeName(cur))
}

// equalValue compares two tree values, ignoring positions and whether
// comments are inline.
func equalValue(a, b any) bool {
	switch a := a.(type) {
	case mapping:
		b, ok := b.(mapping)
		if !ok || len(a) != len(b) {
			return false
		}
		for i := range a {
			if a[i].Key != b[i].Key || !equalValue(a[i].Value, b[i].Value) {
				return false
			}
		}
		return true
	case list:
		b, ok := b.(list)
		if !ok || len(a) != len(b) {
			return false
		}
		for i := range a {
			if !equalValue(a[i].Value, b[i].Value) {
				return false
			}
		}
		return true
	case comment:
		b, ok := b.(comment)
		return ok && a.Value == b.Value
	case []byte:
		b, ok := b.([]byte)
		return ok && string(a) == string(b)
	}
	switch b.(type) {
	case mapping, list, comment, []byte:
		return false
	}
	return a == b
}
