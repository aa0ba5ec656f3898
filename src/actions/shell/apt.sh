# shellcheck shell=bash
# The `apt` action, for a run and a plan alike, as root or through `sudo -n`. apt-get update
# runs when asked, when the sources changed, or before an install (a fresh VM has no lists),
# once per run: the --marker file holds the run's token once it did.
: "${ssdbuild_run_token:=script-$$}"

ssdbuild_as_root() { if [ "$EUID" -eq 0 ]; then "$@"; else sudo -n "$@"; fi; }

# ssdbuild_apt_missing PKG...: prints those not installed (NAME=VERSION: not that version;
# NAME:ARCH as a stage cache's manifest names them). One dpkg-query answers for all of them:
# a restored stage's list has hundreds.
ssdbuild_apt_missing() {
  [ $# -gt 0 ] || return 0
  local package name arch status
  local -A installed=()
  while IFS=$'\t' read -r name arch status; do installed[$name]=$status installed[$name:$arch]=$status
  done < <(dpkg-query -W -f='${Package}\t${Architecture}\t${Status} ${Version}\n' "${@%%=*}" 2>/dev/null || true)
  for package in "$@"; do
    status=${installed[${package%%=*}]:-}
    case "$package" in
      *=*) [ "$status" = "install ok installed ${package#*=}" ] || echo "$package" ;;
      *) [[ $status == "install ok installed "* ]] || echo "$package" ;;
    esac
  done
}

