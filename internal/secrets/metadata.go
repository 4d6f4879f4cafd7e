package secrets

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// DefaultUnencryptedSuffix is the crypt rule sops applies when a file names
// none: keys ending in it, and everything below them, stay plaintext.
const DefaultUnencryptedSuffix = "_unencrypted"

// SopsVersion is the sops version fleet writes into the metadata of its
// files: the version its interoperability tests run against.
const SopsVersion = "3.13.3"

// AgeKey is one recipient of a file's data key and the data key wrapped for
// it (an armored age file).
type AgeKey struct {
	Recipient string
	Enc       string
}

// Metadata is the "sops" block of a file, restricted to what fleet
// supports: one key group of age recipients.
type Metadata struct {
	Age          []AgeKey
	LastModified time.Time
	// MAC is the encrypted MAC, an ENC[...] value.
	MAC string

	// Crypt rules: at most one is set. With none, sops reads a file as if
	// UnencryptedSuffix were DefaultUnencryptedSuffix.
	UnencryptedSuffix       string
	EncryptedSuffix         string
	UnencryptedRegex        string
	EncryptedRegex          string
	UnencryptedCommentRegex string
	EncryptedCommentRegex   string

	MACOnlyEncrypted bool
	// ShamirThreshold is kept as the file has it (sops writes it when a
	// creation rule sets it, even with the single key group fleet reads,
	// where it changes nothing); 0 when absent.
	ShamirThreshold int
	Version         string
}

// Recipients returns the recipients of the data key, in file order.
func (m *Metadata) Recipients() []string {
	out := make([]string, len(m.Age))
	for i, k := range m.Age {
		out[i] = k.Recipient
	}
	return out
}

func (m *Metadata) cryptRuleCount() int {
	n := 0
	for _, s := range []string{m.UnencryptedSuffix, m.EncryptedSuffix, m.UnencryptedRegex, m.EncryptedRegex, m.UnencryptedCommentRegex, m.EncryptedCommentRegex} {
		if s != "" {
			n++
		}
	}
	return n
}

func (m *Metadata) clone() *Metadata {
	c := *m
	c.Age = slices.Clone(m.Age)
	return &c
}

// toMapping renders the metadata as sops 3.13 does: keys in alphabetical
// order, empty optional keys left out.
func (m *Metadata) toMapping() mapping {
	var age list
	for _, k := range m.Age {
		age = append(age, node{Value: mapping{{Key: "enc", Value: k.Enc}, {Key: "recipient", Value: k.Recipient}}})
	}
	var out mapping
	add := func(k string, v any) { out = append(out, node{Key: k, Value: v}) }
	if len(age) > 0 {
		add("age", age)
	}
	opt := func(k, v string) {
		if v != "" {
			add(k, v)
		}
	}
	opt("encrypted_comment_regex", m.EncryptedCommentRegex)
	opt("encrypted_regex", m.EncryptedRegex)
	opt("encrypted_suffix", m.EncryptedSuffix)
	add("lastmodified", m.LastModified.Format(time.RFC3339))
	add("mac", m.MAC)
	if m.MACOnlyEncrypted {
		add("mac_only_encrypted", true)
	}
	if m.ShamirThreshold != 0 {
		add("shamir_threshold", m.ShamirThreshold)
	}
	opt("unencrypted_comment_regex", m.UnencryptedCommentRegex)
	opt("unencrypted_regex", m.UnencryptedRegex)
	opt("unencrypted_suffix", m.UnencryptedSuffix)
	add("version", m.Version)
	return out
}

