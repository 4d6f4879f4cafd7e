package fleettest

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/fleetdev/fleet/internal/containers"
	"github.com/fleetdev/fleet/internal/diag"
	"github.com/fleetdev/fleet/internal/eval"
	"github.com/fleetdev/fleet/internal/inventory"
	"github.com/fleetdev/fleet/internal/nix/syntax"
	"github.com/fleetdev/fleet/internal/secrets"
)

// facts derives what tests assert beyond values: enabled modules, users,
// secrets a host can decrypt, ports open in its firewall. Each fact comes
// with how fleet knows it.
type facts struct {
	f *eval.Fleet

	mu         sync.Mutex
	recipients map[string]fileRecipients // secret file -> its recipients
	rules      map[string][]portRule     // nixos module -> the ports it opens
}

type fileRecipients struct {
	list []string
	err  error
}

func newFacts(f *eval.Fleet) *facts {
	return &facts{f: f, recipients: map[string]fileRecipients{}}
}

// fact evaluates a fact assertion on a host: its truth and why.
func (fs *facts) fact(a *Assertion, h *eval.Host) (bool, string) {
	switch a.Subject {
	case SubjectModule:
		return moduleEnabled(h, a.Arg)
	case SubjectContainer:
		return containerEnabled(h, a.Arg)
	case SubjectUser:
		return userExists(h, a.Arg)
	case SubjectDecrypt:
		return fs.canDecrypt(h, strings.ReplaceAll(a.Arg, "{host}", h.Name))
	case SubjectPort:
		return fs.portOpen(h, a.port, a.proto)
	}
	return false, "unknown fact " + string(a.Subject)
}

func moduleEnabled(h *eval.Host, name string) (bool, string) {
	en := h.Tree.Lookup("settings", name, "enable")
	if en == nil || en.Kind != eval.Bool {
		return false, "no layer of host " + h.Name + " enables module " + name
	}
	return en.Bool, "enable set at " + Provenance(en)
}

func containerEnabled(h *eval.Host, name string) (bool, string) {
	en := h.Tree.Lookup("containers", name, "enable")
	if en == nil || en.Kind != eval.Bool {
		return false, "no layer of host " + h.Name + " runs container " + name
	}
	if en.Bool && !slices.ContainsFunc(h.Containers, func(c eval.ContainerInstance) bool { return c.Name == name && c.Definition != "" }) {
		return false, "enabled at " + Provenance(en) + ", but it has no definition: fleet check says why"
	}
	return en.Bool, "enable set at " + Provenance(en)
}

func userExists(h *eval.Host, name string) (bool, string) {
	for _, u := range h.Src.Users {
		if u.V == name {
			return true, u.Pos.String() + " (host " + h.Name + ")"
		}
	}
	if len(h.Src.Users) == 0 {
		return false, h.Src.File + " lists no users"
	}
	return false, fmt.Sprintf("%s lists users %s", h.Src.File, quoted(inventory.Names(h.Src.Users)))
}