# ssdbuild_apt_index_kept DIR: DIR/Packages, the index of the .deb files kept in DIR, made
# again when its count differs (apt only adds files there), and renamed into place (Drive).
ssdbuild_apt_index_kept() {
  local dir=$1 name size && local -A size_of=()
  while read -r size name; do size_of[${name##*/}]=$size; done < <(stat -c '%s %n' "$dir"/*.deb 2>/dev/null)
  [ "$(grep -c '^Filename: ' "$dir/Packages" 2>/dev/null)" != ${#size_of[@]} ] || return 0
  for name in "${!size_of[@]}"; do  # Filename is a URI path: a kept epoch's %3a stays
    dpkg-deb -f "$dir/$name" | grep -v -e '^ ' -e '^Description:'
    printf 'Filename: %s\nSize: %s\n\n' "${name//%/%25}" "${size_of[$name]}"
  done >"$dir/Packages.part-$$" && mv -f "$dir/Packages.part-$$" "$dir/Packages"
}

# ssdbuild_apt_kept_source DIR REPO: prints apt-get's options that make DIR/Packages, read into
# REPO, the only package source: an install from the kept files needs no network, no update.
ssdbuild_apt_kept_source() {
  local dir && dir=$(cd "$1" && pwd) && mkdir -p "$2/lists/partial" || return 1
  echo "deb [trusted=yes] file:${dir// /%20} ./" >"$2/sources.list"  # Drive's "My Drive" has a space
  local options=(-o "Dir::Etc::SourceList=$2/sources.list" -o "Dir::Etc::SourceParts=$2/none"
    -o "Dir::State::Lists=$2/lists" -o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache=)
  ssdbuild_as_root apt-get -q "${options[@]}" update >/dev/null 2>&1 && printf '%s\n' "${options[@]}"
}

# ssdbuild_apt_recover APT_GET...: finishes an install that a killed apt-get left half done,
# which apt-get refuses to go on from: dpkg --configure -a, then APT_GET --fix-broken install
# for packages whose dependencies were never unpacked.
ssdbuild_apt_recover() {
  [ -z "$(dpkg --audit 2>/dev/null)" ] && ! compgen -G '/var/lib/dpkg/updates/[0-9]*' >/dev/null && return 0
  echo "apt: an earlier install was interrupted; finishing it first (dpkg --configure -a, apt-get --fix-broken install)"
  ssdbuild_as_root env DEBIAN_FRONTEND=noninteractive dpkg --configure -a || true
  "$@" --fix-broken install || { echo "apt: the interrupted install cannot be finished; see dpkg --audit" >&2; return 1; }
}

# ssdbuild_apt [--update] [--sources] [--keep-debs DIR] [--recommends] [--unsafe-io]
#   [--no-fsync LIBRARY] [--defer-byte-compile] [--apt-dir DIR] [--marker FILE]
#   [--install|--build-dep|--remove PKG...]
ssdbuild_apt() {
  local __update='' __sources='' __recommends='' __unsafe_io='' __defer_byte_compile=''
  local __keep_debs='' __apt_dir=/etc/apt __marker='' __no_fsync='' list='' no_compile='' status=0
  local install=() build_dep=() remove=() missing=() present=() changed='' kept_repo='' from_kept=()
  while [ $# -gt 0 ]; do
    case "$1" in
      --update | --sources | --recommends | --unsafe-io | --defer-byte-compile) printf -v "${1//-/_}" 1 ;;
      --keep-debs | --apt-dir | --marker | --no-fsync) printf -v "${1//-/_}" %s "$2"; shift ;;
      --install | --build-dep | --remove) list=$1 ;;
      -*) echo "ssdbuild_apt: unknown option $1" >&2; return 2 ;;
      *) case "$list" in --install) install+=("$1") ;; --build-dep) build_dep+=("$1") ;;
          --remove) remove+=("$1") ;; *) echo "ssdbuild_apt: $1 is in no list" >&2; return 2 ;; esac ;;
    esac
    shift
  done
  # The one apt-get command line; recommended packages are not needed to build, and are 188 of
  # the default recipe's 646 MB download on a bare Debian 12 (docs/recipes.md).
  # A machine thrown away whole (Colab) needs no fsync: dpkg's journal covers a killed apt-get.
  local preload=() && [ ! -r "$__no_fsync" ] || preload=("LD_PRELOAD=$__no_fsync${LD_PRELOAD:+ $LD_PRELOAD}")
  # A fresh cloud VM's unattended-upgrades holds dpkg's lock for minutes after boot: wait.
  local apt_get=(ssdbuild_as_root env "${preload[@]}" DEBIAN_FRONTEND=noninteractive apt-get -y -q -o DPkg::Lock::Timeout=300) lean=()
  [ -n "$__recommends" ] || lean=(--no-install-recommends)
  [ -z "$__keep_debs" ] || { mkdir -p "$__keep_debs/partial"; apt_get+=(-o "Dir::Cache::Archives=$__keep_debs"); }
  [ "$__apt_dir" = /etc/apt ] || apt_get+=(-o "Dir::Etc=$__apt_dir")
  [ -z "$__unsafe_io" ] || apt_get+=(-o "Dpkg::Options::=--force-unsafe-io")
  # ssdbuild_apt_sources: apt_sources.sh, defined with this file when a step needs it.
  if [ -n "$__sources" ]; then changed=$(ssdbuild_apt_sources "$__apt_dir") || return 1; fi
  [ ${#install[@]} -eq 0 ] || mapfile -t missing < <(ssdbuild_apt_missing "${install[@]}")
  # After a VM reset, what the kept files cover (apt-get's dry run says so) comes from them alone.
  if [ -f "$__keep_debs/Packages" ] && [ -z "$changed" ] && [ ${#missing[@]} -gt 0 ] && [ ${#build_dep[@]} -eq 0 ]; then
    kept_repo=$(mktemp -d "${TMPDIR:-/tmp}/ssdbuild-kept-debs.XXXXXX") && mapfile -t from_kept < <(ssdbuild_apt_kept_source "$__keep_debs" "$kept_repo")
    [ ${#from_kept[@]} -gt 0 ] && "${apt_get[@]}" "${lean[@]}" "${from_kept[@]}" --no-download -s install "${missing[@]}" >/dev/null 2>&1 || from_kept=()
  fi
  if [ ${#from_kept[@]} -gt 0 ]; then
    echo "apt: installing from the .deb files kept in the state folder (no apt-get update, nothing downloaded)"
    apt_get+=("${from_kept[@]}" --no-download)
  elif [ -n "$__update$changed" ] || [ ${#missing[@]} -gt 0 ] || [ ${#build_dep[@]} -gt 0 ]; then
    if [ -n "$changed" ] || [ -z "$__marker" ] || [ "$(cat "$__marker" 2>/dev/null)" != "$ssdbuild_run_token" ]; then
      "${apt_get[@]}" update || { echo "apt-get update failed; no network, or a broken source list?" >&2; return 1; }
      # The marker is in the state folder, which a run and a plan script make first.
      echo "$ssdbuild_run_token" >"${__marker:-/dev/null}" || echo "apt: the next apt step updates again" >&2
    fi
  fi
  if [ ${#install[@]} -gt 0 ] && [ ${#missing[@]} -eq 0 ]; then echo "apt: every package is installed already"; fi
  # One apt-cache for all (a reset's list has a hundred); it names NAME:ARCH as NAME, for this arch.
  local -A candidate=() && local package policy
  if [ ${#missing[@]} -gt 0 ] && [ ${#from_kept[@]} -eq 0 ]; then
    while IFS= read -r policy; do case $policy in [!\ ]*:) package=${policy%:} ;; "  Candidate: "[!\(]*) candidate[$package]=1 ;; esac
    done < <(apt-cache policy "${missing[@]%%=*}" 2>/dev/null)
    for package in "${missing[@]%%=*}"; do [ -n "${candidate[$package]:-${candidate[${package%%:*}]:-}}" ] || {
      echo "apt: no package \`$package\` in this system's sources; check the name with \`apt-cache search $package\`" >&2; return 1; }; done
  fi
  # Python compiles what is imported, at its first import; maintainer scripts compile every
  # module if dpkg's PATH (apt's DPkg::Path) has a py3compile: here a no-op, if it runs (on a
  # noexec /tmp: not). .pyc files are in no package's list either way; prerm removes them.
  if [ -n "$__defer_byte_compile" ] && [ $((${#missing[@]} + ${#build_dep[@]})) -gt 0 ]; then
    no_compile=$(mktemp -d "${TMPDIR:-/tmp}/ssdbuild-no-py3compile.XXXXXX") || return 1
    printf '#!/bin/sh\nexit 0\n' | tee "$no_compile/pypy3compile" >"$no_compile/py3compile"
    chmod 755 "$no_compile" "$no_compile"/* && "$no_compile/py3compile" 2>/dev/null && apt_get+=(-o "DPkg::Path=$no_compile:/usr/sbin:/usr/bin:/sbin:/bin")
  fi
  if [ $((${#missing[@]} + ${#build_dep[@]})) -gt 0 ]; then ssdbuild_apt_recover "${apt_get[@]}" "${lean[@]}" || return 1; fi
  if [ ${#missing[@]} -gt 0 ]; then
    "${apt_get[@]}" "${lean[@]}" install "${missing[@]}" || { echo "apt-get install failed" >&2; status=1; }
    # Indexed now, while nothing waits on it: after a VM reset the index is what installs them.
    [ $status -ne 0 ] || [ -z "$__keep_debs" ] || ssdbuild_apt_index_kept "$__keep_debs" || echo "apt: the kept files are not indexed" >&2
  fi
  if [ $status -eq 0 ] && [ ${#build_dep[@]} -gt 0 ]; then
    "${apt_get[@]}" "${lean[@]}" build-dep "${build_dep[@]}" ||
      { echo "apt-get build-dep failed; are source packages on (\`enable_sources: true\`)?" >&2; status=1; }
  fi
  [ -z "$no_compile" ] || rm -rf "$no_compile"
  [ -z "$kept_repo" ] || ssdbuild_as_root rm -rf "$kept_repo"
  [ $status -eq 0 ] || return 1
  for package in "${remove[@]}"; do [ -n "$(ssdbuild_apt_missing "$package")" ] || present+=("$package"); done
  [ ${#present[@]} -eq 0 ] || "${apt_get[@]}" remove "${present[@]}" || { echo "apt-get remove failed" >&2; return 1; }
}
