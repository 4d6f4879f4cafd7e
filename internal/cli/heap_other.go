//go:build !linux

package cli

// hugeHeap does nothing here: only Linux is known to give the heap huge
// pages on request.
func (a *App) hugeHeap(int64) {}
