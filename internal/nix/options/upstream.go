package options

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/gob"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Classes are the module classes an index is built for.
var Classes = []string{"nixos", "darwin", "home"}

// upstreamTree says where in an input's source the modules of a class
// live, and which option namespace the input adds when it is not indexed.
type upstreamTree struct {
	input string
	sub   string
	main  bool // the class's own tree: without it there is no index
}

// upstreamTrees lists, per class, the trees read from each known input.
var upstreamTrees = map[string][]upstreamTree{
	"nixos": {
		{input: "nixpkgs", sub: "nixos/modules", main: true},
		{input: "sops-nix", sub: "modules/sops"},
		{input: "home-manager", sub: "nixos"},
	},
	"darwin": {
		{input: "nix-darwin", sub: "modules", main: true},
		{input: "sops-nix", sub: "modules/nix-darwin"},
		{input: "home-manager", sub: "nix-darwin"},
	},
	"home": {
		{input: "home-manager", sub: "modules", main: true},
		{input: "sops-nix", sub: "modules/home-manager"},
	},
}

// inputNamespaces are the option namespaces an input's modules declare,
// accepted unchecked when that input's tree is not indexed.
var inputNamespaces = map[string][]string{
	"sops-nix":     {"sops"},
	"home-manager": {"home-manager"},
	"nix-homebrew": {"nix-homebrew"},
}

// Source is where an input's source tree is: given by the user, or the
// locked input's store path.
type Source struct {
	Input string `json:"input"`
	Dir   string `json:"dir"`
	// Rev is the locked revision ("" for a tree given by path).
	Rev string `json:"rev,omitempty"`
	// How says how it was found: "given" or "flake.lock".
	How string `json:"how"`
}

// Sources finds the source trees of a fleet's inputs: those given
// (input name to folder) first, then the inputs of flake.lock in root
// whose locked narHash names a store path that exists under store
// (/nix/store). Missing lock files or store paths are not errors: the
// input has no tree.
func Sources(root, store string, given map[string]string) ([]Source, []string, error) {
	var out []Source
	have := map[string]bool{}
	for _, in := range sortedKeys(given) {
		dir := given[in]
		if !filepath.IsAbs(dir) {
			dir = filepath.Join(root, dir)
		}
		st, err := os.Stat(dir)
		if err != nil {
			return nil, nil, fmt.Errorf("upstream tree of %s: %w", in, err)
		}
		if !st.IsDir() {
			return nil, nil, fmt.Errorf("upstream tree of %s: %s is not a folder", in, dir)
		}
		out = append(out, Source{Input: in, Dir: dir, How: "given"})
		have[in] = true
	}
	lock, err := readLock(filepath.Join(root, "flake.lock"))
	if err != nil {
		return nil, nil, err
	}
	var inputs []string
	for _, in := range sortedKeys(lock) {
		inputs = append(inputs, in)
		l := lock[in]
		if have[in] || store == "" || l.NarHash == "" {
			continue
		}
		p, err := StorePath(store, l.NarHash)
		if err != nil {
			continue
		}
		if st, err := os.Stat(p); err == nil && st.IsDir() {
			out = append(out, Source{Input: in, Dir: p, Rev: l.Rev, How: "flake.lock"})
		}
	}
	return out, inputs, nil
}

type lockedInput struct {
	Rev     string
	NarHash string
}

// readLock reads the direct inputs of the root node of a flake.lock; no
// file is no inputs.
func readLock(file string) (map[string]lockedInput, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		if os.IsNotExist(err) {
			return nil, nil
		}
		return nil, err
	}
	var lf struct {
		Nodes map[string]struct {
			Inputs map[string]json.RawMessage `json:"inputs"`
			Locked struct {
				Rev     string `json:"rev"`
				NarHash string `json:"narHash"`
			} `json:"locked"`
		} `json:"nodes"`
		Root string `json:"root"`
	}
	if err := json.Unmarshal(data, &lf); err != nil {
		return nil, fmt.Errorf("%s: %v (run nix flake lock to rewrite it)", file, err)
	}
	rootNode, ok := lf.Nodes[lf.Root]
	if !ok {
		return nil, nil
	}
	out := map[string]lockedInput{}
	for name, ref := range rootNode.Inputs {
		var node string
		if json.Unmarshal(ref, &node) != nil {
			continue // a follows path
		}
		n := lf.Nodes[node]
		out[name] = lockedInput{Rev: n.Locked.Rev, NarHash: n.Locked.NarHash}
	}
	return out, nil
}

// StorePath returns the store path Nix gives a flake input's source with
// the given NAR hash (SRI sha256-...): a fixed-output path named
// "source".
func StorePath(store, narHash string) (string, error) {
	b64, ok := strings.CutPrefix(narHash, "sha256-")
	if !ok {
		return "", fmt.Errorf("narHash %q is not sha256", narHash)
	}
	sum, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || len(sum) != sha256.Size {
		return "", fmt.Errorf("narHash %q is not valid base64 sha256", narHash)
	}
	fp := "source:sha256:" + hex.EncodeToString(sum) + ":" + store + ":source"
	h := sha256.Sum256([]byte(fp))
	var c [20]byte
	for i, b := range h {
		c[i%20] ^= b
	}
	return filepath.Join(store, nixBase32(c[:])+"-source"), nil
}

