#!/usr/bin/env bash
# The platform matrix: ssdbuild and the default recipe (ssd-caffe) on Debian 11 (bullseye,
# standing in for Ubuntu 22.04), 12 (bookworm) and 13 (trixie, for Ubuntu 24.04), each in
# a root made with `debootstrap --variant=minbase`, as a new user would run them:
#   root    debootstrap (once; the root is kept in WORK/roots/RELEASE), apt sources
#   setup   a clean clone of this project in the root, `scripts/setup.sh install` there
#   unit    `scripts/setup.sh unit`: ssdbuild's own tests, built with the release's compiler
#   plan    `ssdbuild plan` of the default recipe
#   cpu     `ssdbuild run` of the default recipe with cuda=off, from local copies of the
#           upstream repositories: deps, Caffe and pycaffe, `import caffe` with the system
#           python, the harness, and the CPU benchmark (random weights: no download)
#   cuda    the release's nvcc (Debian's nvidia-cuda-toolkit from non-free, or --host-cuda),
#           the recipe up to its configure stage with cuda=on and one architecture (the
#           toolchain stage picks nvcc's host compiler), then in the Caffe tree one .cu and
#           one .cpp object (the probe), then `make lib`
# It prints one table (release, compiler, CUDA, each stage's result and wall time) and,
# for each failed stage, the failed step with its last log lines; WORK/table.md keeps it.
#
#   tests/platform_matrix.sh [OPTIONS] WORK [RELEASE...]     (RELEASE: bullseye bookworm trixie)
#     --caffe GIT        a clone of weiliu89/caffe holding the recipe's caffe_commit (cpu, cuda)
#     --mobilenet GIT    a clone of chuanqi305/MobileNet-SSD; its HEAD is the mobilenet_commit
#     --host-cuda DIR    a CUDA toolkit (DIR/bin/nvcc) bound at /usr/local/cuda in the roots
#                        of releases whose archive has none (bookworm)
#     --stages LIST      the stages to run, comma-separated (default: all; the root and the
#                        clone are always made)
#     --mirror URL       Debian's archive (default: debootstrap's own default, which the
#                        root's apt sources then use)
#     --fresh            remove the kept clone, work folders and state folders first
#     --table            print WORK's table again (from its kept results) and run nothing
#     --bundle DIR       a relocatable ssdbuild (scripts/setup.sh bundle), copied into the
#                        root, that the plan stage runs: no build of ssdbuild in the root
#     --slice            for trixie only, the root, the unit stage and the plan stage: what
#                        CI runs (setup.sh test); with --bundle, the root and the plan stage
# It needs root (debootstrap, mount, chroot) and Debian's archive; without them, --slice
# fails when CI is set and is skipped otherwise. The project is cloned from this
# checkout's HEAD: commit what is to be tested.
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
all_stages=(setup unit plan cpu cuda)
mirror=""
caffe="" mobilenet="" host_cuda="" bundle="" stages="" fresh=0 slice=0 table_only=0
releases=()

usage() {
  sed -n '/^#   tests\/platform_matrix.sh/,/^# It needs/p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

while [ $# -gt 0 ]; do
  case $1 in
    --caffe) caffe=$(realpath "$2"); shift 2 ;;
    --mobilenet) mobilenet=$(realpath "$2"); shift 2 ;;
    --host-cuda) host_cuda=$(realpath "$2"); shift 2 ;;
    --bundle) bundle=$(realpath "$2"); shift 2 ;;
    --stages) stages=$2; shift 2 ;;
    --mirror) mirror=$2; shift 2 ;;
    --fresh) fresh=1; shift ;;
    --slice) slice=1; shift ;;
    --table) table_only=1; shift ;;
    -h | --help) usage ;;
    -*) echo "platform_matrix: unknown option $1" >&2; usage ;;
    *) releases+=("$1"); shift ;;
  esac
