# homelab-status: one screen with the state of the home server: failed
# units, the last run of every restic job, containers, disks. Installed on
# rich-evans (packages = ["homelab-status"] in its host.toml); fleet's
# overlay exposes it as pkgs.homelab-status, and the flake's packages
# output on Linux systems only (meta.platforms).
{
  lib,
  writeShellApplication,
  coreutils,
  gawk,
  gnused,
  procps,
  systemd,
  util-linux,
}:
writeShellApplication {
  name = "homelab-status";
  # Every command the script runs, nothing from the caller's PATH. procps
  # comes before coreutils: both have an uptime, and only procps' knows -p.
  runtimeInputs = [
    procps
    coreutils
    gawk
    gnused
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
