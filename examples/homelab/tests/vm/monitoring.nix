# Started from the monitoring role: the Prometheus unit is up and
# scraping. Machines are named after their hosts (rich-evans is rich_evans
# in the script). Run: nix build .#checks.x86_64-linux.vm-monitoring
{
  testScript = ''
    start_all()

    rich_evans.wait_for_unit("prometheus.service")
    rich_evans.wait_for_open_port(9090)
    bartleby.wait_for_unit("prometheus-node-exporter.service")
    bartleby.wait_for_open_port(9100)

    # Prometheus scrapes itself: its own target is up.
    rich_evans.wait_until_succeeds(
        "curl -sf 'http://127.0.0.1:9090/api/v1/query?query=up{job=\"prometheus\"}' | grep -q '\"1\"'"
    )
    # The node exporter answers across the test network, through the LAN
    # firewall rules (the test network is 192.168.1.0/24, the fleet's LAN).
    rich_evans.succeed("curl -sf http://bartleby:9100/metrics | grep -q node_exporter_build_info")
  '';
}
