package secrets

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"
)

// jsonStore reads and writes JSON the way sops' JSON store does: key order
// kept, numbers that fit int64 as integers and others as floats, output
// indented with tabs.
type jsonStore struct{}

func (jsonStore) loadPlain(data []byte) ([]mapping, error) {
	p := &jsonParser{dec: json.NewDecoder(bytes.NewReader(data)), data: data, lines: lineIndex{data: data}}
	p.dec.UseNumber()
	tok, err := p.token()
	if err != nil {
		if err == io.EOF {
			return nil, &SyntaxError{Format: FormatJSON, Msg: "empty file; a JSON secret file holds an object"}
		}
		return nil, err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, &SyntaxError{Format: FormatJSON, Line: 1, Msg: "a JSON secret file must hold an object at the top level"}
	}
	m, err := p.object(0)
	if err != nil {
		return nil, err
	}
	if _, err := p.dec.Token(); err != io.EOF {
		l, c := p.lines.at(int(p.dec.InputOffset()))
		return nil, &SyntaxError{Format: FormatJSON, Line: l, Col: c, Msg: "data after the top-level object"}
	}
	return []mapping{m}, nil
}

type jsonParser struct {
	dec   *json.Decoder
	data  []byte
	lines lineIndex
	nodes int
}

func (p *jsonParser) token() (json.Token, error) {
	tok, err := p.dec.Token()
	if err != nil {
		if err == io.EOF {
			return nil, err
		}
		var se *json.SyntaxError
		if errors.As(err, &se) {
			l, c := p.lines.at(int(se.Offset))
			return nil, &SyntaxError{Format: FormatJSON, Line: l, Col: c, Msg: scrub(se.Error())}
		}
		if err == io.ErrUnexpectedEOF {
			return nil, &SyntaxError{Format: FormatJSON, Msg: "unexpected end of file"}
		}
		return nil, &SyntaxError{Format: FormatJSON, Msg: scrub(err.Error())}
	}
	return tok, nil
}

// here is the position of the next token.
func (p *jsonParser) here() pos {
	off := int(p.dec.InputOffset())
	for off < len(p.data) {
		switch p.data[off] {
		case ' ', '\t', '\r', '\n', ':', ',':
			off++
			continue
		}
		break
	}
	l, c := p.lines.at(off)
	return pos{Line: l, Col: c}
}

func (p *jsonParser) count(depth int, at pos) error {
	p.nodes++
	if p.nodes > maxNodes {
		return &SyntaxError{Format: FormatJSON, Line: at.Line, Col: at.Col, Msg: "the document has too many values"}
	}
	if depth > maxDepth {
		return &SyntaxError{Format: FormatJSON, Line: at.Line, Col: at.Col, Msg: "the document nests too deeply"}
	}
	return nil
}

func (p *jsonParser) object(depth int) (mapping, error) {
	m := mapping{}
	seen := map[string]bool{}
	for {
		at := p.here()
		tok, err := p.token()
		if err != nil {
			return nil, eofIsSyntax(err)
		}
		if d, ok := tok.(json.Delim); ok && d == '}' {
			return m, nil
		}
		key, ok := tok.(string)
		if !ok {
			return nil, &SyntaxError{Format: FormatJSON, Line: at.Line, Col: at.Col, Msg: "expected an object key"}
		}
		if seen[key] {
			return nil, &SyntaxError{Format: FormatJSON, Line: at.Line, Col: at.Col, Msg: "duplicate key"}
		}
		seen[key] = true
		vat := p.here()
		v, err := p.value(depth+1, vat)
		if err != nil {
			return nil, err
		}
		m = append(m, node{Key: key, Value: v, Pos: vat})
	}
}

func (p *jsonParser) array(depth int) (list, error) {
	l := list{}
	for {
		at := p.here()
		if !p.dec.More() {
			tok, err := p.token()
			if err != nil {
				return nil, eofIsSyntax(err)
			}
			if d, ok := tok.(json.Delim); ok && d == ']' {
				return l, nil
			}
			return nil, &SyntaxError{Format: FormatJSON, Line: at.Line, Col: at.Col, Msg: "expected ] at the end of a list"}
		}
		v, err := p.value(depth+1, at)
		if err != nil {
			return nil, err
		}
		l = append(l, node{Value: v, Pos: at})
	}
}

func (p *jsonParser) value(depth int, at pos) (any, error) {
	if err := p.count(depth, at); err != nil {
		return nil, err
	}
	tok, err := p.token()
	if err != nil {
		return nil, eofIsSyntax(err)
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			return p.object(depth)
		case '[':
			return p.array(depth)
		}
		return nil, &SyntaxError{Format: FormatJSON, Line: at.Line, Col: at.Col, Msg: "expected a value"}
	case json.Number:
		if i, err := t.Int64(); err == nil {
			return int(i), nil
		}
		f, err := t.Float64()
		if err != nil {
			return nil, &SyntaxError{Format: FormatJSON, Line: at.Line, Col: at.Col, Msg: "number out of range"}
		}
		return f, nil
	case string, bool, nil:
		return t, nil
	}
	return nil, &SyntaxError{Format: FormatJSON, Line: at.Line, Col: at.Col, Msg: "unexpected token"}
}

