# shellcheck shell=bash
# The plan's `fetch` (a run downloads with libcurl): the first URL that gives the file with
# the expected SHA-256 wins; the download goes to DEST.part and is renamed when it checks
# out. A server that ignores Range makes `curl -C -` fail: then the .part starts over.

# ssdbuild_fetch DEST SHA256|- URL...
ssdbuild_fetch() {
  local dest=$1 sha256=$2 url curl=(curl -fsSL --retry 5 --connect-timeout 30)
  shift 2
  if [ "$sha256" = - ]; then [ ! -e "$dest" ] || return 0
  elif echo "$sha256  $dest" | sha256sum -c --status - 2>/dev/null; then return 0; fi
  mkdir -p "$(dirname "$dest")"
  for url in "$@"; do
    "${curl[@]}" -C - -o "$dest.part" "$url" ||
      { rm -f "$dest.part"; "${curl[@]}" -o "$dest.part" "$url"; } || continue
    if [ "$sha256" = - ] || echo "$sha256  $dest.part" | sha256sum -c --status -; then
      mv "$dest.part" "$dest"
      return 0
    fi
    echo "fetch: checksum mismatch from $url" >&2
    rm -f "$dest.part"
  done
  echo "fetch: no URL gave $(basename "$dest")" >&2
  return 1
}
