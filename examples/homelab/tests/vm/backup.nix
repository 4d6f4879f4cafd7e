# Started from the backup-client and backup-server roles: a client backs
# up to the server and restores. The repository URL names the server by its
# LAN name (rich-evans.home.arpa), which the test network resolves here.
# Run: nix build .#checks.x86_64-linux.vm-backup
{
  nodes.bartleby =
    { nodes, ... }:
    {
      networking.hosts.${nodes.rich-evans.networking.primaryIPAddress} = [ "rich-evans.home.arpa" ];
    };

  testScript = ''
    start_all()

    rich_evans.wait_for_unit("multi-user.target")
    rich_evans.wait_for_open_port(8000)
    bartleby.wait_for_unit("multi-user.target")

    bartleby.succeed("mkdir -p /var/lib/fleet-test && echo restored > /var/lib/fleet-test/file")
    bartleby.succeed("systemctl start restic-backups-fleet.service")
    bartleby.succeed("rm -r /var/lib/fleet-test")
    bartleby.succeed("restic-fleet restore latest --target / --include /var/lib/fleet-test")
    bartleby.succeed("grep -qx restored /var/lib/fleet-test/file")
  '';
}