done
[ ${#releases[@]} -ge 1 ] || usage
work=$(realpath -m "${releases[0]}")
releases=("${releases[@]:1}")
if [ $slice = 1 ]; then
  [ ${#releases[@]} -gt 0 ] || releases=(trixie)
  # With a bundle nothing is compiled: the quick form (docs/platforms.md).
  if [ -n "$bundle" ]; then stages=${stages:-plan}; else stages=${stages:-unit,plan}; fi
fi
[ ${#releases[@]} -gt 0 ] || releases=(bullseye bookworm trixie)
IFS=, read -r -a wanted_stages <<<"${stages:-$(IFS=,; echo "${all_stages[*]}")}"

fail() {
  echo "platform_matrix: $*" >&2
  exit 1
}

unavailable() {  # unavailable WHY: CI must run the slice, a developer's machine may not
  [ $slice = 1 ] && [ -z "${CI:-}" ] && { echo "platform_matrix: SKIPPED: $1"; exit 0; }
  fail "$1"
}

for release in "${releases[@]}"; do
  case $release in bullseye | bookworm | trixie) ;; *) fail "unknown release $release" ;; esac
done
for stage in "${wanted_stages[@]}"; do
  [[ " ${all_stages[*]} " == *" $stage "* ]] || fail "unknown stage $stage (${all_stages[*]})"
done
wants() { [[ " ${wanted_stages[*]} " == *" $1 "* ]]; }
if [ $table_only = 0 ] && { wants cpu || wants cuda; }; then
  [ -n "$caffe" ] && [ -n "$mobilenet" ] ||
    fail "the cpu and cuda stages need --caffe and --mobilenet (local copies of the upstream)"
fi
[ -z "$bundle" ] || [ -x "$bundle/bin/ssdbuild" ] || fail "$bundle/bin/ssdbuild: no bundle there"
[ $table_only = 1 ] || [ "$(id -u)" -eq 0 ] || unavailable "needs root (debootstrap, mount, chroot)"
command -v debootstrap >/dev/null || unavailable "needs debootstrap (apt-get install debootstrap)"
head=$(git -C "$top" rev-parse HEAD)
[ -z "$(git -C "$top" status --porcelain --untracked-files=no)" ] ||
  echo "platform_matrix: uncommitted changes are not tested: the root gets $head"

# Where things are inside a root.
project=/matrix/ssdbuild
upstream=/matrix/upstream
jobs=$(nproc)

mounted=()
unmount_all() {  # in reverse order; lazily if something still holds one
  local i
  for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
    umount "${mounted[i]}" 2>/dev/null || umount -l "${mounted[i]}" || true
  done
  mounted=()
}
trap unmount_all EXIT
trap 'exit 130' INT TERM HUP

bind() {  # bind SOURCE TARGET [ro]
  mkdir -p "$2"
  if mountpoint -q "$2"; then umount -l "$2"; fi
  mount --bind "$1" "$2"
  mounted+=("$2")
  if [ "${3:-}" = ro ]; then mount -o remount,bind,ro "$2"; fi
}

mount_system() {  # mount_system ROOT: /proc, /sys, /dev and /dev/pts (read-only), a /dev/shm of its own
  local root=$1
  mkdir -p "$root/proc"
  if mountpoint -q "$root/proc"; then umount -l "$root/proc"; fi
  mount -t proc proc "$root/proc"
  mounted+=("$root/proc")
  # Read-only binds: a stray `rm -rf` of WORK cannot reach the host's /dev or /sys.
  bind /sys "$root/sys" ro
  bind /dev "$root/dev" ro
  # script(1) in the unit tests opens a pseudo-terminal: the bind above has no /dev/pts.
  bind /dev/pts "$root/dev/pts" ro
  mount -t tmpfs -o size=256m shm "$root/dev/shm"
  mounted+=("$root/dev/shm")
}

in_root() {  # in_root ROOT COMMAND...: as root, with a clean environment
  local root=$1
  shift
  chroot "$root" /usr/bin/env -i HOME=/root LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "$@"
}

# Results: WORK/results/RELEASE/STAGE.{result,seconds,log,failure}, so that a run of one
# release or stage keeps the others' rows in the table.
record() {  # record RELEASE STAGE RESULT SECONDS
  local dir=$work/results/$1
  mkdir -p "$dir"
  echo "$3" >"$dir/$2.result"
  echo "$4" >"$dir/$2.seconds"
}

# A stage's function runs where `set -e` does not hold (the caller tests its status): each
# command that must stop it says `|| return`.
run_stage() {  # run_stage RELEASE STAGE FUNCTION: runs it, logs it, records its result
  local release=$1 stage=$2 function=$3 begun=$SECONDS dir=$work/results/$1 rc=0
  mkdir -p "$dir"
  rm -f "$dir/$stage.failure"
  echo "platform_matrix: $release: $stage (log: $dir/$stage.log)"
  ("$function" "$release") >"$dir/$stage.log" 2>&1 || rc=$?
  if [ $rc -eq 0 ]; then
    record "$release" "$stage" ok $((SECONDS - begun))
  else
    record "$release" "$stage" "FAILED" $((SECONDS - begun))
    # The stage's function may have named the failed step and its log's tail already.
    [ -s "$dir/$stage.failure" ] || { echo "exit $rc"; tail -n 15 "$dir/$stage.log"; } \
      >"$dir/$stage.failure"
    echo "platform_matrix: $release: $stage FAILED (exit $rc), see $dir/$stage.log"
  fi
  return $rc
}

root_of() { echo "$work/roots/$1"; }

components() {  # the archive's components with non-free (nvidia-cuda-toolkit) in them
  case $1 in bullseye) echo "main contrib non-free" ;; *) echo "main contrib non-free non-free-firmware" ;; esac
}

archive_of() {  # archive_of ROOT: --mirror, else the archive that the root's sources.list names
  local archive=$mirror
  # Without --mirror, the one debootstrap chose (and make_root kept).
  [ -n "$archive" ] || archive=$(awk '$1 == "deb" { print $2; exit }' "$1/etc/apt/sources.list")
  [ -n "$archive" ] || { echo "no archive in $1/etc/apt/sources.list: give --mirror" >&2; return 1; }
  echo "$archive"
}

make_root() {  # made once, kept; the apt sources are written on every run
  local release=$1 root part
  root=$(root_of "$release")
  part=$root.part
  if [ ! -x "$root/bin/bash" ]; then
    # A debootstrap that died may have left its own mounts there: never delete through them.
    if grep -q " $part/" /proc/self/mounts; then fail "mounts are left under $part"; fi
    rm -rf "$part"
    mkdir -p "$(dirname "$root")"
    debootstrap --variant=minbase "$release" "$part" ${mirror:+"$mirror"} || return
    mv "$part" "$root"
  fi
  # Not named `mirror`: a local of that name would hide --mirror from archive_of (and,
  # unset, stop it under `set -u`).
  local archive
  archive=$(archive_of "$root") || return
  cp /etc/resolv.conf "$root/etc/resolv.conf"
  # main only, as a user's machine has by default; non-free comes with the cuda stage.
  echo "deb $archive $release main" >"$root/etc/apt/sources.list"
  if [ "$release" = bullseye ]; then
    # Debian 11 has no CLI11 package. CLI11 is header-only: Debian 12's libcli11-dev is
    # taken, and nothing else from Debian 12 (priority -1 for the rest).
    echo "deb $archive bookworm main" >"$root/etc/apt/sources.list.d/cli11-from-bookworm.list"
    printf '%s\n' "Package: *" "Pin: release n=bookworm" "Pin-Priority: -1" "" \
      "Package: libcli11-dev" "Pin: release n=bookworm" "Pin-Priority: 500" \
      >"$root/etc/apt/preferences.d/cli11-from-bookworm"
  fi
  in_root "$root" apt-get update -q
}

clone_project() {  # a clean clone of HEAD at /matrix/ssdbuild; build/ kept unless --fresh
  local release=$1 root
  root=$(root_of "$release")
  mkdir -p "$root/matrix"
  if [ ! -d "$root$project/.git" ]; then
    git clone -q --no-checkout "$top" "$root$project"
  fi
  git -C "$root$project" fetch -q "$top" "$head"
  git -C "$root$project" checkout -q -f --detach "$head"
  git -C "$root$project" clean -q -ffdx -e /build/
}

stage_setup() { in_root "$(root_of "$1")" bash -c "cd $project && scripts/setup.sh install"; }

stage_unit() { in_root "$(root_of "$1")" bash -c "cd $project && scripts/setup.sh unit"; }

# The default recipe is run from the clone's recipes/ssd-caffe.yaml, the file that the
# installed binary embeds: the same text, and the clone's even when only some stages ran.
# Its settings for this matrix: local upstream copies, no download.
recipe_settings() {
  local mobilenet_commit
  mobilenet_commit=$(git -C "$mobilenet" rev-parse HEAD)
  echo --set caffe_url=$upstream/caffe --set mobilenet_url=$upstream/MobileNet-SSD \
    --set mobilenet_commit="$mobilenet_commit" --set bench_weights_url=
}

ssdbuild_in() {  # ssdbuild_in RELEASE ARGS...: the installed ssdbuild in the root
  local root
  root=$(root_of "$1")
  shift
  in_root "$root" ssdbuild "$@"
}

stage_plan() {
  local release=$1 root script
  root=$(root_of "$release")
  script=$root/matrix/plan.sh
  # --bundle's copy, else the installed one, else (the slice without setup) the unit
  # stage's build.
  local binary=ssdbuild
  if [ -n "$bundle" ]; then
    rm -rf "$root/matrix/bundle"
    cp -a "$bundle" "$root/matrix/bundle" || return
    binary=/matrix/bundle/bin/ssdbuild
  elif [ ! -x "$root/usr/local/bin/ssdbuild" ]; then
    binary=$project/build/release/ssdbuild
  fi
  in_root "$root" bash -c "mkdir -p /matrix/plan && cd /matrix/plan &&
    $binary plan --state-dir /matrix/plan/state" >"$script" || return
  bash -n "$script" || return
  grep -q 'make -j' "$script" || fail "the plan has no make step"
  echo "plan: $(wc -l <"$script") lines in $script"
}

# The failed step of a recipe run, with its log's last lines, for the table's footer.
describe_failure() {  # describe_failure RELEASE STAGE STATE
  local release=$1 stage=$2 state=$3 root
  root=$(root_of "$release")
  # shellcheck disable=SC2046
  ssdbuild_in "$release" status $project/recipes/ssd-caffe.yaml --state-dir "$state" --json \
    $(recipe_settings) $(stage_settings "$stage") >"$work/results/$release/$stage.status.json" || return 0
  python3 - "$work/results/$release/$stage.status.json" "$root" \
    >"$work/results/$release/$stage.failure" <<'EOF'
import json, sys
status, root = json.load(open(sys.argv[1])), sys.argv[2]
for step in status["steps"]:
    if step["status"] in ("failed", "interrupted"):
        print("step %s: %s (exit %s)" % (step["id"], step["status"], step.get("exit_code")))
        try:
            lines = open(root + step["log"], errors="replace").read().splitlines()
        except OSError as error:
            lines = ["(no log: %s)" % error]
        print("\n".join(lines[-15:]))
        break
EOF
}

# Per recipe stage: done/failed/skipped and the sum of its steps' recorded durations.
recipe_stage_times() {  # recipe_stage_times RELEASE STAGE STATE PREFIX
  local release=$1 stage=$2 state=$3 prefix=$4 json
  json=$work/results/$release/$stage.status.json
  # shellcheck disable=SC2046
  ssdbuild_in "$release" status $project/recipes/ssd-caffe.yaml --state-dir "$state" --json \
    $(recipe_settings) $(stage_settings "$stage") >"$json" || return 0
  python3 - "$json" "$work/results/$release" "$prefix" <<'EOF'
import json, sys
status, out, prefix = json.load(open(sys.argv[1])), sys.argv[2], sys.argv[3]
stages = {}
for step in status["steps"]:
    entry = stages.setdefault(step["stage"], {"seconds": 0.0, "states": set()})
    entry["seconds"] += step.get("duration_s") or 0
    entry["states"].add(step["status"] if step["enabled"] else "skipped")
for name, entry in stages.items():
    states = entry["states"]
    result = ("FAILED" if states & {"failed", "interrupted"} else
              "ok" if states <= {"done", "skipped"} and "done" in states else
              "skipped" if states == {"skipped"} else "not run")
    with open("%s/%s%s.result" % (out, prefix, name), "w") as f:
        f.write(result + "\n")
    with open("%s/%s%s.seconds" % (out, prefix, name), "w") as f:
        f.write("%d\n" % round(entry["seconds"]))
EOF
}

stage_settings() {  # the --set options of the cpu or the cuda stage, for run and status alike
  case $1 in
    cpu) echo --set cuda=off --set bench_devices=cpu --set bench_iterations=20 ;;
    cuda) echo --set cuda=on --set cuda_arches=75 ;;
  esac
}

