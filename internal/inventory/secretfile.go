package inventory

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"

	"go.yaml.in/yaml/v3"
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
	}
	return "yaml"
}

// SecretDataKeys returns the top-level keys of a SOPS file without
// decrypting it (keys are stored in the clear), leaving out the sops
// metadata. Binary files have none.
func (inv *Inventory) SecretDataKeys(rel string) ([]string, error) {
	data, err := os.ReadFile(filepath.Join(inv.Root, filepath.FromSlash(rel)))
	if err != nil {
		return nil, err
	}
	var keys []string
	switch SecretFormat(rel) {
	case "binary":
		return nil, nil
	case "json":
		dec := json.NewDecoder(bytes.NewReader(data))
		if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
			return nil, fmt.Errorf("%s is not a JSON object", rel)
		}
		for dec.More() {
			tok, err := dec.Token()
			if err != nil {
				return nil, fmt.Errorf("%s: %v", rel, err)
			}
			k, _ := tok.(string)
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return nil, fmt.Errorf("%s: %v", rel, err)
			}
			if k != "sops" {
				keys = append(keys, k)
			}
		}
	case "dotenv":
		sc := bufio.NewScanner(bytes.NewReader(data))
		for sc.Scan() {
			line := sc.Text()
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			if k, _, ok := strings.Cut(line, "="); ok && !strings.HasPrefix(k, "sops_") {
				keys = append(keys, k)
			}
		}
	default:
		var doc yaml.Node
		if err := yaml.Unmarshal(data, &doc); err != nil {
			return nil, fmt.Errorf("%s is not valid YAML", rel)
		}
		if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
			return nil, fmt.Errorf("%s is not a YAML mapping", rel)
		}
		m := doc.Content[0]
		for i := 0; i+1 < len(m.Content); i += 2 {
			if k := m.Content[i].Value; k != "sops" {
				keys = append(keys, k)
			}
		}
	}
	return keys, nil
}
