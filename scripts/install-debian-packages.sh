#!/usr/bin/env bash
# Installs the Debian packages of the given groups (runtime, build, test) listed in
# scripts/debian-packages.txt, skipping those already installed. Used by scripts/setup.sh,
# .ci/run and the Dockerfile, so all three install exactly the same things.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
groups=("$@")
[ ${#groups[@]} -gt 0 ] || groups=(runtime)

wanted=()
while read -r group package _; do
  [[ -z "${group}" || "${group}" == \#* ]] && continue
  for g in "${groups[@]}"; do
    [[ "${g}" == "${group}" ]] && wanted+=("${package}")
  done
done < "${here}/debian-packages.txt"

missing=()
for package in "${wanted[@]+"${wanted[@]}"}"; do
  dpkg-query -W -f='${Status}' "${package}" 2>/dev/null | grep -q 'install ok installed' || missing+=("${package}")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "debian packages: all present (${groups[*]})"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "debian packages missing: ${missing[*]}" >&2
  echo "install them as root: apt-get install -y --no-install-recommends ${missing[*]}" >&2
  exit 1
fi
echo "debian packages: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt_opts=(-o DPkg::Lock::Timeout=600 -q)
# A fresh machine (or image) has no package lists yet.
if [ -z "$(ls -A /var/lib/apt/lists 2>/dev/null | grep -v -e lock -e partial)" ] || ! apt-get "${apt_opts[@]}" install -y --no-install-recommends "${missing[@]}" >/dev/null 2>&1; then
  apt-get "${apt_opts[@]}" update >/dev/null
  apt-get "${apt_opts[@]}" install -y --no-install-recommends "${missing[@]}"
fi
