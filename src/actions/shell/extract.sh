# shellcheck shell=bash
# The plan's `extract` (a run extracts with libarchive): the archive is unpacked beside DEST
# and renamed into place, with a marker holding the archive's SHA-256 and the strip count,
# so that an unchanged archive is not unpacked again. GNU tar cannot read zip files: those
# go through ssdbuild_unzip (unzip.py), which makes the same safety checks as a run.

# ssdbuild_extract [--overwrite] ARCHIVE DEST STRIP
ssdbuild_extract() {
  local overwrite=
  if [ "$1" = --overwrite ]; then overwrite=1; shift; fi
  local archive=$1 dest=$2 strip=$3
  local temporary="$dest.ssdbuild-tmp" marker
  marker="$(sha256sum "$archive" | cut -c1-64) strip=$strip"
  if [ "$(cat "$dest/.ssdbuild-extracted" 2>/dev/null)" = "$marker" ]; then return 0; fi
  if [ -z "$overwrite" ] && [ -e "$dest" ] && [ ! -e "$dest/.ssdbuild-extracted" ]; then
    echo "extract: $dest exists and was not extracted by ssdbuild; set overwrite: true" >&2
    return 1
  fi
  rm -rf "$temporary" && mkdir -p "$temporary"
  # shellcheck disable=SC2154 # $ssdbuild_unzip_py: unzip.py, defined before this file
  case "$archive" in
    *.zip) python3 -c "$ssdbuild_unzip_py" "$archive" "$temporary" "$strip" ;;
    *) tar -xf "$archive" -C "$temporary" --strip-components="$strip" ;;
  esac
  echo "$marker" >"$temporary/.ssdbuild-extracted"
  rm -rf "$dest" && mkdir -p "$(dirname "$dest")" && mv "$temporary" "$dest"
}
