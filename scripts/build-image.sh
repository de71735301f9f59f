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
# swift*: the backup site's object store (real OpenStack Swift, one node);
# memcached: tempauth keeps its tokens in memcache (no cache, no auth).
# python3-ply: pycparser needs it through virtual packages (python3-ply-lex-3.10),
# which debootstrap does not resolve.
PACKAGES=iproute2,iputils-ping,iputils-arping,ethtool,keepalived,tcpdump,procps,nftables,tini,mariadb-server,mariadb-client,galera-4,rsync,ca-certificates,swift,swift-proxy,swift-account,swift-container,swift-object,memcached,python3-ply
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

# Swift, one node (harness/services/object/swift.ts starts it): config in
# /etc/swift, rings built here so a controller starts serving at once.
# One device d1 on 127.0.0.1, 1 replica, part power 6 (64 partitions: one
# disk needs no more). The storage servers listen on loopback only; the
# proxy (tempauth, account msh, user backup) on 0.0.0.0:8080. Devices live
# under /run/msh/swift/node, the controller's run dir: a host ext4 dir
# (user xattrs, which Swift's object metadata needs), inspectable from the
# host, and kept when the container is killed. mount_check=false: d1 is a
# directory, not a mount. The servers run as root (user = root), as the
# rest of the run dir is written: the run dir may be 0700 (a test's mkdtemp),
# which a swift user could not traverse (every request then answers 503).
# Logs: Swift logs only to syslog (without a
# listener on /dev/log it falls back to UDP and prints a traceback per
# line), so an rsyslogd of its own (rsyslog comes with the swift package)
# writes everything to /run/msh/swift/swift.log; each server's stderr
# (a crash before logging is set up) goes to /run/msh/swift/<server>.log.
install -d "$ROOT/etc/swift"
cat >"$ROOT/etc/swift/swift.conf" <<'CONF'
[swift-hash]
swift_hash_path_suffix = msh-suffix
swift_hash_path_prefix = msh-prefix

[storage-policy:0]
name = Policy-0
default = yes
CONF
for srv in account:6202 container:6201 object:6200; do
  name=${srv%%:*} port=${srv#*:}
  cat >"$ROOT/etc/swift/$name-server.conf" <<CONF
[DEFAULT]
devices = /run/msh/swift/node
mount_check = false
bind_ip = 127.0.0.1
bind_port = $port
workers = 1
user = root
log_name = $name-server

[pipeline:main]
pipeline = healthcheck $name-server

[app:$name-server]
use = egg:swift#$name

[filter:healthcheck]
use = egg:swift#healthcheck
CONF
  chroot "$ROOT" swift-ring-builder "/etc/swift/$name.builder" create 6 1 1 >/dev/null
  chroot "$ROOT" swift-ring-builder "/etc/swift/$name.builder" add r1z1-127.0.0.1:$port/d1 100 >/dev/null
  chroot "$ROOT" swift-ring-builder "/etc/swift/$name.builder" rebalance >/dev/null
done
cat >"$ROOT/etc/swift/proxy-server.conf" <<'CONF'
[DEFAULT]
bind_ip = 0.0.0.0
bind_port = 8080
workers = 1
user = root
log_name = proxy-server

[pipeline:main]
pipeline = catch_errors gatekeeper healthcheck proxy-logging cache listing_formats tempauth copy dlo versioned_writes proxy-logging proxy-server

[app:proxy-server]
use = egg:swift#proxy
account_autocreate = true

[filter:tempauth]
use = egg:swift#tempauth
reseller_prefix = AUTH_
user_msh_backup = backup .admin

[filter:cache]
use = egg:swift#memcache
memcache_servers = 127.0.0.1:11211

[filter:catch_errors]
use = egg:swift#catch_errors

[filter:gatekeeper]
use = egg:swift#gatekeeper

[filter:healthcheck]
use = egg:swift#healthcheck

[filter:proxy-logging]
use = egg:swift#proxy_logging

[filter:listing_formats]
use = egg:swift#listing_formats

[filter:copy]
use = egg:swift#copy

[filter:dlo]
use = egg:swift#dlo

[filter:versioned_writes]
use = egg:swift#versioned_writes
CONF
cat >"$ROOT/etc/swift/rsyslog.conf" <<'CONF'
module(load="imuxsock" SysSock.Name="/dev/log" SysSock.RateLimit.Interval="0")
*.* action(type="omfile" file="/run/msh/swift/swift.log" template="RSYSLOG_FileFormat")
CONF
chroot "$ROOT" chown -R swift:swift /etc/swift
for f in account container object; do
  [ -s "$ROOT/etc/swift/$f.ring.gz" ] || die "swift ring $f.ring.gz was not built"
done

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
