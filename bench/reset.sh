#!/usr/bin/env bash
# reset.sh: what a VM reset costs with the stage cache, in one run on one machine.
#
# 1. The fixture (tests/fixtures/legacy-app: libdep from a tarball, an app from a git
#    repository, both compiled; its libdep and app stages have `cache`): a cold run, then
#    a simulated VM reset (a new SSDBUILD_BOOT_ID, the work folder and prefix deleted, the
#    state folder kept) and the resumed run. ROUNDS rounds, each in a fresh folder; the
#    medians and their ratio (resumed / cold).
# 2. Pack and restore throughput of the stage cache (libarchive, tar + zstd on every core)
#    against `tar -I 'zstd -T0'` on the same tree: a one-stage recipe whose `cache` is a
#    copy of TREE (default: /usr/include and /usr/lib/gcc, headers and binaries like a
#    built Caffe tree). ssdbuild's times are its own (events.jsonl: cache_pack and
#    cache_restore, the restore including its SHA-256 check); tar's are the commands'.
#    ROUNDS rounds, taking turns; medians and ratios (ssdbuild / tar).
# 3. Many machines, one store: the fixture with a shared store (tests/http_test_server.py's
#    /store/, GET, HEAD and PUT on 127.0.0.1): the first machine's cold run, which uploads,
#    then a second machine (a fresh state folder at the same path, the work folder and
#    prefix deleted) that downloads every cached stage. Medians and their ratio.
#
# Usage: bench/reset.sh [--rounds N] [--tree DIR]... [--out FILE]
#   --rounds N   rounds of each measurement (default 5)
#   --tree DIR   a folder to copy into the throughput tree (repeatable)
#   --out FILE   also write the summary (Markdown) to FILE
# The binary: $SSDBUILD, else build/ssdbuild in this repository. Writes only under a
# temporary folder, and FILE.
set -euo pipefail

rounds=5
trees=()
out=""
while (($#)); do
  case $1 in
    --rounds) rounds=${2:?--rounds needs a number}; shift 2 ;;
    --tree) trees+=("${2:?--tree needs a folder}"); shift 2 ;;
    --out) out=${2:?--out needs a file}; shift 2 ;;
    -h | --help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "reset.sh: unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
