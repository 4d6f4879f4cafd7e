package cli

import "github.com/spf13/cobra"

// examples are the --help examples of commands that do not write their
// own (a command's Example field wins). TestCommandsHaveExamples checks
// that every command but the groups has one.
var examples = map[string]string{
	"fleet": `  fleet init my-fleet && cd my-fleet
  fleet check
  fleet --dir ~/src/systems explain web settings.monitoring.port`,
	"fleet check": `  fleet check                      # every host, and the generated files
  fleet check web-01 @monitoring   # some hosts: by name, role, profile, platform
  fleet --json check | jq '.hosts[] | select(.errors > 0)'`,
	"fleet eval": `  fleet eval rich-evans
  fleet --json eval rich-evans | jq '.values.fields.settings'`,
	"fleet explain": `  fleet explain bartleby settings.nix-settings.gcKeepDays
  fleet explain web nixos.services.openssh.settings.PasswordAuthentication
  fleet explain web fleet.monitoring.port   # fleet.<module> means settings.<module>`,
	"fleet diff": `  fleet diff marshmallow total-eclipse
  fleet --json diff web-01 web-02`,
	"fleet generate": `  fleet generate           # write generated/ and .sops.yaml
  fleet generate --check   # in CI: exit 1 with the diff when stale
  fleet generate --diff    # show what changes, and write`,
	"fleet init": `  fleet init my-fleet
  fleet init --host laptop my-fleet
  fleet init --example homelab   # the bundled six-machine example`,
	"fleet test": `  fleet test
  fleet test web --run 'ssh'
  fleet test --junit report.xml`,
	"fleet deploy": `  fleet deploy web-01 --dry-activate   # build and show what would change
  fleet deploy @monitoring --switch
  fleet deploy platform:nixos --boot --parallel 4`,
	"fleet status": `  fleet status
  fleet status @monitoring`,
	"fleet docs": `  fleet docs                         # write docs/reference/
  fleet docs --check                 # in CI: exit 1 when stale
  fleet docs --html --out /tmp/site`,
	"fleet docs serve": `  fleet docs serve
  fleet docs serve --addr 127.0.0.1:8080`,
	"fleet ci github": `  fleet ci github           # write the GitHub Actions workflow
  fleet ci github --check   # exit 1 when it is stale`,
	"fleet ci matrix": `  fleet ci matrix
  git diff --name-only origin/main | fleet ci matrix --changed -`,
	"fleet containers list": `  fleet containers list
  fleet --json containers list rich-evans`,
	"fleet completion bash": `  source <(fleet completion bash)`,
	"fleet completion zsh":  `  fleet completion zsh > "${fpath[1]}/_fleet"`,
	"fleet completion fish": `  fleet completion fish > ~/.config/fish/completions/fleet.fish`,
	"fleet secrets init":    `  fleet secrets init   # then add the printed line to fleet.toml [admins]`,
	"fleet secrets set": `  openssl rand -base64 32 | fleet secrets set secrets/backup/restic.yaml password
  fleet secrets set secrets/app/db.yaml account/user < user.txt
  fleet secrets set --write-only secrets/hosts/web/token.yaml token < token.txt`,
	"fleet secrets get": `  fleet secrets get secrets/backup/restic.yaml password
  fleet --dir ~/src/systems secrets get secrets/app/db.yaml   # the whole file`,
	"fleet secrets edit": `  EDITOR=vi fleet secrets edit secrets/app/db.yaml`,
	"fleet secrets encrypt": `  fleet secrets encrypt secrets/app/config.yaml            # a plaintext file, in place
  fleet secrets encrypt secrets/app/cert.bin --from cert.pem
  pass show db | fleet secrets encrypt secrets/app/db.env --from -`,
	"fleet secrets decrypt": `  fleet secrets decrypt secrets/app/db.yaml`,
	"fleet secrets verify": `  fleet secrets verify                      # every file of secrets/
  fleet secrets verify secrets/app/*.yaml -i /etc/ssh/ssh_host_ed25519_key`,
	"fleet secrets exec-env": `  fleet secrets exec-env secrets/backup/restic.env -- restic snapshots
  fleet secrets exec-env --pristine secrets/app/db.yaml -- env`,
	"fleet secrets exec-file": `  fleet secrets exec-file secrets/app/kubeconfig.yaml -- kubectl --kubeconfig {} get pods
  fleet secrets exec-file --no-fifo secrets/app/cert.bin -- openssl x509 -in {} -noout -text`,
	"fleet secrets rekey": `  fleet secrets rekey --dry-run
  fleet secrets rekey
  fleet secrets rekey --rotate secrets/backup/restic.yaml   # after removing a reader`,
	"fleet secrets audit": `  fleet secrets audit
  fleet secrets audit --allow-keys keys   # published example keys are expected there`,
	"fleet secrets backup":  `  fleet secrets backup secrets.age --to age1...`,
	"fleet secrets restore": `  fleet secrets restore secrets.age -i ~/backup-key.txt`,
	"fleet secrets keys": `  fleet secrets keys
  fleet --json secrets keys`,
	"fleet secrets keys ssh-to-age": `  ssh-keyscan -t ed25519 web.lan | fleet secrets keys ssh-to-age
  fleet secrets keys ssh-to-age /etc/ssh/ssh_host_ed25519_key.pub`,
	"fleet secrets list": `  fleet secrets list
  fleet --json secrets list | jq '.[] | select(.up_to_date | not)'`,
}

// addExamples gives every command without an Example its entry of
// examples.
func addExamples(c *cobra.Command) {
	if ex, ok := examples[c.CommandPath()]; ok && c.Example == "" {
		c.Example = ex
	}
	for _, sub := range c.Commands() {
		addExamples(sub)
	}
}
