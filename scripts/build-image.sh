#!/usr/bin/env bash
# Build the msh base image offline (no container registry): debootstrap a
# minimal Debian rootfs from the Debian mirror, add the host's node binary,
# `docker import` it as msh/base:<hash> and tag it msh/base:current.
#
# <hash> = first 12 hex of sha256(this script, package list, suite, mirror,
# sha256 of the node binary). If msh/base:<hash> exists, only msh/base:current
# is (re)tagged: that path takes well under 2 s.
#
# Run as root, after scripts/setup-host.sh. Safe to run concurrently (flock).
# Environment knobs (all part of the hash):
#   MSH_DEBIAN_MIRROR  default http://deb.debian.org/debian
#   MSH_DEBIAN_SUITE   default bookworm
set -euo pipefail

SUITE=${MSH_DEBIAN_SUITE:-bookworm}
MIRROR=${MSH_DEBIAN_MIRROR:-http://deb.debian.org/debian}
# mariadb/galera/rsync: database roles of the site services (Galera SST by rsync).
PACKAGES=iproute2,iputils-ping,iputils-arping,ethtool,keepalived,tcpdump,procps,nftables,tini,mariadb-server,mariadb-client,galera-4,rsync,ca-certificates
REPO=msh/base
LOCK=/tmp/msh-image.lock

die() { echo "build-image: $*" >&2; exit 1; }
now() { date +%s.%N; }
since() { awk -v a="$(now)" -v b="$1" 'BEGIN{printf "%.1f", a-b}'; }

[ "$(id -u)" -eq 0 ] || die "must run as root (debootstrap, chroot)"
export DOCKER_HOST=unix:///var/run/docker.sock
command -v debootstrap >/dev/null || die "debootstrap missing: run scripts/setup-host.sh"
timeout 10 docker version >/dev/null 2>&1 || die "docker engine not answering: run scripts/setup-host.sh"

SELF=$(readlink -f "${BASH_SOURCE[0]}")
NODE=$(command -v node) || die "node not found on PATH"
NODE=$(readlink -f "$NODE")
t0=$(now)

# One build at a time; a second caller waits, then finds the image cached.
exec 9>"$LOCK"
if ! flock -n 9; then
  echo "build-image: another build holds $LOCK; waiting"
  flock 9
fi

node_sha=$(sha256sum "$NODE" | cut -d' ' -f1)
hash=$({
  cat "$SELF"
  printf 'packages=%s\nsuite=%s\nmirror=%s\nnode=%s\n' "$PACKAGES" "$SUITE" "$MIRROR" "$node_sha"
} | sha256sum | cut -c1-12)
TAG=$REPO:$hash

if docker image inspect "$TAG" >/dev/null 2>&1; then
  docker tag "$TAG" "$REPO:current"
  echo "build-image: $TAG (cached) -> $REPO:current in $(since "$t0") s"
  exit 0
fi

# --- build ----------------------------------------------------------------
WORK=$(mktemp -d /var/tmp/msh-rootfs.XXXXXX)
ROOT=$WORK/rootfs

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [ -n "${DB_PID:-}" ] && kill -0 "$DB_PID" 2>/dev/null; then
    echo "build-image: stopping debootstrap" >&2
    kill -TERM -- "-$DB_PID" 2>/dev/null || true
    local i
    for i in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$DB_PID" 2>/dev/null || break; sleep 0.3; done
    kill -KILL -- "-$DB_PID" 2>/dev/null || true
  fi
  if [ -d "$ROOT" ]; then
    # Processes left running inside the rootfs (a package's postinst daemon)
    # would keep files busy: kill them. Then unmount anything debootstrap
    # left mounted (killed mid-run), deepest first, before deleting.
    local p
    for p in /proc/[0-9]*; do
      [ "$(readlink "$p/root" 2>/dev/null)" = "$ROOT" ] && kill -9 "${p#/proc/}" 2>/dev/null || true
    done
    awk -v r="$ROOT" '$2 == r || index($2, r "/") == 1 {print $2}' /proc/mounts | sort -r |
      while read -r m; do umount -l "$m" 2>/dev/null || true; done
  fi
  rm -rf --one-file-system "$WORK"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

echo "build-image: building $TAG (debootstrap $SUITE from $MIRROR)"
t=$(now)
# In the background, in its own process group, so a TERM/INT to this script
# runs the trap at once (bash defers traps until a foreground child exits)
# and the trap can stop debootstrap and everything it started.
set -m
debootstrap --variant=minbase --include="$PACKAGES" "$SUITE" "$ROOT" "$MIRROR" \
  </dev/null >"$WORK/debootstrap.out" 2>&1 &
DB_PID=$!
set +m
if ! wait "$DB_PID"; then
  DB_PID=
  echo "build-image: debootstrap failed; last lines of its output:" >&2
  tail -n 25 "$WORK/debootstrap.out" >&2
  if [ -f "$ROOT/debootstrap/debootstrap.log" ]; then
    echo "--- $ROOT/debootstrap/debootstrap.log:" >&2
    tail -n 25 "$ROOT/debootstrap/debootstrap.log" >&2
  fi
  exit 1
fi
DB_PID=
t_debootstrap=$(since "$t")
echo "build-image: debootstrap took $t_debootstrap s"

# The host's node, so programs run by the same Node on both sides. It needs
# only glibc, libstdc++ and libgcc_s, which the rootfs has (via mariadb).
install -m 0755 "$NODE" "$ROOT/usr/local/bin/node"
if ! v=$(chroot "$ROOT" /usr/local/bin/node --version 2>&1); then
  echo "build-image: node does not run in the rootfs: $v" >&2
  chroot "$ROOT" ldd /usr/local/bin/node >&2 || true
  exit 1
fi
echo "build-image: node $v runs in the rootfs"

# mariadbd needs its socket directory; /run is not a tmpfs in the container.
chroot "$ROOT" install -d -o mysql -g mysql -m 0755 /run/mysqld

# Trim: apt caches and lists, docs, man pages, logs.
rm -rf "$ROOT"/var/cache/apt/*.bin "$ROOT"/var/cache/apt/archives/*.deb \
  "$ROOT"/var/cache/apt/archives/partial/* "$ROOT"/var/lib/apt/lists/* \
  "$ROOT"/usr/share/doc/* "$ROOT"/usr/share/man/* "$ROOT"/usr/share/info/* \
  "$ROOT"/var/cache/debconf/*-old "$ROOT"/var/log/*.log "$ROOT"/var/log/apt/*
# The build host's name and resolver must not leak into the image (docker
# bind-mounts its own at run time).
: >"$ROOT/etc/resolv.conf"
echo msh >"$ROOT/etc/hostname"

t=$(now)
# --numeric-owner: keep the rootfs's uids (mysql, ...), not the host's names.
# --xattrs: keep file capabilities (e.g. ping's cap_net_raw).
tar -C "$ROOT" --numeric-owner --xattrs --xattrs-include='*' -c . |
  docker import --change 'CMD ["/usr/bin/tini","--","sleep","infinity"]' \
    --message "msh base: debootstrap $SUITE + node $v" - "$TAG" >/dev/null
t_import=$(since "$t")
docker tag "$TAG" "$REPO:current"
# Older content hashes are dead weight (580 MB each): keep only this one.
docker images --format '{{.Repository}}:{{.Tag}}' "$REPO" | grep -vxF -e "$TAG" -e "$REPO:current" | xargs -r docker rmi >/dev/null 2>&1 || true
size=$(docker image inspect -f '{{.Size}}' "$TAG")
echo "build-image: $TAG -> $REPO:current; import $t_import s, size $((size / 1000000)) MB, total $(since "$t0") s"
