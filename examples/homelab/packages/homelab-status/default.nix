# homelab-status: one screen with the state of the home server: failed
# units, the last run of every restic job, containers, disks. Installed on
# rich-evans (packages = ["homelab-status"] in its host.toml); fleet's
# overlay exposes it as pkgs.homelab-status.
{
  lib,
  writeShellApplication,
  coreutils,
  gawk,
  systemd,
  util-linux,
}:
writeShellApplication {
  name = "homelab-status";
  runtimeInputs = [
    coreutils
    gawk
    systemd
    util-linux
  ];
  text = builtins.readFile ./homelab-status.sh;
  meta = {
    description = "Summary of the home server's services, backups, containers and disks";
    license = lib.licenses.mit;
    platforms = lib.platforms.linux;
    mainProgram = "homelab-status";
  };
}
