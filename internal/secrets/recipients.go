package secrets

import "github.com/fleetdev/fleet/internal/sopsyaml"

// ReadRecipients returns what Parse(format, data).Recipients() returns,
// or Parse's error. A YAML file in the layout sops writes is read without
// a YAML parser: a check reads every secret file a host references for
// its recipients, and parsing them was a tenth of its work.
func ReadRecipients(format Format, data []byte) ([]string, error) {
	if format == FormatYAML {
		if f, ok := sopsyaml.Scan(data); ok {
			md, err := metadataFromMapping(sopsMapping(f.Sops))
			if err != nil {
				return nil, err
			}
			return md.Recipients(), nil
		}
	}
	f, err := Parse(format, data)
	if err != nil {
		return nil, err
	}
	return f.Recipients(), nil
}

// sopsMapping is the sops block Scan read, as the YAML loader builds it
// (without positions: metadataFromMapping does not use them).
func sopsMapping(fields []sopsyaml.Field) mapping {
	m := make(mapping, 0, len(fields))
	for _, f := range fields {
		n := node{Key: f.Key, Value: f.Text}
		if f.Age != nil {
			l := make(list, 0, len(f.Age))
			for _, entry := range f.Age {
				em := make(mapping, 0, len(entry))
				for _, ef := range entry {
					em = append(em, node{Key: ef.Key, Value: ef.Text})
				}
				l = append(l, node{Value: em})
			}
			n.Value = l
		}
		m = append(m, n)
	}
	return m
}
