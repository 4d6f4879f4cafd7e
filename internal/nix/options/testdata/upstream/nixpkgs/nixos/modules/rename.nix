# The option-moving modules of lib.
{ lib, ... }:
with lib;
{
  imports = [
    (mkRenamedOptionModule [ "services" "sshd" ] [ "services" "openssh" ])
    (mkRemovedOptionModule [ "sound" ] "The option was removed; ALSA lives in hardware.alsa.")
    (mkRenamedOptionModuleWith { sinceRelease = 2411; from = [ "hardware" "opengl" ]; to = [ "hardware" "graphics" ]; })
    (mkAliasOptionModule [ "environment" "checkConfigurationOptions" ] [ "_module" "check" ])
    (mkChangedOptionModule [ "services" "openssh" "permitRootLogin" ] [ "services" "openssh" "settings" "PermitRootLogin" ] (config: config.services.openssh.permitRootLogin))
  ] ++ [
    (mkMergedOptionModule [ [ "a" "b" ] [ "a" "c" ] ] [ "a" "d" ] (config: null))
  ];
}
