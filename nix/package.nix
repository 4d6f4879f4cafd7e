# The fleet command, built from this repository by buildGoModule.
{
  lib,
  buildGoModule,
  rev ? null,
}:
buildGoModule {
  pname = "fleet";
  version = "0-unstable";
  src = lib.cleanSource ./..;

  # The NAR hash of the vendor/ folder 'go mod vendor' writes for go.mod
  # and go.sum. After changing them, print the new one with
  # scripts/vendor-hash (TestVendorHash in internal/buildinfo fails until
  # this line matches).
  vendorHash = "sha256-klyxLL0UsD34CEHqDTCDtL7mZQB2ljx6NSKS7RPl7fY=";

  subPackages = [ "cmd/fleet" ];
  env.GOTOOLCHAIN = "local";
  ldflags = [
    "-s"
    "-w"
  ]
  ++ lib.optional (rev != null) "-X github.com/fleetdev/fleet/internal/buildinfo.commit=${rev}";

  # The tests want Nix, sops, age and an ssh server; run them with go test
  # (.ci/run installs what they need).
  doCheck = false;

  meta = {
    description = "Manage NixOS, nix-darwin and home-manager machines as one systems flake";
    homepage = "https://github.com/fleetdev/fleet";
    mainProgram = "fleet";
  };
}