// nixBase32 is Nix's base-32 encoding of hashes.
func nixBase32(b []byte) string {
	const chars = "0123456789abcdfghijklmnpqrsvwxyz"
	n := (len(b)*8-1)/5 + 1
	out := make([]byte, n)
	for i := n - 1; i >= 0; i-- {
		bit := i * 5
		j, k := bit/8, bit%8
		c := b[j] >> k
		if j+1 < len(b) {
			c |= b[j+1] << (8 - k)
		}
		out[n-1-i] = chars[c&0x1f]
	}
	return string(out)
}

// Plan is what an index of a class reads: the trees found, and the
// namespaces of inputs without a tree, accepted unchecked.
type Plan struct {
	Class string
	Trees []Tree
	// Open are namespaces accepted unchecked: those of known inputs
	// whose tree was not found, and the names of unknown inputs.
	Open []string
}

// Plans returns what can be indexed per class from the sources found
// and the fleet's inputs; a class whose own tree (nixpkgs, nix-darwin,
// home-manager) was not found has no plan.
func Plans(sources []Source, inputs []string) map[string]*Plan {
	byInput := map[string]Source{}
	for _, s := range sources {
		byInput[s.Input] = s
		inputs = append(inputs, s.Input)
	}
	out := map[string]*Plan{}
	for _, class := range Classes {
		p := &Plan{Class: class}
		used := map[string]bool{}
		ok := false
		for _, ut := range upstreamTrees[class] {
			used[ut.input] = true
			s, found := byInput[ut.input]
			dir := ""
			if found {
				dir = filepath.Join(s.Dir, filepath.FromSlash(ut.sub))
				if st, err := os.Stat(dir); err != nil || !st.IsDir() {
					found = false
				}
			}
			if !found {
				p.Open = append(p.Open, inputNamespaces[ut.input]...)
				continue
			}
			if ut.main {
				ok = true
			}
			rev := s.Rev
			if rev == "" {
				rev = s.Dir
			}
			p.Trees = append(p.Trees, Tree{Input: ut.input, Dir: dir, Rev: rev, Name: ut.input + "/" + ut.sub})
		}
		for _, in := range inputs {
			if !used[in] && in != "self" && in != "flake-utils" && in != "systems" {
				if ns, known := inputNamespaces[in]; known {
					p.Open = append(p.Open, ns...)
				} else {
					p.Open = append(p.Open, in)
				}
				used[in] = true
			}
		}
		if ok {
			sort.Strings(p.Open)
			out[class] = p
		}
	}
	return out
}

// cacheVersion changes whenever what an index holds, or how it is read
// from the trees, changes: indexes of other versions are not read.
const cacheVersion = "4"

// LoadIndex returns the index of a plan, from cacheDir when an index of
// the same trees (by revision, or by the names, sizes and times of the
// files of a tree given by path) is there, else built and written there.
// cacheDir "" disables the cache. fromCache says whether it was read.
func LoadIndex(p *Plan, cacheDir string) (ix *Index, fromCache bool, err error) {
	key, err := cacheKey(p)
	if err != nil {
		return nil, false, err
	}
	file := ""
	if cacheDir != "" {
		file = filepath.Join(cacheDir, p.Class+"-"+key+".gob")
		if data, err := os.ReadFile(file); err == nil {
			var c Index
			if gob.NewDecoder(bytes.NewReader(data)).Decode(&c) == nil {
				c.link()
				return &c, true, nil
			}
		}
	}
	ix, err = BuildIndex(p.Class, p.Trees)
	if err != nil {
		return nil, false, err
	}
	for _, ns := range p.Open {
		ix.Entries = append(ix.Entries, IndexEntry{Path: ns, Open: "declared by the input " + ns + ", whose tree is not indexed"})
	}
	ix.link()
	if file != "" {
		var buf bytes.Buffer
		if err := gob.NewEncoder(&buf).Encode(ix); err == nil {
			// The cache is best effort: a read-only cache folder only
			// costs the next run a rebuild.
			if os.MkdirAll(cacheDir, 0o755) == nil {
				tmp := file + ".tmp"
				if os.WriteFile(tmp, buf.Bytes(), 0o644) == nil {
					_ = os.Rename(tmp, file)
				}
			}
		}
	}
	return ix, false, nil
}

// cacheKey names a plan's index: its trees' revisions, or for a tree
// without one the names, sizes and times of its .nix files.
func cacheKey(p *Plan) (string, error) {
	h := sha256.New()
	fmt.Fprintf(h, "v%s\x00%s\x00%s\x00", cacheVersion, p.Class, strings.Join(p.Open, ","))
	for _, t := range p.Trees {
		fmt.Fprintf(h, "%s\x00%s\x00%s\x00", t.Input, t.Dir, t.Rev)
		if strings.HasPrefix(t.Dir, "/nix/store/") {
			continue // immutable
		}
		err := filepath.WalkDir(t.Dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".nix") {
				return err
			}
			info, err := d.Info()
			if err != nil {
				return err
			}
			fmt.Fprintf(h, "%s\x00%d\x00%d\x00", path, info.Size(), info.ModTime().UnixNano())
			return nil
		})
		if err != nil {
			return "", err
		}
	}
	return hex.EncodeToString(h.Sum(nil))[:24], nil
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
