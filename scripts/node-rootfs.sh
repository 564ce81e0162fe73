# Sourced by the offline image builds (build-agent-image.sh, build-hub-image.sh): the pieces of a
# FROM-scratch root file system that runs this host's `node`.

# node_rootfs <rootfs> <user> <uid>: the node binary at /usr/local/bin/node, every shared library
# ldd lists for it (dynamic loader included), /etc/passwd and /etc/group with root and the
# non-root <user> (uid = gid = <uid>), /etc/nsswitch.conf, and a world-writable sticky /tmp.
node_rootfs() {
  local rootfs="$1" user="$2" uid="$3" node_bin
  node_bin="$(readlink -f "$(command -v node)")"
  [ -x "$node_bin" ] || { echo "node-rootfs: node binary not found" >&2; return 1; }
  mkdir -p "$rootfs/usr/local/bin" "$rootfs/etc" "$rootfs/tmp"
  chmod 1777 "$rootfs/tmp"
  cp "$node_bin" "$rootfs/usr/local/bin/node"
  shared_libs "$rootfs" "$node_bin"
  printf 'root:x:0:0:root:/root:/sbin/nologin\n%s:x:%s:%s:artic %s:/tmp:/sbin/nologin\n' "$user" "$uid" "$uid" "$user" >"$rootfs/etc/passwd"
  printf 'root:x:0:\n%s:x:%s:\n' "$user" "$uid" >"$rootfs/etc/group"
  # Names from /etc/hosts first, then DNS (Docker writes both files; glibc has both built in).
  printf 'hosts: files dns\n' >"$rootfs/etc/nsswitch.conf"
}

# shared_libs <rootfs> <elf>...: copies every shared library ldd lists for the given binaries or
# native addons into <rootfs> at the same paths. Every absolute path ldd prints:
# "libx.so => /lib/.../libx.so (0x…)" and "/lib64/ld-linux… (0x…)".
shared_libs() {
  local rootfs="$1" elf lib
  shift
  for elf in "$@"; do ldd "$elf"; done | grep -oE '/[^ ]+' | sort -u | while read -r lib; do
    [ -e "$lib" ] || continue
    mkdir -p "$rootfs$(dirname "$lib")"
    cp -L "$lib" "$rootfs$lib"
  done
}

# Docker CLIs without the buildx plugin refuse BuildKit builds; the classic builder needs nothing.
docker_builder_env() {
  if docker buildx version >/dev/null 2>&1; then export DOCKER_BUILDKIT="${DOCKER_BUILDKIT:-1}"; else export DOCKER_BUILDKIT=0; fi
}
