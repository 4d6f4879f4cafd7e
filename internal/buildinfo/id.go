package buildinfo

import (
	"bytes"
	"crypto/sha256"
	"debug/elf"
	"encoding/hex"
	"os"
	"sync"
)

// ID names this build of fleet exactly: what fleet generates is a function
// of the fleet's files and of the build that generates it, and ID stands
// for the build. It is the Go build ID the toolchain stores in the
// executable (a digest of every source and flag that went into it) or,
// where that cannot be read, "sha256:" and the digest of the executable
// itself; "" when the executable cannot be read at all.
func ID() string {
	idOnce.Do(func() { id = readID() })
	return id
}

var (
	idOnce sync.Once
	id     string
)

func readID() string {
	exe, err := os.Executable()
	if err != nil {
		return ""
	}
	if gid := goBuildID(exe); gid != "" {
		return "go:" + gid
	}
	data, err := os.ReadFile(exe)
	if err != nil {
		return ""
	}
	sum := sha256.Sum256(data)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// goBuildID reads the Go build ID from the ELF note the linker writes
// (.note.go.buildid: owner "Go", type 4), or "".
func goBuildID(exe string) string {
	f, err := elf.Open(exe)
	if err != nil {
		return ""
	}
	defer f.Close()
	s := f.Section(".note.go.buildid")
	if s == nil {
		return ""
	}
	note, err := s.Data()
	if err != nil || len(note) < 16 {
		return ""
	}
	order := f.ByteOrder
	nameSize, descSize, typ := order.Uint32(note[0:]), order.Uint32(note[4:]), order.Uint32(note[8:])
	nameEnd := 12 + (uint64(nameSize)+3)&^3
	if typ != 4 || nameSize < 2 || nameEnd+uint64(descSize) > uint64(len(note)) || string(bytes.TrimRight(note[12:12+nameSize], "\x00")) != "Go" {
		return ""
	}
	return string(note[nameEnd : nameEnd+uint64(descSize)])
}
