package secrets

import (
	"context"
	"errors"
	"fmt"
	"slices"
)

// RekeyOptions drives Rekey.
type RekeyOptions struct {
	// Rotate gives every file that is rekeyed a new data key and
	// re-encrypts all its values, as `sops rotate` does. Without it the
	// data key stays and is only wrapped for the new recipients, as
	// `sops updatekeys` does.
	Rotate bool
	// All processes files whose recipients are already right too (with
	// Rotate: rotate every data key).
	All bool
	// Paths limits Rekey to these files; empty means every file of the
	// secrets tree.
	Paths []string
	// DryRun reports what would change and writes nothing.
	DryRun bool
}

// RekeyAction is what Rekey did to a file.
type RekeyAction string

// Rekey actions.
const (
	ActionUpToDate RekeyAction = "up-to-date"
	ActionRekeyed  RekeyAction = "rekeyed"
	ActionRotated  RekeyAction = "rotated"
	ActionFailed   RekeyAction = "failed"
)

// RekeyResult is the outcome for one file.
type RekeyResult struct {
	Path   string      `json:"path"`
	Action RekeyAction `json:"action"`
	// Added and Removed are recipients, in the access rules' order.
	Added   []string `json:"added,omitempty"`
	Removed []string `json:"removed,omitempty"`
	// Warning says what is left to do, such as rotating after a recipient
	// was removed.
	Warning string `json:"warning,omitempty"`
	Err     error  `json:"-"`
	Error   string `json:"error,omitempty"`
}

// Rekey brings every secret file's recipients in line with the access
// rules: files whose recipients differ are re-wrapped (or rotated), others
// are left untouched. Each file is replaced atomically, so an interrupted
// run leaves every file either as it was or fully rekeyed. Files that
// fail are reported and the others processed; the error joins the
// failures. A cancelled context stops between files.
func (r *Repo) Rekey(ctx context.Context, opts RekeyOptions) ([]RekeyResult, error) {
	var rels []string
	if len(opts.Paths) > 0 {
		for _, p := range opts.Paths {
			rel, err := r.Rel(p)
			if err != nil {
				return nil, err
			}
			rels = append(rels, rel)
		}
	} else {
		var err error
		if rels, err = r.Files(); err != nil {
			return nil, err
		}
	}
	var results []RekeyResult
	var errs []error
	x := r.access().Index()
	for _, rel := range rels {
		if err := ctx.Err(); err != nil {
			return results, err
		}
		res := r.rekeyFile(x, rel, opts)
		if res.Err != nil {
			res.Error = res.Err.Error()
			errs = append(errs, res.Err)
		}
		results = append(results, res)
	}
	return results, errors.Join(errs...)
}

func (r *Repo) rekeyFile(x *Index, rel string, opts RekeyOptions) RekeyResult {
	res := RekeyResult{Path: rel}
	fail := func(err error) RekeyResult {
		res.Action = ActionFailed
		res.Err = fmt.Errorf("%s: %w", rel, err)
		return res
	}
	if !opts.DryRun {
		unlock, err := r.lock(rel)
		if err != nil {
			return fail(err)
		}
		defer unlock()
	}
	f, err := r.load(rel)
	if err != nil {
		res.Action = ActionFailed
		res.Err = err
		return res
	}
	want := recipientsIn(x, rel)
	have := f.Recipients()
	for _, w := range want {
		if !slices.Contains(have, w) {
			res.Added = append(res.Added, w)
		}
	}
	for _, h := range have {
		if !slices.Contains(want, h) {
			res.Removed = append(res.Removed, h)
		}
	}
	if len(want) == 0 {
		return fail(fmt.Errorf("nobody may read it: %w", ErrNoRecipients))
	}
	changed := len(res.Added) > 0 || len(res.Removed) > 0
	if !changed && !opts.All {
		res.Action = ActionUpToDate
		return res
	}
	var out []byte
	if opts.Rotate {
		d, err := f.Decrypt(r.Identities)
		if err != nil {
			return fail(err)
		}
		if err := d.Rotate(want); err != nil {
			return fail(err)
		}
		if out, err = d.Encrypt(r.now()); err != nil {
			return fail(err)
		}
		res.Action = ActionRotated
		if len(res.Removed) > 0 {
			res.Warning = "removed recipients could read the old values: change them too"
		}
	} else {
		nf, err := f.Rekey(want, r.Identities)
		if err != nil {
			return fail(err)
		}
		if out, err = nf.Marshal(); err != nil {
			return fail(err)
		}
		res.Action = ActionRekeyed
		if len(res.Removed) > 0 {
			res.Warning = "removed recipients still know the data key: run rekey --rotate, and change the values"
		}
	}
	if opts.DryRun {
		return res
	}
	if err := r.write(rel, out); err != nil {
		return fail(err)
	}
	return res
}
