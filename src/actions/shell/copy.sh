# shellcheck shell=bash
# The `copy` action, for a run and a plan alike. The copy is made beside its destination and
# renamed into place, so that an interrupted copy never leaves a half-written file; without
# --overwrite an existing destination is kept. --builtin: FROM names a file built into
# ssdbuild (`builtin:NAME`), which `ssdbuild show` prints.

# ssdbuild_copy [--overwrite] [--builtin] FROM TO
ssdbuild_copy() {
  local overwrite='' builtin=''
  if [ "$1" = --overwrite ]; then overwrite=1; shift; fi
  if [ "$1" = --builtin ]; then builtin=1; shift; fi
  local from=$1 to=$2
  if [ -z "$overwrite" ] && [ -e "$to" ]; then
    echo "copy: kept $to: it exists (overwrite: false)"
  elif [ -n "$builtin" ]; then
    mkdir -p "$(dirname "$to")"
    # shellcheck disable=SC2154 # $ssdbuild: set at the top of the script, the binary that wrote it
    "$ssdbuild" show "$from" >"$to.ssdbuild-tmp"
    mv -f "$to.ssdbuild-tmp" "$to"
    echo "copy: builtin:$from -> $to ($(wc -c <"$to") bytes)"
  elif [ ! -e "$from" ]; then
    echo "copy: $from does not exist (did an earlier step create it?)" >&2
    return 1
  else
    rm -rf "$to.ssdbuild-tmp"
    cp -a "$from" "$to.ssdbuild-tmp"
    # A folder is not replaced by a rename; a file or a link is.
    if [ -d "$to" ] && [ ! -L "$to" ]; then rm -rf "$to"; fi
    mv -fT "$to.ssdbuild-tmp" "$to"
    echo "copy: $from -> $to"
  fi
}
