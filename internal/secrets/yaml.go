package secrets

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// yamlIndent is the indentation sops writes YAML with.
const yamlIndent = 4

// maxNodes bounds the nodes a file may expand to, so that aliases cannot
// blow up memory; maxDepth bounds nesting.
const (
	maxNodes = 1 << 17
	maxDepth = 256
)

// metadataKey is the key of the sops block in YAML and JSON files.
const metadataKey = "sops"

// yamlStore reads and writes YAML the way sops' YAML store does, comments
// included, so that both produce the same tree, the same MAC and, with the
// same go.yaml.in/yaml/v3 version, the same bytes.
type yamlStore struct{}

func (yamlStore) loadPlain(data []byte) ([]mapping, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var docs []mapping
	l := &yamlLoader{}
	for {
		var n yaml.Node
		err := dec.Decode(&n)
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, yamlSyntaxError(err)
		}
		m, err := l.mappingFrom(&n, nil, false, 0)
		if err != nil {
			return nil, err
		}
		docs = append(docs, m)
	}
	return docs, nil
}

func (s yamlStore) emitPlain(docs []mapping) ([]byte, error) {
	var b bytes.Buffer
	e := yaml.NewEncoder(&b)
	e.SetIndent(yamlIndent)
	for _, d := range docs {
		m, err := yamlMappingNode(d)
		if err != nil {
			return nil, err
		}
		doc := yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{m}}
		if err := e.Encode(&doc); err != nil {
			return nil, fmt.Errorf("writing yaml: %s", scrub(err.Error()))
		}
	}
	if err := e.Close(); err != nil {
		return nil, fmt.Errorf("writing yaml: %s", scrub(err.Error()))
	}
	return b.Bytes(), nil
}

func (s yamlStore) loadEncrypted(data []byte) ([]mapping, *Metadata, error) {
	docs, err := s.loadPlain(data)
	if err != nil {
		return nil, nil, err
	}
	return extractMetadata(docs)
}

func (s yamlStore) emitEncrypted(docs []mapping, md *Metadata) ([]byte, error) {
	withMD, err := appendMetadata(docs, md)
	if err != nil {
		return nil, err
	}
	return s.emitPlain(withMD)
}

// extractMetadata removes the sops key from every document and parses the
// first document's copy.
func extractMetadata(docs []mapping) ([]mapping, *Metadata, error) {
	var mdNode *mapping
	out := make([]mapping, len(docs))
	for i, d := range docs {
		var kept mapping
		for j := range d {
			if _, isC := d[j].Value.(comment); isC || d[j].Key != metadataKey {
				kept = append(kept, d[j])
				continue
			}
			if i != 0 {
				continue
			}
			if mdNode != nil {
				return nil, nil, errors.New("the sops key appears twice")
			}
			m, ok := d[j].Value.(mapping)
			if !ok {
				return nil, nil, errors.New("the sops key does not hold a mapping")
			}
			mdNode = &m
		}
		out[i] = kept
	}
	if mdNode == nil {
		return nil, nil, ErrNotEncrypted
	}
	md, err := metadataFromMapping(*mdNode)
	if err != nil {
		return nil, nil, err
	}
	return out, md, nil
}

// appendMetadata adds the sops block at the end of every document.
func appendMetadata(docs []mapping, md *Metadata) ([]mapping, error) {
	mdm := md.toMapping()
	out := make([]mapping, len(docs))
	for i, d := range docs {
		for _, n := range d {
			if _, isC := n.Value.(comment); !isC && n.Key == metadataKey {
				return nil, errors.New(`the key "sops" is reserved for sops metadata`)
			}
		}
		nd := make(mapping, 0, len(d)+1)
		nd = append(append(nd, d...), node{Key: metadataKey, Value: mdm})
		out[i] = nd
	}
	return out, nil
}

func yamlSyntaxError(err error) error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line := 0
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if i := strings.IndexByte(rest, ':'); i > 0 {
			if n, err := strconv.Atoi(rest[:i]); err == nil {
				line, msg = n, strings.TrimSpace(rest[i+1:])
			}
		}
	}
	return &SyntaxError{Format: FormatYAML, Line: line, Msg: scrub(msg)}
}

// yamlLoader converts yaml nodes into the tree, counting nodes to bound
// alias expansion.
type yamlLoader struct {
	nodes int
}

func (l *yamlLoader) count(n *yaml.Node, depth int) error {
	l.nodes++
	if l.nodes > maxNodes {
		return &SyntaxError{Format: FormatYAML, Line: n.Line, Msg: "the document expands to too many nodes"}
	}
	if depth > maxDepth {
		return &SyntaxError{Format: FormatYAML, Line: n.Line, Msg: "the document nests too deeply"}
	}
	return nil
}

func nodePos(n *yaml.Node) pos { return pos{Line: n.Line, Col: n.Column} }

