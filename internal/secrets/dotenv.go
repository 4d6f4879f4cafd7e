package secrets

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
)

// dotenvStore reads and writes KEY=VALUE files the way sops' dotenv store
// does: "#" lines are comments, empty lines are dropped, values are strings
// in which the two characters \n stand for a newline, and the sops metadata
// is flattened into sops_* keys.
type dotenvStore struct{}

func (dotenvStore) loadPlain(data []byte) ([]mapping, error) {
	m := mapping{}
	seen := map[string]bool{}
	for i, line := range bytes.Split(data, []byte("\n")) {
		if len(line) == 0 {
			continue
		}
		p := pos{Line: i + 1, Col: 1}
		if line[0] == '#' {
			m = append(m, node{Value: comment{Value: string(line[1:])}, Pos: p})
			continue
		}
		eq := bytes.IndexByte(line, '=')
		if eq < 0 {
			return nil, &SyntaxError{Format: FormatDotenv, Line: i + 1, Msg: "expected KEY=VALUE"}
		}
		key := string(line[:eq])
		if seen[key] {
			return nil, &SyntaxError{Format: FormatDotenv, Line: i + 1, Msg: "duplicate key"}
		}
		seen[key] = true
		val := strings.ReplaceAll(string(line[eq+1:]), `\n`, "\n")
		m = append(m, node{Key: key, Value: val, Pos: pos{Line: i + 1, Col: eq + 2}})
	}
	return []mapping{m}, nil
}

func (dotenvStore) emitPlain(docs []mapping) ([]byte, error) {
	if len(docs) != 1 {
		return nil, errors.New("a dotenv file holds one document")
	}
	var b bytes.Buffer
	for _, n := range docs[0] {
		switch v := n.Value.(type) {
		case comment:
			b.WriteString("#" + v.Value + "\n")
			continue
		case mapping, list:
			return nil, fmt.Errorf("key %q holds a nested value, which a dotenv file cannot", n.Key)
		case string:
			b.WriteString(n.Key + "=" + strings.ReplaceAll(v, "\n", `\n`) + "\n")
		default:
			b.WriteString(n.Key + "=" + formatScalar(v) + "\n")
		}
	}
	return b.Bytes(), nil
}

func (s dotenvStore) loadEncrypted(data []byte) ([]mapping, *Metadata, error) {
	docs, err := s.loadPlain(data)
	if err != nil {
		return nil, nil, err
	}
	var kept mapping
	var flat []node
	for _, n := range docs[0] {
		if _, isC := n.Value.(comment); !isC && strings.HasPrefix(n.Key, flatPrefix) {
			flat = append(flat, node{Key: n.Key[len(flatPrefix):], Value: n.Value})
			continue
		}
		kept = append(kept, n)
	}
	if len(flat) == 0 {
		return nil, nil, ErrNotEncrypted
	}
	return flatDocument(kept, flat)
}

func (s dotenvStore) emitEncrypted(docs []mapping, md *Metadata) ([]byte, error) {
	if len(docs) != 1 {
		return nil, errors.New("a dotenv file holds one document")
	}
	out := make(mapping, 0, len(docs[0])+8)
	for _, n := range docs[0] {
		if _, isC := n.Value.(comment); !isC && strings.HasPrefix(n.Key, flatPrefix) {
			return nil, fmt.Errorf("key %q starts with %q, which is reserved for sops metadata", n.Key, flatPrefix)
		}
		out = append(out, n)
	}
	for _, n := range flatten(md.toMapping(), flatPrefix) {
		if b, ok := n.Value.(bool); ok {
			n.Value = formatScalar(b)
		}
		out = append(out, n)
	}
	return s.emitPlain([]mapping{out})
}

// flatDocument is the document of a flat format (dotenv, INI): the values
// kept, and the metadata read from its flattened sops_* entries.
func flatDocument(kept mapping, flat []node) ([]mapping, *Metadata, error) {
	mdm, err := unflatten(flat)
	if err != nil {
		return nil, nil, err
	}
	md, err := metadataFromMapping(mdm)
	if err != nil {
		return nil, nil, err
	}
	if kept == nil {
		kept = mapping{}
	}
	return []mapping{kept}, md, nil
}