func quoted(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = fmt.Sprintf("%q", s)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

// canDecrypt holds when the host may read the secret (a role grants it,
// a value references it, or it lies under secrets/hosts/<host>/), has a
// key to decrypt with, and the file is encrypted to that key now.
func (fs *facts) canDecrypt(h *eval.Host, secret string) (bool, string) {
	inv := fs.f.Inv
	grant := ""
	for _, r := range h.Roles {
		if role := inv.Roles[r]; role != nil {
			for _, s := range role.Secrets {
				if grant == "" && eval.MatchSecret(s.V, secret) {
					grant = fmt.Sprintf("role %s grants it at %s", r, s.Pos)
				}
			}
		}
	}
	for _, ref := range h.Secrets {
		if grant == "" && ref.Name == secret {
			grant = fmt.Sprintf("%s references it at %s", ref.Path, ref.Pos)
		}
	}
	if grant == "" && eval.MatchSecret("hosts/"+h.Name+"/*", secret) {
		grant = "it lies in the host's own folder secrets/hosts/" + h.Name
	}
	if grant == "" {
		return false, fmt.Sprintf("no role of host %s grants it and no value references it", h.Name)
	}
	recipient, _, err := secrets.HostRecipient(h.Src.HostKey.V, h.Src.AgeKey.V)
	switch {
	case err != nil:
		return false, grant + ", but the host's key is unusable: " + err.Error()
	case recipient == "":
		return false, grant + ", but host " + h.Name + " has no host_key or age_key"
	}
	file := inv.Secrets[secret]
	rs := fs.fileRecipients(file)
	if rs.err != nil {
		return false, grant + ", but " + rs.err.Error()
	}
	if !slices.Contains(rs.list, recipient) {
		return false, grant + ", but " + file + " is not encrypted to the host's key yet: run 'fleet secrets rekey'"
	}
	return true, grant + "; " + file + " is encrypted to the host's key"
}

func (fs *facts) fileRecipients(rel string) fileRecipients {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if r, ok := fs.recipients[rel]; ok {
		return r
	}
	repo := &secrets.Repo{Root: fs.f.Inv.Root}
	var r fileRecipients
	r.list, r.err = repo.EncryptedTo(rel)
	fs.recipients[rel] = r
	return r
}

// portRule is a firewall port a fleet module opens: fleet.<module>.<Port>
// when fleet.<module>.<Cond> is true (no condition when Cond is ""),
// through the option Via.
type portRule struct {
	Proto, Cond, Port, Via string
}

var (
	cfgBinding  = regexp.MustCompile(`\bcfg\s*=\s*config\.fleet\.("[^"]+"|[A-Za-z0-9_'-]+)\s*;`)
	optionalRE  = regexp.MustCompile(`^(?:lib\.)?(?:optionals?|mkIf)\s+cfg\.([A-Za-z0-9_]+)\s+\[?\s*cfg\.([A-Za-z0-9_]+)\s*\]?$`)
	plainListRE = regexp.MustCompile(`^\[\s*cfg\.([A-Za-z0-9_]+)\s*\]$`)
	cfgRefRE    = regexp.MustCompile(`^cfg\.([A-Za-z0-9_]+)$`)
)

// moduleRules reads, from a NixOS fleet module's source, the ports it
// opens. Recognised: an option whose name ends in TCPPorts or UDPPorts
// (networking.firewall.allowedTCPPorts, a site module's lanTCPPorts)
// defined as lib.optional cfg.A cfg.B, lib.optionals / lib.mkIf cfg.A
// [ cfg.B ] or [ cfg.B ]; and a service set with openFirewall = cfg.A
// next to port = cfg.B or ports = [ cfg.B ] (TCP). cfg must be
// config.fleet.<name>.
func (fs *facts) moduleRules(name string) []portRule {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if fs.rules == nil {
		fs.rules = map[string][]portRule{}
		for n, m := range fs.f.Inv.Modules["nixos"] {
			fs.rules[n] = portRules(n, m)
		}
	}
	return fs.rules[name]
}

func portRules(name string, m *inventory.Module) []portRule {
	if b := cfgBinding.FindSubmatch(m.Src); b == nil || strings.Trim(string(b[1]), `"`) != name {
		return nil
	}
	file, ds := syntax.Parse(m.File, m.Src)
	if file == nil || len(ds) > 0 {
		return nil
	}
	var out []portRule
	defs := file.ModuleDefinitions()
	bySet := map[string]map[string]string{}
	for _, d := range defs {
		src := strings.Join(strings.Fields(d.Source), " ")
		p := d.PathString()
		for _, proto := range []string{"TCP", "UDP"} {
			if !strings.HasSuffix(d.Path[len(d.Path)-1], proto+"Ports") {
				continue
			}
			if m := optionalRE.FindStringSubmatch(src); m != nil {
				out = append(out, portRule{Proto: strings.ToLower(proto), Cond: m[1], Port: m[2], Via: p})
			} else if m := plainListRE.FindStringSubmatch(src); m != nil {
				out = append(out, portRule{Proto: strings.ToLower(proto), Port: m[1], Via: p})
			}
		}
		if len(d.Path) > 1 {
			set := strings.Join(d.Path[:len(d.Path)-1], ".")
			if bySet[set] == nil {
				bySet[set] = map[string]string{}
			}
			bySet[set][d.Path[len(d.Path)-1]] = src
		}
	}
	for _, set := range sortedKeys(bySet) {
		kv := bySet[set]
		cond := cfgRefRE.FindStringSubmatch(kv["openFirewall"])
		if cond == nil {
			continue
		}
		if m := cfgRefRE.FindStringSubmatch(kv["port"]); m != nil {
			out = append(out, portRule{Proto: "tcp", Cond: cond[1], Port: m[1], Via: set + ".openFirewall"})
		} else if m := plainListRE.FindStringSubmatch(kv["ports"]); m != nil {
			out = append(out, portRule{Proto: "tcp", Cond: cond[1], Port: m[1], Via: set + ".openFirewall"})
		}
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// portOpen says whether a NixOS host's firewall lets port/proto in: the
// firewall is disabled, a pass-through networking.firewall list or range
// (on any interface) has it, a pass-through service with openFirewall =
// true listens on it, a container publishes it with open_firewall, or an
// enabled fleet module opens it.
func (fs *facts) portOpen(h *eval.Host, port int64, proto string) (bool, string) {
	if h.Platform != inventory.NixOS {
		return false, "host " + h.Name + " is not a NixOS host: fleet knows no firewall ports of " + string(h.Platform)
	}
	fw := h.Tree.Lookup("nixos", "networking", "firewall")
	if en := fw.Get("enable"); en != nil && en.Kind == eval.Bool && !en.Bool {
		return true, "the firewall is disabled at " + Provenance(en)
	}
	P := strings.ToUpper(proto)
	if why := portIn(fw, port, P, ""); why != "" {
		return true, why
	}
	if ifs := fw.Get("interfaces"); ifs != nil && ifs.Kind == eval.Table {
		for _, name := range ifs.Keys() {
			if why := portIn(ifs.Fields.At(name), port, P, " on interface "+name); why != "" {
				return true, why
			}
		}
	}
	if proto == "tcp" {
		if why := servicePort(h.Tree.Get("nixos"), port); why != "" {
			return true, why
		}
	}
	if why := fs.containerPort(h, port, proto); why != "" {
		return true, why
	}
	for _, m := range h.Modules {
		for _, r := range fs.moduleRules(m) {
			if r.Proto != proto {
				continue
			}
			settings := h.Tree.Lookup("settings", m)
			p := settings.Get(r.Port)
			if p == nil || p.Kind != eval.Int || p.Int != port {
				continue
			}
			why := fmt.Sprintf("module %s opens fleet.%s.%s = %d (%s) through %s", m, m, r.Port, port, Provenance(p), r.Via)
			if r.Cond != "" {
				c := settings.Get(r.Cond)
				if c == nil || c.Kind != eval.Bool || !c.Bool {
					continue
				}
				why += fmt.Sprintf(" as fleet.%s.%s is true (%s)", m, r.Cond, Provenance(c))
			}
			return true, why
		}
	}
	return false, fmt.Sprintf("no allowed%sPorts entry, service with openFirewall, container or fleet module opens %d/%s on host %s", P, port, proto, h.Name)
}

// portIn looks for a port in a firewall table's allowed<P>Ports and
// allowed<P>PortRanges.
func portIn(fw *eval.Node, port int64, P, where string) string {
	if l := fw.Get("allowed" + P + "Ports"); l != nil && l.Kind == eval.List {
		for _, it := range l.Items {
			if it.Kind == eval.Int && it.Int == port {
				return fmt.Sprintf("allowed%sPorts%s at %s", P, where, Provenance(it))
			}
		}
	}
	if l := fw.Get("allowed" + P + "PortRanges"); l != nil && l.Kind == eval.List {
		for _, it := range l.Items {
			from, to := it.Get("from"), it.Get("to")
			if from != nil && to != nil && from.Kind == eval.Int && to.Kind == eval.Int && from.Int <= port && port <= to.Int {
				return fmt.Sprintf("allowed%sPortRanges%s %d-%d at %s", P, where, from.Int, to.Int, Provenance(from))
			}
		}
	}
	return ""
}

// servicePort finds a pass-through table with openFirewall = true and
// port = N or ports = [ ..., N ] (services.openssh, exporters, ...).
func servicePort(n *eval.Node, port int64) string {
	if n == nil || n.Kind != eval.Table {
		return ""
	}
	if of := n.Get("openFirewall"); of != nil && of.Kind == eval.Bool && of.Bool {
		if p := n.Get("port"); p != nil && p.Kind == eval.Int && p.Int == port {
			return fmt.Sprintf("openFirewall (%s) with port %d (%s)", Provenance(of), port, Provenance(p))
		}
		if ps := n.Get("ports"); ps != nil && ps.Kind == eval.List {
			for _, it := range ps.Items {
				if it.Kind == eval.Int && it.Int == port {
					return fmt.Sprintf("openFirewall (%s) with ports entry %d (%s)", Provenance(of), port, Provenance(it))
				}
			}
		}
	}
	for _, k := range n.Keys() {
		if why := servicePort(n.Fields.At(k), port); why != "" {
			return why
		}
	}
	return ""
}

// containerPort finds a container of the host that publishes the port
// with open_firewall = true, on an address that is not loopback.
func (fs *facts) containerPort(h *eval.Host, port int64, proto string) string {
	if len(h.Containers) == 0 {
		return ""
	}
	ch := containers.ForHost(fs.f.Inv, h, &diag.List{})
	for _, in := range ch.Instances {
		if !in.OpenFirewall {
			continue
		}
		for _, p := range in.Ports {
			if p.V.Published() && !p.V.Loopback() && p.V.Proto == proto && int64(p.V.HostFrom) <= port && port <= int64(p.V.HostTo) {
				return fmt.Sprintf("container %s publishes %s with open_firewall at %s (%s)", in.Name, p.V.Spec, p.Pos, p.Layer)
			}
		}
	}
	return ""
}