// appendComments splits a yaml comment block into comment lines; each line
// loses its first character, the '#'.
func appendComments[T mapping | list](to T, text string, inline bool, p pos) T {
	if text == "" {
		return to
	}
	for _, line := range strings.Split(text, "\n") {
		if line != "" {
			to = append(to, node{Value: comment{Value: line[1:], Inline: inline}, Pos: p})
		}
	}
	return to
}

func (l *yamlLoader) mappingFrom(n *yaml.Node, m mapping, commentsDone bool, depth int) (mapping, error) {
	if err := l.count(n, depth); err != nil {
		return nil, err
	}
	if m == nil {
		m = mapping{}
	}
	if !commentsDone {
		m = appendComments(m, n.HeadComment, false, nodePos(n))
		m = appendComments(m, n.LineComment, false, nodePos(n))
	}
	switch n.Kind {
	case yaml.DocumentNode:
		for _, c := range n.Content {
			var err error
			if m, err = l.mappingFrom(c, m, false, depth+1); err != nil {
				return nil, err
			}
		}
	case yaml.SequenceNode:
		return nil, &SyntaxError{Format: FormatYAML, Line: n.Line, Msg: "the document is a list; a secret file must be a mapping"}
	case yaml.MappingNode:
		seen := map[string]bool{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			m = appendComments(m, k.HeadComment, false, nodePos(k))
			m = appendComments(m, k.LineComment, false, nodePos(k))
			scalarish := v.Kind == yaml.ScalarNode || v.Kind == yaml.AliasNode
			if scalarish {
				m = appendComments(m, v.HeadComment, false, nodePos(v))
				m = appendComments(m, v.LineComment, true, nodePos(v))
			}
			key, err := yamlKey(k)
			if err != nil {
				return nil, err
			}
			if seen[key] {
				return nil, &SyntaxError{Format: FormatYAML, Line: k.Line, Col: k.Column, Msg: "duplicate key"}
			}
			seen[key] = true
			val, err := l.valueFrom(v, scalarish, depth+1)
			if err != nil {
				return nil, err
			}
			p := nodePos(v)
			if v.Kind == yaml.MappingNode || v.Kind == yaml.SequenceNode {
				p = nodePos(k)
			}
			m = append(m, node{Key: key, Value: val, Pos: p})
			if scalarish {
				m = appendComments(m, v.FootComment, false, nodePos(v))
			}
			m = appendComments(m, k.FootComment, false, nodePos(k))
		}
	case yaml.ScalarNode:
		if n.ShortTag() != "!!null" {
			return nil, &SyntaxError{Format: FormatYAML, Line: n.Line, Msg: "the document is a single value; a secret file must be a mapping"}
		}
		return m, nil
	case yaml.AliasNode:
		if n.Alias == nil {
			return nil, &SyntaxError{Format: FormatYAML, Line: n.Line, Msg: "unknown alias"}
		}
		var err error
		if m, err = l.mappingFrom(n.Alias, m, false, depth+1); err != nil {
			return nil, err
		}
	}
	if !commentsDone {
		m = appendComments(m, n.FootComment, false, nodePos(n))
	}
	return m, nil
}

func (l *yamlLoader) valueFrom(n *yaml.Node, commentsDone bool, depth int) (any, error) {
	if err := l.count(n, depth); err != nil {
		return nil, err
	}
	switch n.Kind {
	case yaml.SequenceNode:
		out := list{}
		if !commentsDone {
			out = appendComments(out, n.HeadComment, false, nodePos(n))
			out = appendComments(out, n.LineComment, false, nodePos(n))
		}
		for _, it := range n.Content {
			out = appendComments(out, it.HeadComment, false, nodePos(it))
			out = appendComments(out, it.LineComment, true, nodePos(it))
			v, err := l.valueFrom(it, true, depth+1)
			if err != nil {
				return nil, err
			}
			out = append(out, node{Value: v, Pos: nodePos(it)})
			out = appendComments(out, it.FootComment, false, nodePos(it))
		}
		if !commentsDone {
			out = appendComments(out, n.FootComment, false, nodePos(n))
		}
		return out, nil
	case yaml.MappingNode:
		return l.mappingFrom(n, mapping{}, commentsDone, depth)
	case yaml.ScalarNode:
		return yamlScalar(n)
	case yaml.AliasNode:
		if n.Alias == nil {
			return nil, &SyntaxError{Format: FormatYAML, Line: n.Line, Msg: "unknown alias"}
		}
		return l.valueFrom(n.Alias, false, depth+1)
	}
	return nil, nil
}

func yamlScalar(n *yaml.Node) (any, error) {
	var v any
	if err := n.Decode(&v); err != nil {
		return nil, &SyntaxError{Format: FormatYAML, Line: n.Line, Col: n.Column, Msg: "value cannot be decoded"}
	}
	switch v := v.(type) {
	case nil, string, int, float64, bool, time.Time:
		return v, nil
	case int64:
		return int(v), nil
	case uint64:
		return nil, &SyntaxError{Format: FormatYAML, Line: n.Line, Col: n.Column, Msg: "integer out of range; quote it to store it as a string"}
	case []byte:
		return string(v), nil
	}
	return nil, &SyntaxError{Format: FormatYAML, Line: n.Line, Col: n.Column, Msg: "unsupported value"}
}