bind_upstream() {
  local root
  root=$(root_of "$1")
  bind "$caffe" "$root$upstream/caffe" ro
  bind "$mobilenet" "$root$upstream/MobileNet-SSD" ro
}

stage_cpu() {
  local release=$1 rc=0
  # shellcheck disable=SC2046
  in_root "$(root_of "$release")" bash -c "mkdir -p /matrix/cpu && cd /matrix/cpu &&
    ssdbuild run $project/recipes/ssd-caffe.yaml --state-dir /matrix/cpu/state --progress plain $(recipe_settings) \
      $(stage_settings cpu)" || rc=$?
  recipe_stage_times "$release" cpu /matrix/cpu/state cpu-
  [ $rc -eq 0 ] || describe_failure "$release" cpu /matrix/cpu/state
  return $rc
}

install_cuda() {  # the release's own nvcc, or the host's toolkit bound at /usr/local/cuda
  local release=$1 root
  root=$(root_of "$release")
  if [ "$release" = bookworm ]; then
    [ -n "$host_cuda" ] || fail "bookworm's CUDA is the host's: give --host-cuda DIR"
    bind "$host_cuda" "$root/usr/local/cuda" ro
    return 0
  fi
  local archive
  archive=$(archive_of "$root") || return
  echo "deb $archive $release $(components "$release")" >"$root/etc/apt/sources.list.d/non-free.list"
  in_root "$root" apt-get update -q || return
  in_root "$root" apt-get install -y -q --no-install-recommends nvidia-cuda-toolkit
}

