# shellcheck shell=bash
# `apt: {enable_sources: true}`, called by ssdbuild_apt (apt.sh): source packages turned on
# in both formats of source list.

# The source lists of APT_DIR, each as "FORMAT PATH": one-line for sources.list and
# sources.list.d/*.list, deb822 for sources.list.d/*.sources.
ssdbuild_apt_source_files() {
  local file
  [ ! -f "$1/sources.list" ] || echo "one-line $1/sources.list"
  for file in "$1"/sources.list.d/*.list; do [ ! -f "$file" ] || echo "one-line $file"; done
  for file in "$1"/sources.list.d/*.sources; do [ ! -f "$file" ] || echo "deb822 $file"; done
}

# ssdbuild_apt_sources_edited FORMAT FILE: the file with source packages on. One-line
# format: `# deb-src ...` uncommented; deb822: `deb-src` added to `Types: deb`.
ssdbuild_apt_sources_edited() {
  if [ "$1" = one-line ]; then
    sed -E 's/^([ \t]*)#[ \t]*(deb-src[ \t])/\1\2/' "$2"
  else
    awk '/^Types:/ && /[: \t]deb([ \t]|$)/ && !/[: \t]deb-src([ \t]|$)/ { $0 = $0 " deb-src" } { print }' "$2"
  fi
}

# ssdbuild_apt_sources_off APT_DIR: prints the lists that have source packages off.
ssdbuild_apt_sources_off() {
  local format file
  while read -r format file; do
    ssdbuild_apt_sources_edited "$format" "$file" | cmp -s - "$file" || echo "$file"
  done < <(ssdbuild_apt_source_files "$1")
}

# ssdbuild_apt_enable_sources APT_DIR: turns source packages on; prints the lists it changed.
# Each list is written atomically, as ssdbuild writes its own files: a copy with its mode,
# fsynced, renamed into place, then its folder fsynced, so that a VM reset mid-edit leaves
# the old list or the new one, never an empty one (apt would then find no packages).
ssdbuild_apt_enable_sources() {
  local format file root=()
  [ -w "$1" ] || root=(ssdbuild_as_root)
  while read -r format file; do
    ssdbuild_apt_sources_edited "$format" "$file" | cmp -s - "$file" && continue
    # shellcheck disable=SC2016 # $1 is the inner shell's
    ssdbuild_apt_sources_edited "$format" "$file" |
      "${root[@]}" sh -c 'cat >"$1.ssdbuild-tmp" && chmod --reference="$1" "$1.ssdbuild-tmp" &&
        sync "$1.ssdbuild-tmp" && mv -f "$1.ssdbuild-tmp" "$1" && sync "$(dirname "$1")"' sh "$file"
    echo "$file"
  done < <(ssdbuild_apt_source_files "$1")
}

# ssdbuild_apt_sources APT_DIR: the `enable_sources` part of ssdbuild_apt; says what it did
# and prints the lists it changed on its standard output.
ssdbuild_apt_sources() {
  local changed file
  changed=$(ssdbuild_apt_enable_sources "$1") ||
    { echo "apt: cannot turn source packages on in $1; run as root" >&2; return 1; }
  if [ -z "$changed" ]; then echo "apt: source packages are on already" >&2; fi
  while read -r file; do [ -z "$file" ] || echo "apt: source packages turned on in $file" >&2; done <<<"$changed"
  echo "$changed"
}
