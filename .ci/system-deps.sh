#!/usr/bin/env bash
# System programs the test suite runs as real components (never fakes): redis-server (the
# distributed frontier's Redis), Chromium + ChromeDriver (the HTML report opened in a real
# headless browser), wget (a WARC written by another tool), libmagic and Slurm + MUNGE (datatrove's
# Slurm executor on a one-node cluster). `make test` calls this; it installs
# only what is missing, from Debian's packages, and does nothing when all are present.
set -euo pipefail
need=()
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v chromedriver >/dev/null 2>&1 || need+=(chromium-driver)
command -v wget >/dev/null 2>&1 || need+=(wget)
# libmagic (python-magic, which datatrove's own WarcReader imports in the comparison benchmark)
ldconfig -p 2>/dev/null | grep -q 'libmagic\.so\.1' || need+=(libmagic1)
# a one-node Slurm cluster (slurmctld, slurmd, sbatch/srun, munged) for datatrove's Slurm executor
PATH="$PATH:/usr/sbin:/sbin"
command -v slurmctld >/dev/null 2>&1 || need+=(slurmctld)
command -v slurmd >/dev/null 2>&1 || need+=(slurmd)
command -v sbatch >/dev/null 2>&1 || need+=(slurm-client)
command -v munged >/dev/null 2>&1 || need+=(munge)
if [ "${#need[@]}" -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO=sudo
  else
    echo "system-deps: missing ${need[*]} and not root (install them: apt-get install ${need[*]})" >&2
    exit 1
  fi
else
  SUDO=
fi
echo "system-deps: installing ${need[*]} (Debian packages)" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
