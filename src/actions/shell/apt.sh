# shellcheck shell=bash
# The `apt` action, for a run and a plan alike: turn source packages on, update the package
# lists, install what is missing, install build dependencies, remove packages. As root, or
# through `sudo -n` when the script runs as someone else (as a run does).
#
# apt-get update runs when asked, when the sources changed, or before installing something
# missing or build dependencies (a fresh VM has no package lists), and then once per run:
# the file given with --marker holds the run's token ($ssdbuild_run_token; a script that
# runs by hand is a run of its own) once it did.
: "${ssdbuild_run_token:=script-$$}"

ssdbuild_as_root() {
  if [ "$EUID" -eq 0 ]; then "$@"; else sudo -n "$@"; fi
}

# ssdbuild_apt_missing PKG...: prints those not installed (NAME=VERSION: not that version;
# NAME:ARCH as a stage cache's manifest names them). One dpkg-query answers for all of them:
# a restored stage's list has hundreds.
ssdbuild_apt_missing() {
  [ $# -gt 0 ] || return 0
  local package name arch status
  local -A installed=()
  while IFS=$'\t' read -r name arch status; do
    installed[$name]=$status
    installed[$name:$arch]=$status
  done < <(dpkg-query -W -f='${Package}\t${Architecture}\t${Status} ${Version}\n' "${@%%=*}" \
    2>/dev/null || true)
  for package in "$@"; do
    status=${installed[${package%%=*}]:-}
    case "$package" in
      *=*) [ "$status" = "install ok installed ${package#*=}" ] || echo "$package" ;;
      *) [[ $status == "install ok installed "* ]] || echo "$package" ;;
    esac
  done
}

# ssdbuild_apt [--update] [--sources] [--keep-debs DIR] [--recommends] [--apt-dir DIR]
#   [--marker FILE] [--install PKG...] [--build-dep PKG...] [--remove PKG...]
ssdbuild_apt() {
  local update='' sources='' archives='' recommends='' apt_dir=/etc/apt marker='' list=''
  local install=() build_dep=() remove=() missing=() present=() changed='' package policy
  while [ $# -gt 0 ]; do
    case "$1" in
      --update | --sources | --recommends) printf -v "${1#--}" 1 ;;
      --keep-debs) archives=$2; shift ;;
      --apt-dir) apt_dir=$2; shift ;;
      --marker) marker=$2; shift ;;
      --install | --build-dep | --remove) list=$1 ;;
      -*) echo "ssdbuild_apt: unknown option $1" >&2; return 2 ;;
      *) case "$list" in --install) install+=("$1") ;; --build-dep) build_dep+=("$1") ;;
          --remove) remove+=("$1") ;; *) echo "ssdbuild_apt: $1 is in no list" >&2; return 2 ;; esac ;;
    esac
    shift
  done
  # The `apt` action's one apt-get command line; recommended packages are not needed to
  # build, and they are a large part of the download (188 of the default recipe's 646 MB on
  # a bare Debian 12: docs/recipes.md).
  local apt_get=(ssdbuild_as_root env DEBIAN_FRONTEND=noninteractive apt-get -y -q) lean=()
  [ -n "$recommends" ] || lean=(--no-install-recommends)
  [ -z "$archives" ] || { mkdir -p "$archives/partial"; apt_get+=(-o "Dir::Cache::Archives=$archives"); }
  [ "$apt_dir" = /etc/apt ] || apt_get+=(-o "Dir::Etc=$apt_dir")
  # ssdbuild_apt_sources: apt_sources.sh, defined with this file when a step needs it.
  if [ -n "$sources" ]; then changed=$(ssdbuild_apt_sources "$apt_dir") || return 1; fi
  [ ${#install[@]} -eq 0 ] || mapfile -t missing < <(ssdbuild_apt_missing "${install[@]}")
  if [ -n "$update$changed" ] || [ ${#missing[@]} -gt 0 ] || [ ${#build_dep[@]} -gt 0 ]; then
    if [ -n "$changed" ] || [ -z "$marker" ] || [ "$(cat "$marker" 2>/dev/null)" != "$ssdbuild_run_token" ]; then
      "${apt_get[@]}" update || { echo "apt-get update failed; no network, or a broken source list?" >&2; return 1; }
      # The marker is in the state folder, which a run and a plan script make first.
      echo "$ssdbuild_run_token" >"${marker:-/dev/null}" || echo "apt: the next apt step updates again" >&2
    fi
  fi
  if [ ${#install[@]} -gt 0 ] && [ ${#missing[@]} -eq 0 ]; then echo "apt: every package is installed already"; fi
  for package in "${missing[@]}"; do
    policy=$(apt-cache policy "${package%%=*}" 2>/dev/null || true)
    if [[ $policy != *"Candidate: "* || $policy == *"Candidate: (none)"* ]]; then
      echo "apt: no package \`${package%%=*}\` in this system's sources; check the name with \`apt-cache search ${package%%=*}\`" >&2
      return 1
    fi
  done
  if [ ${#missing[@]} -gt 0 ]; then
    "${apt_get[@]}" "${lean[@]}" install "${missing[@]}" || { echo "apt-get install failed" >&2; return 1; }
  fi
  if [ ${#build_dep[@]} -gt 0 ]; then
    "${apt_get[@]}" "${lean[@]}" build-dep "${build_dep[@]}" ||
      { echo "apt-get build-dep failed; are source packages on (\`enable_sources: true\`)?" >&2; return 1; }
  fi
  for package in "${remove[@]}"; do [ -n "$(ssdbuild_apt_missing "$package")" ] || present+=("$package"); done
  if [ ${#present[@]} -gt 0 ]; then
    "${apt_get[@]}" remove "${present[@]}" || { echo "apt-get remove failed" >&2; return 1; }
  fi
}