done
[[ $rounds =~ ^[1-9][0-9]*$ ]] || { echo "reset.sh: --rounds must be >= 1" >&2; exit 2; }
((${#trees[@]})) || trees=(/usr/include /usr/lib/gcc)

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ssdbuild=$(realpath "${SSDBUILD:-$repo/build/ssdbuild}")
[[ -x $ssdbuild ]] || { echo "reset.sh: no ssdbuild at $ssdbuild (build it, or set SSDBUILD)" >&2; exit 2; }
for tool in git zstd tar python3; do
  command -v "$tool" >/dev/null || { echo "reset.sh: needs $tool" >&2; exit 2; }
done
top=$(mktemp -d)
trap 'rm -rf "$top"' EXIT

now() { date +%s.%N; }
median() { sort -g | awk '{v[NR]=$1} END {printf "%.3f\n", (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.3f", a / b}'; }

# --- 1. the fixture: cold run and resumed run -------------------------------------------
fixture=$repo/tests/fixtures/legacy-app
material=$top/material
mkdir -p "$material/src"
cp -a "$fixture/libdep" "$material/src/libdep-1.0"
chmod +x "$material/src/libdep-1.0"/*.sh
tar -czf "$material/libdep-1.0.tar.gz" -C "$material/src" libdep-1.0
dep_sha256=$(sha256sum "$material/libdep-1.0.tar.gz" | cut -d' ' -f1)
cp -a "$fixture/app" "$material/app"
git -C "$material/app" -c init.defaultBranch=master init -q
git -C "$material/app" add -A
git -C "$material/app" -c user.name=bench -c user.email=bench@example.invalid commit -qm legacy
app_commit=$(git -C "$material/app" rev-parse HEAD)

fixture_run() {  # DIR BOOT [OPTION...]: one run of the fixture recipe in DIR, as on boot BOOT
  local dir=$1 boot=$2
  shift 2
  (cd "$dir" && SSDBUILD_BOOT_ID=$boot "$ssdbuild" -q run "$fixture/recipe.yaml" --state-dir state "$@" \
    --set app_repo="$material/app" --set app_commit="$app_commit" \
    --set dep_url="file://$material/libdep-1.0.tar.gz" --set dep_sha256="$dep_sha256" \
    --set use_apt=no --set root_actions=no) >"$dir/run.log" 2>&1 ||
    { cat "$dir/run.log" >&2; echo "reset.sh: the fixture run failed" >&2; exit 1; }
}

cold_times=() resumed_times=()
for ((round = 1; round <= rounds; round++)); do
  dir=$top/fixture-$round
  mkdir -p "$dir"
  start=$(now); fixture_run "$dir" "cold-$round"; cold_times+=("$(awk -v a="$start" -v b="$(now)" 'BEGIN {print b - a}')")
  rm -rf "$dir/work" "$dir/prefix"
  start=$(now); fixture_run "$dir" "reset-$round"; resumed_times+=("$(awk -v a="$start" -v b="$(now)" 'BEGIN {print b - a}')")
  grep -q "restored from cache" "$dir/run.log" ||
    { cat "$dir/run.log" >&2; echo "reset.sh: the resumed run restored nothing" >&2; exit 1; }
  rm -rf "$dir"
done
cold=$(printf '%s\n' "${cold_times[@]}" | median)
resumed=$(printf '%s\n' "${resumed_times[@]}" | median)

# --- 3. two machines, one shared store ---------------------------------------------------
mkdir -p "$top/store"
coproc store_server { exec python3 "$repo/tests/http_test_server.py" "$top/store"; }
trap 'kill "$store_server_PID" 2>/dev/null; rm -rf "$top"' EXIT
read -r store_port <&"${store_server[0]}"
first_times=() second_times=()
for ((round = 1; round <= rounds; round++)); do
  dir=$top/shared-$round
  mkdir -p "$dir"
  url=http://127.0.0.1:$store_port/store/round-$round
  start=$(now); fixture_run "$dir" "first-$round" --cache-url "$url"; first_times+=("$(awk -v a="$start" -v b="$(now)" 'BEGIN {print b - a}')")
  rm -rf "$dir/work" "$dir/prefix"
  mv "$dir/state" "$dir/state-of-the-first-machine"
  start=$(now); fixture_run "$dir" "second-$round" --cache-url "$url"; second_times+=("$(awk -v a="$start" -v b="$(now)" 'BEGIN {print b - a}')")
  grep -q "downloading stage app" "$dir/run.log" ||
    { cat "$dir/run.log" >&2; echo "reset.sh: the second machine downloaded nothing" >&2; exit 1; }
  rm -rf "$dir"
done
first=$(printf '%s\n' "${first_times[@]}" | median)
second=$(printf '%s\n' "${second_times[@]}" | median)

# --- 2. pack and restore throughput ------------------------------------------------------
tree=$top/tree/content
mkdir -p "$tree"
for folder in "${trees[@]}"; do cp -a "$folder" "$tree/"; done
tree_bytes=$(du -sb "$tree" | cut -f1)
tree_files=$(find "$tree" | wc -l)
state=$top/tree/state
cat >"$top/tree/recipe.yaml" <<EOF
name: throughput
stages:
  - name: tree
    cache: {paths: ["$tree"]}
    steps:
      - name: made
        run: test -d "$tree"
EOF
event_seconds() {  # EVENT: the duration_s of the last EVENT in the state's events.jsonl
  python3 -c 'import json, sys
events = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
print([e for e in events if e["event"] == sys.argv[2]][-1]["duration_s"])' "$state/events.jsonl" "$1"
}
pack_times=() restore_times=() tar_pack_times=() tar_restore_times=() archive_bytes=0
for ((round = 1; round <= rounds; round++)); do
  rm -rf "$state"
  (cd "$top/tree" && SSDBUILD_BOOT_ID=pack-$round "$ssdbuild" -q run recipe.yaml --state-dir "$state") >/dev/null
  pack_times+=("$(event_seconds cache_pack)")
  archive_bytes=$(stat -c %s "$state"/cache/*.tar.zst)
  rm -rf "$tree.moved" && mv "$tree" "$tree.moved"
  (cd "$top/tree" && SSDBUILD_BOOT_ID=restore-$round "$ssdbuild" -q run recipe.yaml --state-dir "$state") >/dev/null
  restore_times+=("$(event_seconds cache_restore)")
  diff -r --no-dereference "$tree" "$tree.moved" >/dev/null || { echo "reset.sh: the restored tree differs" >&2; exit 1; }
  rm -rf "$tree" && mv "$tree.moved" "$tree"

  start=$(now)
  tar -I 'zstd -T0' -cf "$top/tar.tar.zst" -C / "${tree#/}"
  sync -f "$top/tar.tar.zst"  # ssdbuild fsyncs its archive before renaming it
  tar_pack_times+=("$(awk -v a="$start" -v b="$(now)" 'BEGIN {print b - a}')")
  mv "$tree" "$tree.moved"
  start=$(now)
  tar -I 'zstd -T0' -xpf "$top/tar.tar.zst" -C /
  tar_restore_times+=("$(awk -v a="$start" -v b="$(now)" 'BEGIN {print b - a}')")
  rm -rf "$tree" && mv "$tree.moved" "$tree" && rm -f "$top/tar.tar.zst"
done
pack=$(printf '%s\n' "${pack_times[@]}" | median)
restore=$(printf '%s\n' "${restore_times[@]}" | median)
tar_pack=$(printf '%s\n' "${tar_pack_times[@]}" | median)
tar_restore=$(printf '%s\n' "${tar_restore_times[@]}" | median)

summary=$(cat <<EOF
| measurement (median of $rounds) | seconds | ratio |
| --- | ---: | ---: |
| fixture, cold run | $cold | |
| fixture, resumed after a reset (stages restored) | $resumed | $(ratio "$resumed" "$cold") of cold |
| fixture, first machine with a shared store (builds, uploads) | $first | |
| fixture, second machine (fresh state folder; stages downloaded) | $second | $(ratio "$second" "$first") of the first |
| pack, ssdbuild ($(numfmt --to=iec "$tree_bytes") in $tree_files entries, archive $(numfmt --to=iec "$archive_bytes")) | $pack | $(ratio "$pack" "$tar_pack") of tar |
| pack, \`tar -I 'zstd -T0' -cf\` | $tar_pack | |
| restore, ssdbuild (SHA-256 check included) | $restore | $(ratio "$restore" "$tar_restore") of tar |
| restore, \`tar -I 'zstd -T0' -xpf\` | $tar_restore | |
EOF
)
echo "$summary"
echo "machine: $(nproc) cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -n1); $("$ssdbuild" --version)"
[[ -z $out ]] || printf '%s\n' "$summary" >"$out"
