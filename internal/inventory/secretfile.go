package inventory

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"path"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/fleetdev/fleet/internal/sopsyaml"
)

// SecretFormat is the SOPS format of a secret file, named as sops-nix
// names it.
func SecretFormat(rel string) string {
	switch path.Ext(rel) {
	case ".json":
		return "json"
	case ".env":
		return "dotenv"
	case ".bin":
		return "binary"
	case ".ini":
		return "ini"
	}
	return "yaml"
}

// SecretDataKeys returns the top-level keys of a SOPS file without
// decrypting it (keys are stored in the clear), leaving out the sops
// metadata. Binary files have none.
func (inv *Inventory) SecretDataKeys(rel string) ([]string, error) {
	values, err := inv.SecretValues(rel)
	var keys []string
	for _, v := range values {
		if v.Depth == 0 {
			keys = append(keys, v.Key)
		}
	}
	return keys, err
}

// SecretValue is one value of a SOPS file as its clear parts tell:
// its key path ("db/password" for nested keys, as sops-nix names them)
// and its type. Type is what sops records in the value's ENC[...]
// envelope ("str", "int", "float", "bool", "bytes"), or "map" and "list"
// for a nested mapping and a sequence; "" when it cannot tell.
type SecretValue struct {
	Key  string
	Type string
	// Depth is 0 for a top-level key, 1 for a key of a nested mapping...
	Depth int
}

// SecretValues lists the values of a SOPS file without decrypting it, in
// file order, a nested mapping before its own values. Binary files have
// none; dotenv values are strings.
func (inv *Inventory) SecretValues(rel string) ([]SecretValue, error) {
	if inv.secretValues == nil {
		return inv.readSecretValues(rel)
	}
	type cached struct {
		values []SecretValue
		err    error
	}
	if c, ok := inv.secretValues.Load(rel); ok {
		return c.(cached).values, c.(cached).err
	}
	values, err := inv.readSecretValues(rel)
	inv.secretValues.Store(rel, cached{values, err})
	return values, err
}

func (inv *Inventory) readSecretValues(rel string) ([]SecretValue, error) {
	data, err := inv.ReadFile(rel)
	if err != nil {
		return nil, err
	}
	return secretValues(rel, data, true)
}

// secretValues lists the values of the secret file rel holding data;
// scan reads YAML in the layout sops writes without a YAML parser.
func secretValues(rel string, data []byte, scan bool) ([]SecretValue, error) {
	var out []SecretValue
	switch SecretFormat(rel) {
	case "binary", "ini":
		return nil, nil
	case "dotenv":
		sc := bufio.NewScanner(bytes.NewReader(data))
		for sc.Scan() {
			line := sc.Text()
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			if k, _, ok := strings.Cut(line, "="); ok && !strings.HasPrefix(k, "sops_") {
				out = append(out, SecretValue{Key: k, Type: "str"})
			}
		}
		return out, nil
	case "json":
		dec := json.NewDecoder(bytes.NewReader(data))
		if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
			return nil, fmt.Errorf("%s is not a JSON object", rel)
		}
		if err := jsonValues(dec, "", 0, &out); err != nil {
			return nil, fmt.Errorf("%s: %v", rel, err)
		}
		return out, nil
	}
	if scan {
		if f, ok := sopsyaml.Scan(data); ok {
			// The layout sops writes, read without a YAML parser.
			for _, v := range f.Values {
				sv := SecretValue{Key: strings.Join(v.Path, "/"), Type: "map", Depth: len(v.Path) - 1}
				if !v.Map {
					sv.Type = encType(v.Text)
				}
				out = append(out, sv)
			}
			return out, nil
		}
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%s is not valid YAML", rel)
	}
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%s is not a YAML mapping", rel)
	}
	yamlValues(doc.Content[0], "", 0, &out)
	return out, nil
}

// yamlValues appends the values of a mapping below prefix.
func yamlValues(m *yaml.Node, prefix string, depth int, out *[]SecretValue) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i].Value, m.Content[i+1]
		if prefix == "" && k == "sops" {
			continue
		}
		switch v.Kind {
		case yaml.MappingNode:
			*out = append(*out, SecretValue{Key: prefix + k, Type: "map", Depth: depth})
			yamlValues(v, prefix+k+"/", depth+1, out)
		case yaml.SequenceNode:
			*out = append(*out, SecretValue{Key: prefix + k, Type: "list", Depth: depth})
		default:
			*out = append(*out, SecretValue{Key: prefix + k, Type: encType(v.Value), Depth: depth})
		}
	}
}

// jsonValues appends the values of the object dec is in (after its '{')
// below prefix, up to and including its '}'.
func jsonValues(dec *json.Decoder, prefix string, depth int, out *[]SecretValue) error {
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		k, _ := tok.(string)
		tok, err = dec.Token()
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case json.Delim:
			if t == '{' {
				if prefix != "" || k != "sops" {
					*out = append(*out, SecretValue{Key: prefix + k, Type: "map", Depth: depth})
				}
				var sub []SecretValue
				if err := jsonValues(dec, prefix+k+"/", depth+1, &sub); err != nil {
					return err
				}
				if prefix != "" || k != "sops" {
					*out = append(*out, sub...)
				}
				continue
			}
			// A list: skip to its end.
			*out = append(*out, SecretValue{Key: prefix + k, Type: "list", Depth: depth})
			for open := 1; open > 0; {
				tok, err := dec.Token()
				if err != nil {
					return err
				}
				if d, ok := tok.(json.Delim); ok {
					if d == '[' || d == '{' {
						open++
					} else {
						open--
					}
				}
			}
		case string:
			*out = append(*out, SecretValue{Key: prefix + k, Type: encType(t), Depth: depth})
		default:
			*out = append(*out, SecretValue{Key: prefix + k, Depth: depth})
		}
	}
	_, err := dec.Token() // the closing '}'
	return err
}

// encType reads the type of a sops ENC[AES256_GCM,...,type:T] value.
func encType(s string) string {
	if !strings.HasPrefix(s, "ENC[") || !strings.HasSuffix(s, "]") {
		return ""
	}
	for _, part := range strings.Split(s[4:len(s)-1], ",") {
		if t, ok := strings.CutPrefix(part, "type:"); ok {
			return t
		}
	}
	return ""
}
