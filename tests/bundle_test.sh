#!/usr/bin/env bash
# The relocatable bundle (scripts/setup.sh bundle) in a minimal Debian root, as after a VM
# reset: a `debootstrap --variant=minbase bookworm` root that has none of ssdbuild's
# libraries. The bundle is copied to another path there, and another user (nobody) runs it:
# `ldd` must find every library, each bundled one in the bundle; `--version` and `facts`
# must work; and a recipe must run whose steps load the I/O module (extract, then run).
#   tests/bundle_test.sh BUNDLE CACHE
# CACHE keeps the root (CACHE/bookworm-minbase), so that the next run does not debootstrap.
# It needs root (debootstrap, mount, chroot) and Debian's archive: without them it fails when
# CI is set and skips otherwise.
set -euo pipefail

if [ $# -ne 2 ] || [ ! -x "$1/bin/ssdbuild" ]; then
  echo "usage: tests/bundle_test.sh BUNDLE CACHE (BUNDLE from scripts/setup.sh bundle)" >&2
  exit 2
fi
bundle=$(realpath "$1")
cache=$(realpath -m "$2")
root=$cache/bookworm-minbase
place=/opt/moved/ssdbuild  # where the bundle lies in the root: not where it was built
work=/tmp/bundle-test      # the recipe's folder in the root, nobody's
started=$SECONDS

fail() {
  echo "bundle_test: FAILED: $*" >&2
  exit 1
}

unavailable() {  # unavailable WHY: CI must run this test, a developer's machine may not
  [ -n "${CI:-}" ] && fail "$1"
  echo "bundle_test: SKIPPED: $1"
  exit 0
}

check_bundle_files() {  # Drive refuses links: only folders and plain files, each linked once
  local odd
  odd=$(find "$bundle" ! -type d ! -type f -o -type f -links +1)
  [ -z "$odd" ] || fail "the bundle has links or special files: $odd"
}

make_root() {  # the root, debootstrapped once and then kept in CACHE
  [ -x "$root/bin/bash" ] && return 0
  local part=$root.part log=$cache/debootstrap.log
  command -v debootstrap >/dev/null || unavailable "debootstrap is not installed"
  # A debootstrap that died may have left its own mounts there: never delete through them.
  if grep -q " $part/" /proc/self/mounts; then fail "mounts are left under $part"; fi
  rm -rf "$part"
  mkdir -p "$cache"
  echo "bundle_test: debootstrap --variant=minbase bookworm (once; kept in $root)"
  local begun=$SECONDS
  if ! debootstrap --variant=minbase bookworm "$part" >"$log" 2>&1; then
    tail -n 5 "$log" >&2
    unavailable "debootstrap failed (no network to Debian's archive?); its log is $log"
  fi
  mv "$part" "$root"
  echo "bundle_test: debootstrap took $((SECONDS - begun)) s"
}

mounted=()
unmount_all() {  # in reverse order; lazily if something still holds one
  local i
  for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
    umount "${mounted[i]}" 2>/dev/null || umount -l "${mounted[i]}"
  done
  mounted=()
}

mount_system_folders() {
  local folder
  for folder in proc dev sys; do
    # One that an earlier run, killed, left mounted.
    if mountpoint -q "$root/$folder"; then umount -l "$root/$folder"; fi
    # Read-only binds: a stray `rm -rf` of the cache cannot reach the host's /dev or /sys
    # through them, and writing to /dev/null still works.
    mount --bind -o ro "/$folder" "$root/$folder" ||
      unavailable "cannot bind-mount /$folder into $root (a container without CAP_SYS_ADMIN?)"
    mounted+=("$root/$folder")
  done
}

in_root() {  # in_root COMMAND...: as nobody, in $work, with a clean environment
  chroot --userspec=65534:65534 "$root" /usr/bin/env -i -C "$work" HOME="$work" LANG=C.UTF-8 \
    PATH=/usr/local/bin:/usr/bin:/bin "$@"
}

install_bundle() {
  rm -rf "$root/opt/moved" "$root$work"
  mkdir -p "$root/opt/moved" "$root$work/payload"
  cp -a "$bundle" "$root$place"
  # On PATH through a link, as the README's notebook puts it.
  ln -sfn "$place/bin/ssdbuild" "$root/usr/local/bin/ssdbuild"
  echo "hello from the bundle" >"$root$work/payload/hello.txt"
  tar -C "$root$work" -czf "$root$work/payload.tar.gz" payload
  rm -r "$root$work/payload"
  cat >"$root$work/recipe.yaml" <<'EOF'
name: bundle-test
stages:
  - name: unpack
    steps:
      - name: payload
        extract: {archive: payload.tar.gz, dest: payload, strip_components: 1}
      - name: read
        run: test "$(cat payload/hello.txt)" = "hello from the bundle"
EOF
  chown -R 65534:65534 "$root$work"
}

check_root_lacks_libraries() {  # else the test would prove nothing
  local found
  found=$(find "$root/usr" -name 'libgit2.so*' -o -name 'libcurl.so*' -o -name 'libarchive.so*' \
    -o -name 'libspdlog.so*' -o -name 'libfmt.so*')
  [ -z "$found" ] || fail "the root has ssdbuild's libraries: $found"
}

check_ldd() {  # every library found, and each bundled one found in the bundle
  local listing name arrow path
  listing=$(in_root ldd "$place/bin/ssdbuild" "$place/lib/ssdbuild/ssdbuild-io.so") ||
    fail "ldd in the root: $listing"
  if grep -q "not found" <<<"$listing"; then
    fail "in the root, ldd finds no $(grep "not found" <<<"$listing" | cut -f2 |
      cut -d' ' -f1 | sort -u | paste -sd' ')"$'\n'"$listing"
  fi
  while read -r name arrow path _; do
    if [ "$arrow" = "=>" ] && [ -f "$bundle/lib/$name" ] &&
      [ "$(realpath -ms "$path")" != "$place/lib/$name" ]; then
      fail "$name resolves to $path, not to the bundle's copy:"$'\n'"$listing"
    fi
  done <<<"$listing"
  echo "bundle_test: ldd in the root finds every library ($(grep -c '=>' <<<"$listing") lookups)"
}

expect_output() {  # expect_output PATTERN COMMAND...: it succeeds, a line matches PATTERN
  local pattern=$1 output
  shift
  output=$(in_root "$@" 2>&1) || fail "$* in the root:"$'\n'"$output"
  grep -qE -- "$pattern" <<<"$output" || fail "$* printed no line matching $pattern:"$'\n'"$output"
}

[ "$(id -u)" -eq 0 ] || unavailable "needs root (debootstrap, mount and chroot)"
check_bundle_files
make_root
check_root_lacks_libraries
trap unmount_all EXIT
trap 'exit 130' INT TERM HUP
mount_system_folders
install_bundle
check_ldd
expect_output "^$("$bundle/bin/ssdbuild" --version)\$" "$place/bin/ssdbuild" --version
expect_output "^os\.codename +bookworm\$" "$place/bin/ssdbuild" facts
expect_output "^ok  \[2/2\] unpack/read " ssdbuild run recipe.yaml --state-dir state --progress plain
[ -f "$root$work/payload/hello.txt" ] || fail "the extract step left no payload/hello.txt"
unmount_all
echo "bundle_test: passed in $((SECONDS - started)) s"
