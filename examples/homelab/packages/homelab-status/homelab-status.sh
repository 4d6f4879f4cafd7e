# homelab-status [--help]
# Prints failed units, the last result of every restic backup and prune
# job, running containers and the fill level of the data disks.

if [ "${1:-}" = "--help" ] || [ "${1:-}" = "-h" ]; then
  echo "usage: homelab-status"
  echo "Summary of failed units, restic jobs, containers and disks."
  exit 0
fi

section() {
  printf '\n== %s\n' "$1"
}

section "$(uname -n) up $(uptime -p | sed 's/^up //')"

section "failed units"
failed=$(systemctl list-units --state=failed --no-legend --plain | awk '{print $1}')
if [ -z "$failed" ]; then
  echo "none"
else
  echo "$failed"
fi

section "restic jobs (last run, result, next run)"
jobs=$(systemctl list-units --all --no-legend --plain 'restic-backups-*.service' | awk '{print $1}')
if [ -z "$jobs" ]; then
  echo "no restic jobs on this machine"
fi
for unit in $jobs; do
  job=${unit#restic-backups-}
  job=${job%.service}
  result=$(systemctl show -P Result "$unit")
  last=$(systemctl show -P ExecMainExitTimestamp "$unit")
  next=$(systemctl show -P NextElapseUSecRealtime "${unit%.service}.timer" 2>/dev/null || true)
  printf '%-28s %-10s last: %-30s next: %s\n' "$job" "$result" "${last:-never}" "${next:-none}"
done

section "containers"
if command -v podman >/dev/null 2>&1; then
  podman ps --format '{{.Names}}\t{{.Status}}\t{{.Image}}'
elif command -v docker >/dev/null 2>&1; then
  docker ps --format '{{.Names}}\t{{.Status}}\t{{.Image}}'
else
  echo "no container engine"
fi

section "disks"
for mount in / /srv /mnt/usb-backup; do
  if mountpoint -q "$mount"; then
    df -h --output=target,size,used,avail,pcent "$mount" | tail -n 1
  fi
done