// metadataFromMapping reads the sops block. Like sops, it converts scalar
// types loosely, ignores unknown keys and empty lists of other key types,
// and accepts the older key orders. It refuses what fleet would silently
// drop: pgp and cloud KMS keys, and several key groups.
func metadataFromMapping(m mapping) (*Metadata, error) {
	md := &Metadata{}
	var lastModified string
	var groupAge []AgeKey
	haveGroups := false
	for _, n := range m {
		if _, isC := n.Value.(comment); isC {
			continue
		}
		var err error
		switch n.Key {
		case "age":
			md.Age, err = ageKeys(n.Value)
		case "key_groups":
			groupAge, haveGroups, err = keyGroups(n.Value)
		case "pgp", "kms", "gcp_kms", "azure_kv", "hc_vault", "hckms":
			if nonEmpty(n.Value) {
				return nil, &UnsupportedError{What: fmt.Sprintf("the file has %s keys; fleet reads and writes age keys only", n.Key)}
			}
		case "lastmodified":
			if t, ok := n.Value.(time.Time); ok {
				lastModified = t.Format(time.RFC3339)
			} else {
				lastModified, err = looseString(n.Value)
			}
		case "mac":
			md.MAC, err = looseString(n.Value)
		case "unencrypted_suffix":
			md.UnencryptedSuffix, err = looseString(n.Value)
		case "encrypted_suffix":
			md.EncryptedSuffix, err = looseString(n.Value)
		case "unencrypted_regex":
			md.UnencryptedRegex, err = looseString(n.Value)
		case "encrypted_regex":
			md.EncryptedRegex, err = looseString(n.Value)
		case "unencrypted_comment_regex":
			md.UnencryptedCommentRegex, err = looseString(n.Value)
		case "encrypted_comment_regex":
			md.EncryptedCommentRegex, err = looseString(n.Value)
		case "mac_only_encrypted":
			md.MACOnlyEncrypted, err = looseBool(n.Value)
		case "version":
			md.Version, err = looseString(n.Value)
		case "shamir_threshold":
			md.ShamirThreshold, err = looseInt(n.Value)
		}
		if err != nil {
			return nil, fmt.Errorf("sops metadata: %s: %w", n.Key, err)
		}
	}
	if len(md.Age) == 0 && haveGroups {
		md.Age = groupAge
	}
	if len(md.Age) == 0 {
		return nil, errors.New("sops metadata lists no age keys")
	}
	t, err := time.Parse(time.RFC3339, lastModified)
	if err != nil {
		return nil, errors.New("sops metadata: lastmodified is not an RFC 3339 time")
	}
	md.LastModified = t
	if md.cryptRuleCount() > 1 {
		return nil, errors.New("sops metadata: more than one of encrypted_suffix, unencrypted_suffix, encrypted_regex, unencrypted_regex, encrypted_comment_regex, unencrypted_comment_regex")
	}
	if _, err := md.cryptRule(); err != nil {
		return nil, err
	}
	return md, nil
}

func nonEmpty(v any) bool {
	switch v := v.(type) {
	case nil:
		return false
	case list:
		return len(listItems(v)) > 0
	case mapping:
		return len(v) > 0
	case string:
		return v != ""
	}
	return true
}

func ageKeys(v any) ([]AgeKey, error) {
	if v == nil {
		return nil, nil
	}
	l, ok := v.(list)
	if !ok {
		return nil, errors.New("not a list")
	}
	var out []AgeKey
	for _, it := range listItems(l) {
		m, ok := it.Value.(mapping)
		if !ok {
			return nil, errors.New("an entry is not a mapping")
		}
		var k AgeKey
		for _, n := range m {
			var err error
			switch n.Key {
			case "recipient":
				k.Recipient, err = looseString(n.Value)
			case "enc":
				k.Enc, err = looseString(n.Value)
			}
			if err != nil {
				return nil, err
			}
		}
		k.Recipient = strings.TrimSpace(k.Recipient)
		if k.Recipient == "" || k.Enc == "" {
			return nil, errors.New("an entry lacks its recipient or enc")
		}
		out = append(out, k)
	}
	return out, nil
}

// keyGroups accepts the key_groups form only when it holds a single group
// of age keys, which is the same as the top-level form.
func keyGroups(v any) ([]AgeKey, bool, error) {
	if v == nil {
		return nil, false, nil
	}
	l, ok := v.(list)
	if !ok {
		return nil, false, errors.New("not a list")
	}
	items := listItems(l)
	switch {
	case len(items) == 0:
		return nil, false, nil
	case len(items) > 1:
		return nil, false, &UnsupportedError{What: fmt.Sprintf("the file splits its data key over %d key groups (Shamir); fleet writes one group", len(items))}
	}
	g, ok := items[0].Value.(mapping)
	if !ok {
		return nil, false, errors.New("a key group is not a mapping")
	}
	var age []AgeKey
	for _, n := range g {
		switch n.Key {
		case "age":
			var err error
			if age, err = ageKeys(n.Value); err != nil {
				return nil, false, err
			}
		default:
			if _, isC := n.Value.(comment); !isC && nonEmpty(n.Value) {
				return nil, false, &UnsupportedError{What: fmt.Sprintf("the file's key group has %s keys; fleet reads and writes age keys only", n.Key)}
			}
		}
	}
	return age, true, nil
}

// looseString converts a scalar to a string the way mapstructure's weak
// typing does for sops.
func looseString(v any) (string, error) {
	switch v := v.(type) {
	case nil:
		return "", nil
	case string:
		return v, nil
	case int:
		return strconv.Itoa(v), nil
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64), nil
	case bool:
		if v {
			return "1", nil
		}
		return "0", nil
	}
	return "", fmt.Errorf("expected a string, found a %s", typeName(v))
}

func looseInt(v any) (int, error) {
	switch v := v.(type) {
	case int:
		return v, nil
	case float64:
		if v == float64(int(v)) {
			return int(v), nil
		}
	case string:
		n, err := strconv.Atoi(v)
		if err != nil {
			return 0, errors.New("expected an integer")
		}
		return n, nil
	}
	return 0, fmt.Errorf("expected an integer, found a %s", typeName(v))
}

