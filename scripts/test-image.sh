#!/usr/bin/env bash
# Makes the image the real-engine tests and the examples run, without any registry:
# `rcompose-test/busybox:latest` (also tagged `rcompose-example/busybox:latest`), a rootfs of
# nothing but a static busybox and its applet links, imported with `docker import`.
# Idempotent and quick when the image exists; safe to run from several processes at once.
set -euo pipefail

image=rcompose-test/busybox:latest
example_image=rcompose-example/busybox:latest

have_image() { docker image inspect "$1" >/dev/null 2>&1; }

tag_example() {
  have_image "$example_image" || docker tag "$image" "$example_image"
}

if have_image "$image"; then
  tag_example
  exit 0
fi

# Several test processes may call this at once: one builds, the others wait and find the image.
lock=${TMPDIR:-/tmp}/rcompose-test-image.lock
if command -v flock >/dev/null 2>&1; then
  exec 9>"$lock"
  flock 9
  if have_image "$image"; then
    tag_example
    exit 0
  fi
fi

is_static() {
  [ -x "$1" ] || return 1
  local out
  out=$(LC_ALL=C ldd "$1" 2>&1 || true)
  case "$out" in
    *"not a dynamic executable"* | *"statically linked"*) return 0 ;;
  esac
  return 1
}

find_busybox() {
  for candidate in /bin/busybox /usr/bin/busybox; do
    if is_static "$candidate"; then
      echo "$candidate"
      return 0
    fi
  done
  return 1
}

busybox=$(find_busybox || true)
if [ -z "$busybox" ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  echo "test-image: installing Debian's busybox-static" >&2
  export DEBIAN_FRONTEND=noninteractive
  if ! $sudo apt-get install -y -q busybox-static >/dev/null; then
    $sudo apt-get update -q >/dev/null
    $sudo apt-get install -y -q busybox-static >/dev/null
  fi
  busybox=$(find_busybox || true)
  if [ -z "$busybox" ]; then
    echo "test-image: no static busybox found after installing busybox-static" >&2
    exit 1
  fi
fi

rootfs=$(mktemp -d)
trap 'rm -rf "$rootfs"' EXIT
mkdir -p "$rootfs"/{bin,sbin,usr/bin,usr/sbin,etc,tmp,root,proc,sys,dev,var/www}
chmod 1777 "$rootfs/tmp"
cp "$busybox" "$rootfs/bin/busybox"
# Every applet this busybox has, at its usual path (bin/sh, usr/bin/wget, sbin/...).
"$busybox" --list-full | while read -r applet; do
  [ -n "$applet" ] && [ "$applet" != "bin/busybox" ] || continue
  mkdir -p "$rootfs/$(dirname "$applet")"
  ln -sf /bin/busybox "$rootfs/$applet"
done
# The applets the tests rely on, whatever --list-full said.
for applet in sh sleep cat echo true false wget httpd nc ls env ps kill id; do
  [ -e "$rootfs/bin/$applet" ] || [ -e "$rootfs/usr/bin/$applet" ] || [ -e "$rootfs/sbin/$applet" ] ||
    ln -sf /bin/busybox "$rootfs/bin/$applet"
done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$rootfs/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$rootfs/etc/group"

tar -C "$rootfs" --owner=0 --group=0 --numeric-owner -c . | docker import \
  --change 'CMD ["sh"]' \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'LABEL org.rcompose.test-image=busybox' \
  - "$image" >/dev/null
tag_example
echo "test-image: built $image and $example_image" >&2