func eofIsSyntax(err error) error {
	if err == io.EOF {
		return &SyntaxError{Format: FormatJSON, Msg: "unexpected end of file"}
	}
	return err
}

func (jsonStore) emitPlain(docs []mapping) ([]byte, error) {
	if len(docs) != 1 {
		return nil, fmt.Errorf("a JSON file holds one document, not %d", len(docs))
	}
	var raw bytes.Buffer
	if err := jsonEncode(&raw, docs[0]); err != nil {
		return nil, err
	}
	var out bytes.Buffer
	if err := json.Indent(&out, raw.Bytes(), "", "\t"); err != nil {
		return nil, errors.New("writing json: internal error indenting output")
	}
	out.WriteByte('\n')
	return out.Bytes(), nil
}

func jsonEncode(b *bytes.Buffer, v any) error {
	switch v := v.(type) {
	case mapping:
		b.WriteByte('{')
		first := true
		for _, n := range v {
			if _, isC := n.Value.(comment); isC {
				continue
			}
			if !first {
				b.WriteByte(',')
			}
			first = false
			k, err := json.Marshal(n.Key)
			if err != nil {
				return errors.New("writing json: a key cannot be written")
			}
			b.Write(k)
			b.WriteString(": ")
			if err := jsonEncode(b, n.Value); err != nil {
				return err
			}
		}
		b.WriteByte('}')
	case list:
		b.WriteByte('[')
		first := true
		for _, n := range v {
			if _, isC := n.Value.(comment); isC {
				continue
			}
			if !first {
				b.WriteByte(',')
			}
			first = false
			if err := jsonEncode(b, n.Value); err != nil {
				return err
			}
		}
		b.WriteByte(']')
	default:
		out, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("writing json: a %s value cannot be written", typeName(v))
		}
		b.Write(out)
	}
	return nil
}

func (s jsonStore) loadEncrypted(data []byte) ([]mapping, *Metadata, error) {
	docs, err := s.loadPlain(data)
	if err != nil {
		return nil, nil, err
	}
	return extractMetadata(docs)
}

func (s jsonStore) emitEncrypted(docs []mapping, md *Metadata) ([]byte, error) {
	withMD, err := appendMetadata(docs, md)
	if err != nil {
		return nil, err
	}
	return s.emitPlain(withMD)
}

// binaryStore treats a whole file as one string value under the key
// "data"; encrypted, it is a JSON document.
type binaryStore struct{}

const binaryKey = "data"

func (binaryStore) loadPlain(data []byte) ([]mapping, error) {
	return []mapping{{{Key: binaryKey, Value: string(data)}}}, nil
}

func (binaryStore) emitPlain(docs []mapping) ([]byte, error) {
	if len(docs) != 1 {
		return nil, errors.New("a binary secret holds one document")
	}
	for _, n := range docs[0] {
		if n.Key != binaryKey {
			continue
		}
		switch v := n.Value.(type) {
		case string:
			return []byte(v), nil
		case []byte:
			return v, nil
		}
		return nil, errors.New(`the "data" key of a binary secret does not hold a string`)
	}
	return nil, errors.New(`a binary secret has no "data" key`)
}

func (binaryStore) loadEncrypted(data []byte) ([]mapping, *Metadata, error) {
	return jsonStore{}.loadEncrypted(data)
}

func (binaryStore) emitEncrypted(docs []mapping, md *Metadata) ([]byte, error) {
	return jsonStore{}.emitEncrypted(docs, md)
}

// lineIndex turns byte offsets into 1-based lines and columns. Offsets
// must be asked for in increasing order for it to stay linear.
type lineIndex struct {
	data           []byte
	off, line, col int
}

func (li *lineIndex) at(off int) (line, col int) {
	if off < li.off || li.line == 0 {
		li.off, li.line, li.col = 0, 1, 1
	}
	off = min(off, len(li.data))
	for ; li.off < off; li.off++ {
		if li.data[li.off] == '\n' {
			li.line++
			li.col = 1
		} else {
			li.col++
		}
	}
	return li.line, li.col
}

// formatScalar renders a leaf the way dotenv files and `get` show it.
func formatScalar(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case []byte:
		return string(v)
	case int:
		return strconv.Itoa(v)
	case float64:
		s := strconv.FormatFloat(v, 'G', -1, 64)
		if !bytes.ContainsAny([]byte(s), ".E") {
			s = strconv.FormatFloat(v, 'f', 1, 64)
		}
		return s
	case bool:
		return strconv.FormatBool(v)
	case nil:
		return ""
	case time.Time:
		return v.Format(time.RFC3339)
	}
	return fmt.Sprint(v)
}

func jsonIndent(out *bytes.Buffer, raw []byte) error {
	if err := json.Indent(out, raw, "", "\t"); err != nil {
		return errors.New("writing json: internal error indenting output")
	}
	return nil
}
