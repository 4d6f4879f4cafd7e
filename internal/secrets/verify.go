package secrets

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
)

// VerifyResult is one file of a bulk verification.
type VerifyResult struct {
	Path string `json:"path"`
	OK   bool   `json:"ok"`
	// Error says why the file did not verify; it never holds a value.
	Error string `json:"error,omitempty"`
	err   error
}

// Err is the error of a file that did not verify, for errors.Is.
func (v VerifyResult) Err() error { return v.err }

// Verify decrypts every file in rels (all of the secrets tree when empty)
// with the Repo's identities, verifying values and MACs, in one process
// and in parallel, as one `sops decrypt` per file would; no plaintext is
// kept. Results are in the order of rels.
func (r *Repo) Verify(ctx context.Context, rels []string) ([]VerifyResult, error) {
	if len(rels) == 0 {
		all, err := r.Files()
		if err != nil {
			return nil, err
		}
		rels = all
	}
	out := make([]VerifyResult, len(rels))
	var wg sync.WaitGroup
	next := make(chan int)
	for range min(runtime.GOMAXPROCS(0), max(len(rels), 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				out[i] = r.verifyOne(rels[i])
			}
		}()
	}
	var err error
	for i := range rels {
		if err = ctx.Err(); err != nil {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	return out, err
}

func (r *Repo) verifyOne(rel string) VerifyResult {
	res := VerifyResult{Path: rel}
	if _, err := r.open(rel); err != nil {
		res.err = err
		res.Error = strings.TrimPrefix(err.Error(), rel+": ")
		return res
	}
	res.OK = true
	return res
}

// Env returns the document's top-level values as NAME=value strings for a
// process environment, as sops exec-env passes them: every value must be
// a scalar (strings as they are, others formatted) under a name without
// "=" or NUL. A binary secret has no names.
func (d *Document) Env() ([]string, error) {
	if d.format == FormatBinary {
		return nil, errors.New("a binary secret has no names to pass as environment variables; use exec-file")
	}
	var env []string
	for _, doc := range d.docs {
		for _, n := range doc {
			switch v := n.Value.(type) {
			case comment:
				continue
			case mapping, list:
				return nil, fmt.Errorf("%q holds a nested value: only top-level values become environment variables", n.Key)
			default:
				s := formatScalar(v)
				if n.Key == "" || strings.ContainsAny(n.Key, "=\x00") {
					return nil, fmt.Errorf("%q cannot be the name of an environment variable", n.Key)
				}
				if strings.ContainsRune(s, 0) {
					return nil, fmt.Errorf("the value of %q holds a NUL byte, which an environment variable cannot", n.Key)
				}
				env = append(env, n.Key+"="+s)
			}
		}
	}
	return env, nil
}
