# shellcheck shell=bash
# The plan's `git` (a run uses libgit2), with a run's guards: a fresh clone is made beside
# DEST and moved in; a clone of another URL is refused; a pinned commit already checked out
# fetches nothing; local changes to tracked files stop the switch unless --force, which
# lists what it discards.

# ssdbuild_git --url URL --dest DEST [--ref REF] [--commit SHA] [--force] [--submodules]
ssdbuild_git() {
  local url='' dest='' ref='' commit='' force='' submodules='' target
  while [ $# -gt 0 ]; do
    case "$1" in
      --url | --dest | --ref | --commit) printf -v "${1#--}" %s "$2"; shift 2 ;;
      --force | --submodules) printf -v "${1#--}" 1; shift ;;
      *) echo "ssdbuild_git: unknown option $1" >&2; return 2 ;;
    esac
  done
  if [ ! -d "$dest/.git" ]; then
    rm -rf "$dest.ssdbuild-tmp"
    git clone "$url" "$dest.ssdbuild-tmp"
    rmdir "$dest" 2>/dev/null || true
    mv "$dest.ssdbuild-tmp" "$dest"
  elif [ "$(git -C "$dest" remote get-url origin)" != "$url" ]; then
    echo "git: $dest is a clone of another URL" >&2
    return 1
  elif [ -n "$commit" ] && [ "$(git -C "$dest" rev-parse HEAD)" = "$commit" ]; then
    echo "git: $dest is at $commit already"
  else
    git -C "$dest" fetch --force origin '+refs/heads/*:refs/remotes/origin/*' '+refs/tags/*:refs/tags/*'
  fi
  target=$commit
  if [ -n "$ref" ]; then
    target=$(git -C "$dest" rev-parse --verify -q "origin/$ref^{commit}" ||
      git -C "$dest" rev-parse --verify -q "refs/tags/$ref^{commit}" ||
      git -C "$dest" rev-parse --verify -q "$ref^{commit}")
    if [ -n "$commit" ] && [ "$target" != "$commit" ]; then
      echo "git: $ref is $target, not the pinned $commit" >&2
      return 1
    fi
  fi
  if [ "$(git -C "$dest" rev-parse HEAD)" != "$target" ]; then
    local changed
    changed=$(git -C "$dest" status --porcelain --untracked-files=no)
    if [ -n "$force" ]; then
      # shellcheck disable=SC2001 # per line, which ${changed//...} is not
      [ -z "$changed" ] || sed 's/^.. /git: discarding local change to /' <<<"$changed"
      git -C "$dest" checkout --force --detach "$target"
    elif [ -n "$changed" ]; then
      echo "git: $dest has local changes; switching it would lose them. Commit or stash them, or set \`force: true\`. Changed:" >&2
      echo "$changed" >&2
      return 1
    else
      git -C "$dest" checkout --detach "$target"
    fi
  fi
  if [ -n "$submodules" ]; then git -C "$dest" submodule update --init --recursive; fi
}