func yamlKey(k *yaml.Node) (string, error) {
	for k.Kind == yaml.AliasNode && k.Alias != nil {
		k = k.Alias
	}
	if k.Kind != yaml.ScalarNode {
		return "", &SyntaxError{Format: FormatYAML, Line: k.Line, Col: k.Column, Msg: "keys must be strings"}
	}
	var v any
	if err := k.Decode(&v); err != nil {
		return "", &SyntaxError{Format: FormatYAML, Line: k.Line, Col: k.Column, Msg: "key cannot be decoded"}
	}
	s, ok := v.(string)
	if !ok {
		return "", &SyntaxError{Format: FormatYAML, Line: k.Line, Col: k.Column, Msg: fmt.Sprintf("keys must be strings, this one is a %s; quote it", typeName(v))}
	}
	return s, nil
}

// Emitting mirrors sops: comment lines before a key become its head
// comment, inline comments (which the loader puts before their value) the
// line comment of the value that follows them, and trailing comments the
// foot comment of the last key.

func yamlValueNode(v any) (*yaml.Node, error) {
	switch v := v.(type) {
	case mapping:
		return yamlMappingNode(v)
	case list:
		return yamlSequenceNode(v)
	}
	n := &yaml.Node{}
	if err := n.Encode(v); err != nil {
		return nil, fmt.Errorf("writing yaml: a %s value cannot be written", typeName(v))
	}
	return n, nil
}

func commentText(lines []string) string { return "#" + strings.Join(lines, "\n#") }

func addHead(n *yaml.Node, lines []string) []string {
	if len(lines) > 0 {
		if n.HeadComment != "" {
			n.HeadComment = commentText(lines) + "\n" + n.HeadComment
		} else {
			n.HeadComment = commentText(lines)
		}
	}
	return nil
}

func addFoot(n *yaml.Node, lines []string) []string {
	if len(lines) > 0 {
		if n.FootComment != "" {
			n.FootComment += "\n" + commentText(lines)
		} else {
			n.FootComment = commentText(lines)
		}
	}
	return nil
}

func addLine(n *yaml.Node, lines []string) []string {
	if len(lines) > 0 {
		if n.LineComment != "" {
			n.LineComment += "\n" + commentText(lines)
		} else {
			n.LineComment = commentText(lines)
		}
	}
	return nil
}

func yamlMappingNode(m mapping) (*yaml.Node, error) {
	out := &yaml.Node{Kind: yaml.MappingNode}
	var head, inline []string
	beginning := true
	for _, it := range m {
		if c, ok := it.Value.(comment); ok {
			if c.Inline {
				inline = append(inline, c.Value)
			} else {
				head = append(head, c.Value)
			}
			continue
		}
		if beginning {
			head = addHead(out, head)
			beginning = false
		}
		k := &yaml.Node{}
		if err := k.Encode(it.Key); err != nil {
			return nil, fmt.Errorf("writing yaml: a key cannot be written")
		}
		head = addHead(k, head)
		v, err := yamlValueNode(it.Value)
		if err != nil {
			return nil, err
		}
		inline = addLine(v, inline)
		out.Content = append(out.Content, k, v)
	}
	head = append(head, inline...)
	if len(head) > 0 {
		if beginning {
			addHead(out, head)
		} else {
			addFoot(out.Content[len(out.Content)-2], head)
		}
	}
	return out, nil
}

func yamlSequenceNode(l list) (*yaml.Node, error) {
	out := &yaml.Node{Kind: yaml.SequenceNode}
	var head, inline []string
	beginning := true
	for _, it := range l {
		if c, ok := it.Value.(comment); ok {
			if c.Inline {
				inline = append(inline, c.Value)
			} else {
				head = append(head, c.Value)
			}
			continue
		}
		if beginning {
			head = addHead(out, head)
			beginning = false
		}
		v, err := yamlValueNode(it.Value)
		if err != nil {
			return nil, err
		}
		head = addHead(v, head)
		inline = addLine(v, inline)
		out.Content = append(out.Content, v)
	}
	head = append(head, inline...)
	if len(head) > 0 {
		if beginning {
			addHead(out, head)
		} else {
			addFoot(out.Content[len(out.Content)-1], head)
		}
	}
	return out, nil
}

func yamlMarshalNode(n *yaml.Node) ([]byte, error) {
	var b bytes.Buffer
	e := yaml.NewEncoder(&b)
	e.SetIndent(yamlIndent)
	if err := e.Encode(n); err != nil {
		return nil, fmt.Errorf("writing yaml: %s", scrub(err.Error()))
	}
	if err := e.Close(); err != nil {
		return nil, fmt.Errorf("writing yaml: %s", scrub(err.Error()))
	}
	return b.Bytes(), nil
}