stage_cuda() {
  local release=$1 root rc=0
  root=$(root_of "$release")
  install_cuda "$release" || return
  # One architecture that CUDA 11.2 to 13 all build: sm_75 (T4). Up to the configure
  # stage through ssdbuild (deps, toolchain, source, configure), then the library only.
  in_root "$root" bash -c "mkdir -p /matrix/cuda && cd /matrix/cuda &&
    ssdbuild run $project/recipes/ssd-caffe.yaml --state-dir /matrix/cuda/state --progress plain $(recipe_settings) \
      $(stage_settings cuda) --to configure/nvcc-launcher" || rc=$?
  recipe_stage_times "$release" cuda /matrix/cuda/state cuda-
  if [ $rc -ne 0 ]; then
    describe_failure "$release" cuda /matrix/cuda/state
    return $rc
  fi
  # First one .cu and one .cpp object (a toolchain or flag problem shows in a minute or
  # two, not after the hundreds of files before it), then the whole library. In a fresh
  # tree the probe also proves configure/proto-header-first: the objects alone must make
  # caffe.pb.h before they compile.
  make_in_caffe "$release" cuda-probe \
    .build_release/src/caffe/layers/relu_layer.o .build_release/cuda/src/caffe/layers/relu_layer.o ||
    return
  make_in_caffe "$release" cuda-make lib
}

