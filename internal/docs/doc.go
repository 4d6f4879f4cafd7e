// Package docs owns the reference documentation fleet writes about a
// fleet: an overview with a fleet graph, a page per host, profile, role,
// user and module (the option reference, also as options.json in the
// shape nixosOptionsDoc produces), the secrets access matrix, and the
// maintenance and troubleshooting guides, which weave the fleet's
// hand-written Markdown (docs/*.md, hosts/<host>/README.md, roles' docs)
// into generated sections.
//
// Everything is derived from a fleet loaded by package fleet and rendered
// in memory, deterministically, in two formats: a Markdown tree that
// renders on a forge (committed, checked for freshness like generated
// Nix), and a static HTML site that needs no network, searches on the
// client and reads without JavaScript. Server serves the HTML site and
// rebuilds it when the fleet's files change.
package docs