func looseBool(v any) (bool, error) {
	switch v := v.(type) {
	case nil:
		return false, nil
	case bool:
		return v, nil
	case int:
		return v != 0, nil
	case float64:
		return v != 0, nil
	case string:
		if v == "" {
			return false, nil
		}
		b, err := strconv.ParseBool(v)
		if err != nil {
			return false, errors.New("expected a boolean")
		}
		return b, nil
	}
	return false, fmt.Errorf("expected a boolean, found a %s", typeName(v))
}

// Flattened metadata (dotenv): "sops_age__list_0__map_enc" and so on.
const (
	flatPrefix  = "sops_"
	flatMapSep  = "__map_"
	flatListSep = "__list_"
)

// flatten renders a mapping as flat keys below prefix.
func flatten(m mapping, prefix string) []node {
	var out []node
	var walk func(v any, key string)
	walk = func(v any, key string) {
		switch v := v.(type) {
		case mapping:
			for _, n := range v {
				if _, isC := n.Value.(comment); !isC {
					walk(n.Value, key+flatMapSep+n.Key)
				}
			}
		case list:
			for i, it := range listItems(v) {
				walk(it.Value, key+flatListSep+strconv.Itoa(i))
			}
		default:
			out = append(out, node{Key: key, Value: v})
		}
	}
	for _, n := range m {
		if _, isC := n.Value.(comment); !isC {
			walk(n.Value, prefix+n.Key)
		}
	}
	return out
}

// flatTree is the trie unflatten builds.
type flatTree struct {
	value   *any
	keys    map[string]*flatTree
	indices map[int]*flatTree
}

// unflatten rebuilds nested metadata from flat keys (prefix removed).
func unflatten(nodes []node) (mapping, error) {
	root := &flatTree{}
	for _, n := range nodes {
		cur := root
		for _, tok := range flatTokens(n.Key) {
			var next *flatTree
			if tok.isIndex {
				if cur.indices == nil {
					cur.indices = map[int]*flatTree{}
				}
				if next = cur.indices[tok.index]; next == nil {
					next = &flatTree{}
					cur.indices[tok.index] = next
				}
			} else {
				if cur.keys == nil {
					cur.keys = map[string]*flatTree{}
				}
				if next = cur.keys[tok.key]; next == nil {
					next = &flatTree{}
					cur.keys[tok.key] = next
				}
			}
			cur = next
		}
		if cur.value != nil {
			return nil, fmt.Errorf("sops metadata: duplicate key %s%s", flatPrefix, n.Key)
		}
		v := n.Value
		cur.value = &v
	}
	v, err := root.build()
	if err != nil {
		return nil, err
	}
	m, ok := v.(mapping)
	if !ok {
		return nil, errors.New("sops metadata: flattened keys do not form a mapping")
	}
	return m, nil
}

func (t *flatTree) build() (any, error) {
	kinds := 0
	for _, b := range []bool{t.value != nil, len(t.keys) > 0, len(t.indices) > 0} {
		if b {
			kinds++
		}
	}
	switch {
	case kinds > 1:
		return nil, errors.New("sops metadata: a flattened key is both a value and a container")
	case t.value != nil:
		return *t.value, nil
	case len(t.indices) > 0:
		lo, hi := math.MaxInt, math.MinInt
		for i := range t.indices {
			lo, hi = min(lo, i), max(hi, i)
		}
		if lo != 0 || hi+1 != len(t.indices) {
			return nil, errors.New("sops metadata: a flattened list has gaps")
		}
		out := make(list, hi+1)
		for i, c := range t.indices {
			v, err := c.build()
			if err != nil {
				return nil, err
			}
			out[i] = node{Value: v}
		}
		return out, nil
	}
	keys := make([]string, 0, len(t.keys))
	for k := range t.keys {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	out := make(mapping, 0, len(keys))
	for _, k := range keys {
		v, err := t.keys[k].build()
		if err != nil {
			return nil, err
		}
		out = append(out, node{Key: k, Value: v})
	}
	return out, nil
}

type flatToken struct {
	key     string
	index   int
	isIndex bool
}

// flatTokens splits "age__list_0__map_enc" into age, [0], enc.
func flatTokens(key string) []flatToken {
	var toks []flatToken
	kind, start, i := 0, 0, 0 // kind: 0 first key, 1 map key, 2 list index
	finish := func() {
		switch kind {
		case 0:
			toks = append(toks, flatToken{key: key[start:i]})
		case 1:
			toks = append(toks, flatToken{key: key[start+len(flatMapSep) : i]})
		case 2:
			n, _ := strconv.Atoi(key[start+len(flatListSep) : i])
			toks = append(toks, flatToken{index: n, isIndex: true})
		}
		start = i
	}
	for i < len(key) {
		switch {
		case strings.HasPrefix(key[i:], flatMapSep):
			finish()
			kind = 1
			i += len(flatMapSep)
		case strings.HasPrefix(key[i:], flatListSep):
			finish()
			kind = 2
			i += len(flatListSep)
		default:
			i++
		}
	}
	finish()
	return toks
}