make_in_caffe() {  # make_in_caffe RELEASE NAME TARGET...: make in the CUDA Caffe tree, recorded
  local release=$1 name=$2 rc=0 begun=$SECONDS log=$work/results/$1/$2.log
  shift 2
  in_root "$(root_of "$release")" bash -c "cd /matrix/cuda/caffe && make -j$jobs $*" >"$log" 2>&1 ||
    rc=$?
  record "$release" "$name" "$([ $rc -eq 0 ] && echo ok || echo FAILED)" $((SECONDS - begun))
  if [ $rc -ne 0 ]; then
    { echo "make $* (exit $rc), log $log"
      grep -m 5 -E 'error|Error' "$log" || true
      tail -n 10 "$log"; } >"$work/results/$release/cuda.failure"
  fi
  return $rc
}

describe_release() {  # compiler and CUDA, for the table
  local release=$1 root dir
  root=$(root_of "$release")
  dir=$work/results/$release
  in_root "$root" bash -c 'g++ -dumpversion 2>/dev/null | sed "s/^/gcc /"' >"$dir/compiler" || true
  local mk=$root/matrix/cuda/ssdbuild-toolchain.mk
  if [ -f "$mk" ]; then
    sed -n 's/^CUDA_HOST_CXX := \(.*\)/nvcc -ccbin \1/p;s/^CUSTOM_CXX := \(.*\)/CXX \1/p' "$mk" |
      paste -sd' ' >"$dir/host-compiler"
  fi
  if [ "$release" = bookworm ] && [ -n "$host_cuda" ]; then
    "$host_cuda/bin/nvcc" --version | sed -n 's/.*release \([0-9.]*\),.*/\1/p' >"$dir/cuda"
  elif [ -x "$root/usr/bin/nvcc" ]; then
    in_root "$root" nvcc --version | sed -n 's/.*release \([0-9.]*\),.*/\1/p' >"$dir/cuda"
  fi
}

