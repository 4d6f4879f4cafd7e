package eval

import (
	"regexp"
	"slices"
	"strings"

	"github.com/fleetdev/fleet/internal/diag"
	"github.com/fleetdev/fleet/internal/inventory"
)

// hardwareFacts maps the attribute names of config.fleet.host.hardware
// (as fleet generate writes them) to the keys of a host's [hardware]
// table.
func hardwareFacts() map[string]string {
	return map[string]string{
		"firmware":          "firmware",
		"bootDisk":          "boot_disk",
		"partitionTable":    "partition_table",
		"biosBootPartition": "bios_boot_partition",
		"gpu":               "gpu",
		"memoryGB":          "memory_gb",
		"cpu":               "cpu",
	}
}

// tiedDefault matches a module default that reads a hardware fact: the
// option is tied to that fact.
var tiedDefault = regexp.MustCompile(`^\s*\(?\s*config\.fleet\.host\.hardware\.([A-Za-z]+)\b`)

// checkHardwareTies reports settings that contradict a hardware fact. A
// fleet module ties one of its options to a fact by defaulting it to
// config.fleet.host.hardware.<fact> (the bootloader's firmware, the
// graphics module's gpu): a layer may restate the fact, but a different
// value describes another machine than [hardware] does, and one of the
// two is wrong.
func (e *evaluator) checkHardwareTies(h *Host, dl *diag.List) {
	facts := hardwareFacts()
	hw := h.Tree.Get("hardware")
	settings := h.Tree.Get("settings")
	for _, path := range e.tiedPaths(string(h.Platform)) {
		n := settings.Lookup(path[1:]...)
		if n == nil || !n.Kind.leaf() || len(n.Defs) < 2 || n.Defs[0].Layer != LayerDefault {
			continue
		}
		m := tiedDefault.FindStringSubmatch(n.Defs[0].text)
		if m == nil {
			continue
		}
		key, ok := facts[m[1]]
		if !ok {
			continue
		}
		fact := hw.Get(key)
		w := n.Won()
		if fact == nil || w.Layer == LayerDefault || n.Kind == Expr || n.Kind == Secret || fact.equal(n) {
			continue
		}
		at := JoinPath(path)
		dl.Errorf(w.Pos, "hardware", "%s = %s contradicts hardware.%s = %s of host %s", at, n.Describe(), key, fact.Describe(), h.Name).
			Also(fact.Won().Pos, "hardware.%s is stated here", key).
			Hint("%s follows hardware.%s by default: remove the setting from %s", at, key, w.Layer).
			Hint("or correct [hardware] if the machine really is what the setting says")
	}
}

// tiedPaths lists the settings paths of class ("settings", module, ...)
// whose module default reads a hardware fact, sorted as a walk of the
// settings visits them. Only these can contradict [hardware], so a host
// looks them up rather than walking its settings. Listed once.
func (e *evaluator) tiedPaths(class string) [][]string {
	e.tiedOnce.Do(func() {
		e.tied = map[string][][]string{}
		for c, mods := range e.defaultTrees {
			var paths [][]string
			var walk func(n *Node, path []string)
			walk = func(n *Node, path []string) {
				if len(n.Defs) > 0 && n.Defs[0].Layer == LayerDefault && tiedDefault.MatchString(n.Defs[0].text) {
					paths = append(paths, slices.Clone(path))
				}
				for k, f := range n.Fields.All() {
					walk(f, append(path, k))
				}
			}
			for name, t := range mods {
				walk(t, []string{"settings", name})
			}
			slices.SortFunc(paths, slices.Compare)
			e.tied[c] = paths
		}
	})
	return e.tied[class]
}

// Kernel names of whole disks and of their partitions. They depend on
// the order the kernel finds the disks in.
var (
	kernelDisk      = regexp.MustCompile(`^/dev/((sd|hd|vd|xvd)[a-z]+|nvme[0-9]+n[0-9]+|mmcblk[0-9]+)$`)
	kernelPartition = regexp.MustCompile(`^/dev/((sd|hd|vd|xvd)[a-z]+[0-9]+|(nvme[0-9]+n[0-9]+|mmcblk[0-9]+)p[0-9]+)$`)
	idPartition     = regexp.MustCompile(`^/dev/disk/by-(id|path)/.+-part[0-9]+$`)
	fsName          = regexp.MustCompile(`^/dev/disk/by-(uuid|partuuid|label|partlabel|diskseq)/`)
)

// checkDisk checks the facts about the boot disk on NixOS hosts: it must
// be a whole disk named stably, and a BIOS boot partition exists only on
// a GPT disk.
func (e *evaluator) checkDisk(h *Host, dl *diag.List) {
	if h.Platform != inventory.NixOS {
		return
	}
	hw := h.Src.Hardware
	if d := hw.BootDisk; d.IsSet() {
		byID := "name the whole disk by a stable name: ls -l /dev/disk/by-id/ lists them (a disk's name has no -partN suffix)"
		switch {
		case !strings.HasPrefix(d.V, "/dev/"):
			dl.Errorf(d.Pos, "boot-disk", "boot_disk must be a device path such as /dev/disk/by-id/..., not %q", d.V).
				Hint("name the whole disk, not a partition; /dev/disk/by-id/ names survive disk reordering")
		case kernelPartition.MatchString(d.V) || idPartition.MatchString(d.V):
			dl.Errorf(d.Pos, "boot-disk", "boot_disk %q names a partition, not a disk: a BIOS machine's GRUB goes into the whole disk's boot sector", d.V).
				Hint("%s", byID)
		case fsName.MatchString(d.V):
			dl.Errorf(d.Pos, "boot-disk", "boot_disk %q names a partition or file system, not a disk", d.V).
				Hint("%s", byID)
		case kernelDisk.MatchString(d.V):
			dl.Warnf(d.Pos, "boot-disk", "boot_disk %q is a kernel name: it can name another disk after a reboot or when a disk is added", d.V).
				Hint("%s", byID)
		}
	}
	if hw.PartitionTable.V == "mbr" && hw.BIOSBootPartition.IsSet() && hw.BIOSBootPartition.V {
		dl.Errorf(hw.BIOSBootPartition.Pos, "partition-table", "bios_boot_partition is set, but host %s's disk has an mbr partition table: a BIOS boot partition (type EF02) exists only on GPT", h.Name).
			Also(hw.PartitionTable.Pos, "partition_table is stated here").
			Hint("on an MBR disk GRUB embeds itself in the gap after the boot sector: remove bios_boot_partition").
			Hint(`or set partition_table = "gpt" if the disk is GPT (lsblk -o NAME,PTTYPE tells)`)
	}
}
