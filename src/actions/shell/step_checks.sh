# shellcheck shell=bash
# What `ssdbuild run` checks after a step's commands succeed: every path it creates (its
# `creates`, and what its action makes) exists, and its `check` passes in its folder.

# ssdbuild_created STEP PATH...: fails, naming the first path (or glob) that matches nothing.
ssdbuild_created() {
  local step=$1 path
  shift
  for path in "$@"; do
    if [ ! -e "$path" ] && ! compgen -G "$path" >/dev/null; then
      echo "ssdbuild: $step finished, but did not create $path" >&2
      return 1
    fi
  done
}

# ssdbuild_check STEP FOLDER COMMAND: runs COMMAND as a run does (bash, the step's folder).
ssdbuild_check() {
  if ! (cd "$2" && bash -euo pipefail -c "$3"); then
    echo "ssdbuild: $1 finished, but its check failed: $3" >&2
    return 1
  fi
}
