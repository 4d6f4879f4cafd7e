{ lib, stdenv, fetchFromGitHub, buildGoModule, version ? "1.2.3", ... }:
buildGoModule rec {
  pname = "fleet";
  inherit version;
  src = fetchFromGitHub {
    owner = "fleetdev";
    repo = pname;
    rev = "v${version}";
    hash = "sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
  };
  vendorHash = null;
  ldflags = [ "-s" "-w" "-X main.version=${version}" ];
  doCheck = !stdenv.hostPlatform.isDarwin;
  postInstall = ''
    mkdir -p $out/share
    cp -r ${src}/docs $out/share/
    for f in $out/bin/*; do
      echo "''${f}"
    done
  '';
  meta = with lib; {
    description = "Manage a fleet";
    license = licenses.mit;
    platforms = platforms.unix;
    broken = stdenv.isDarwin && stdenv.isAarch64;
    maintainers = [ ];
  };
}
