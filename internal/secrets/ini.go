package secrets

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"gopkg.in/ini.v1"
)

// iniStore reads and writes INI files the way sops' ini store does, with
// the same parser (gopkg.in/ini.v1): the document is a mapping of sections
// (keys before the first [section] are in "DEFAULT"), each a mapping of
// string values; a comment above a key follows it in the tree, as sops
// keeps it. The sops metadata is the [sops] section, flattened below it
// (age__list_0__map_enc = ...) with newlines written as \n.
type iniStore struct{}

func iniLoadOptions() ini.LoadOptions {
	return ini.LoadOptions{AllowNonUniqueSections: true}
}

func (iniStore) loadPlain(data []byte) ([]mapping, error) {
	f, err := ini.LoadSources(iniLoadOptions(), data)
	if err != nil {
		// The parser's messages quote the offending line, which may
		// hold a secret: keep only what kind of error it is.
		msg := err.Error()
		if i := strings.IndexAny(msg, ":'\""); i > 0 {
			msg = strings.TrimSpace(msg[:i])
		}
		return nil, &SyntaxError{Format: FormatINI, Msg: msg}
	}
	doc := mapping{}
	for _, sec := range f.Sections() {
		var items mapping
		if sec.Comment != "" {
			items = append(items, node{Value: comment{Value: iniStripComment(sec.Comment)}})
		}
		for _, k := range sec.Keys() {
			items = append(items, node{Key: k.Name(), Value: k.Value()})
			if k.Comment != "" {
				items = append(items, node{Value: comment{Value: iniStripComment(k.Comment)}})
			}
		}
		if items == nil {
			items = mapping{}
		}
		doc = append(doc, node{Key: sec.Name(), Value: items})
	}
	return []mapping{doc}, nil
}

// iniStripComment removes the leading comment characters as sops does.
func iniStripComment(c string) string {
	switch {
	case strings.HasPrefix(c, ";"):
		return strings.TrimLeft(c, "; ")
	case strings.HasPrefix(c, "#"):
		return strings.TrimLeft(c, "# ")
	}
	return c
}

func (iniStore) emitPlain(docs []mapping) (out []byte, err error) {
	// The writer indexes the first character of every comment line, so a
	// comment with an empty line (which sops' own reading can produce from
	// "#" lines above a key) makes it panic, in sops as here.
	defer func() {
		if recover() != nil {
			out, err = nil, errors.New("an INI comment has an empty line, which cannot be written: remove it")
		}
	}()
	if len(docs) != 1 {
		return nil, errors.New("an INI file holds one document")
	}
	f := ini.Empty(iniLoadOptions())
	f.DeleteSection(ini.DefaultSection)
	for _, n := range docs[0] {
		if _, isC := n.Value.(comment); isC {
			continue
		}
		sec, err := f.NewSection(n.Key)
		if err != nil {
			return nil, fmt.Errorf("INI section %q: %v", n.Key, err)
		}
		items, ok := n.Value.(mapping)
		if !ok {
			return nil, fmt.Errorf("%q is not a section: an INI secret's values are SECTION/KEY (DEFAULT/KEY before any section)", n.Key)
		}
		first := 0
		if len(items) > 0 {
			if c, ok := items[0].Value.(comment); ok {
				sec.Comment = c.Value
				first = 1
			}
		}
		var last *ini.Key
		for _, it := range items[first:] {
			if c, ok := it.Value.(comment); ok {
				if last != nil {
					last.Comment = c.Value
				}
				continue
			}
			switch it.Value.(type) {
			case mapping, list:
				return nil, fmt.Errorf("%s/%s holds a nested value, which an INI file cannot", n.Key, it.Key)
			}
			last, err = sec.NewKey(it.Key, formatScalar(it.Value))
			if err != nil {
				return nil, fmt.Errorf("INI key %s/%s: %v", n.Key, it.Key, err)
			}
		}
	}
	var b bytes.Buffer
	if _, err := f.WriteTo(&b); err != nil {
		return nil, err
	}
	// The writer changes some names and values (a key "-" becomes "#1", a
	// comment after a value may be read as part of it): refuse what would
	// not read back as it was, rather than store something else.
	back, err := iniStore{}.loadPlain(b.Bytes())
	if err != nil || !equalValue(iniSkipTopComments(docs[0]), back[0]) {
		return nil, errors.New("this INI content does not read back the same once written (a key or section name, value or comment the INI syntax cannot hold as it is): change it")
	}
	return b.Bytes(), nil
}

// iniSkipTopComments drops comments outside sections, which INI cannot hold.
func iniSkipTopComments(m mapping) mapping {
	out := make(mapping, 0, len(m))
	for _, n := range m {
		if _, isC := n.Value.(comment); !isC {
			out = append(out, n)
		}
	}
	return out
}

func (s iniStore) loadEncrypted(data []byte) ([]mapping, *Metadata, error) {
	docs, err := s.loadPlain(data)
	if err != nil {
		return nil, nil, err
	}
	var kept mapping
	var mdItems mapping
	found := false
	for _, n := range docs[0] {
		if n.Key == metadataKey {
			if found {
				return nil, nil, fmt.Errorf("sops metadata: more than one [%s] section", metadataKey)
			}
			found = true
			mdItems, _ = n.Value.(mapping)
			continue
		}
		kept = append(kept, n)
	}
	if !found {
		return nil, nil, ErrNotEncrypted
	}
	var flat []node
	for _, n := range mdItems {
		if _, isC := n.Value.(comment); isC {
			continue
		}
		v, _ := n.Value.(string)
		flat = append(flat, node{Key: n.Key, Value: strings.ReplaceAll(v, `\n`, "\n")})
	}
	return flatDocument(kept, flat)
}

func (s iniStore) emitEncrypted(docs []mapping, md *Metadata) ([]byte, error) {
	if len(docs) != 1 {
		return nil, errors.New("an INI file holds one document")
	}
	out := make(mapping, 0, len(docs[0])+1)
	for _, n := range docs[0] {
		if n.Key == metadataKey {
			return nil, fmt.Errorf("the section [%s] is reserved for sops metadata", metadataKey)
		}
		out = append(out, n)
	}
	var mdItems mapping
	for _, n := range flatten(md.toMapping(), "") {
		n.Value = strings.ReplaceAll(formatScalar(n.Value), "\n", `\n`)
		mdItems = append(mdItems, n)
	}
	out = append(out, node{Key: metadataKey, Value: mdItems})
	return s.emitPlain([]mapping{out})
}

// checkINIKey checks a SECTION/KEY path for an INI secret.
func checkINIKey(segs []string) error {
	if len(segs) != 2 {
		return fmt.Errorf("an INI secret's keys are SECTION/KEY (DEFAULT/KEY before any section), such as db/password; %q is not one", strings.Join(segs, "/"))
	}
	sec, key := segs[0], segs[1]
	switch {
	case sec == metadataKey:
		return fmt.Errorf("the section [%s] is reserved for sops metadata", metadataKey)
	case strings.ContainsAny(sec, "[]\n\r"):
		return fmt.Errorf("an INI section name cannot hold [, ] or a newline")
	case strings.ContainsAny(key, "=:\n\r") || strings.HasPrefix(key, ";") || strings.HasPrefix(key, "#") || strings.HasPrefix(key, "["):
		return fmt.Errorf("an INI key cannot hold = : or a newline, nor start with ; # or [")
	}
	return nil
}