cell() {  # cell RELEASE NAME: "ok 3m05s", "FAILED 0m12s", or "-"
  local dir=$work/results/$1 result seconds
  [ -f "$dir/$2.result" ] || { echo "-"; return; }
  result=$(cat "$dir/$2.result")
  seconds=$(cat "$dir/$2.seconds" 2>/dev/null || echo 0)
  printf '%s %dm%02ds' "$result" $((seconds / 60)) $((seconds % 60))
}

print_table() {
  local release dir
  {
    echo "| release | compiler | CUDA (nvcc host compiler) | root | setup | unit | plan | cpu: deps | cpu: build | cpu: verify | cpu: harness | cpu: bench | cuda: toolchain | cuda: configure | cuda: probe | cuda: make lib |"
    echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
    for release in bullseye bookworm trixie; do
      dir=$work/results/$release
      [ -d "$dir" ] || continue
      echo "| $release | $(cat "$dir/compiler" 2>/dev/null) | $(cat "$dir/cuda" 2>/dev/null)$([ -s "$dir/host-compiler" ] && echo " ($(cat "$dir/host-compiler"))") | $(cell "$release" root) | $(cell "$release" setup) | $(cell "$release" unit) | $(cell "$release" plan) | $(cell "$release" cpu-deps) | $(cell "$release" cpu-build) | $(cell "$release" cpu-verify) | $(cell "$release" cpu-harness) | $(cell "$release" cpu-bench) | $(cell "$release" cuda-toolchain) | $(cell "$release" cuda-configure) | $(cell "$release" cuda-probe) | $(cell "$release" cuda-make) |"
    done
    for release in bullseye bookworm trixie; do
      dir=$work/results/$release
      for failure in "$dir"/*.failure; do
        [ -s "$failure" ] || continue
        echo
        echo "$release, $(basename "$failure" .failure):"
        echo '```'
        cat "$failure"
        echo '```'
      done
    done
  } >"$work/table.md"
  cat "$work/table.md"
}

if [ $table_only = 1 ]; then
  print_table
  exit 0
fi
matrix_rc=0
for release in "${releases[@]}"; do
  root=$(root_of "$release")
  mkdir -p "$work/results/$release"
  if [ $fresh = 1 ]; then
    grep -q " $root/" /proc/self/mounts && fail "mounts are left under $root"
    rm -rf "$root/matrix"
    rm -rf "${work:?}/results/$release"
    mkdir -p "$work/results/$release"
  fi
  if ! run_stage "$release" root make_root; then
    [ $slice = 1 ] && unavailable "no $release root (no network to Debian's archive?): $work/results/$release/root.log"
    matrix_rc=1
    continue
  fi
  mount_system "$root"
  clone_project "$release"
  for stage in "${all_stages[@]}"; do
    wants "$stage" || continue
    case $stage in cpu | cuda) bind_upstream "$release" ;; esac
    if ! run_stage "$release" "$stage" "stage_$stage"; then
      matrix_rc=1
      # Without ssdbuild there is nothing more to try in this root.
      [ "$stage" = setup ] && break
    fi
  done
  describe_release "$release"
  unmount_all
done
print_table
exit $matrix_rc
