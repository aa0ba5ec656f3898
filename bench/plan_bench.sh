#!/usr/bin/env bash
# Times ssdbuild's planning against make's on the same machine, in one run:
#   ssdbuild plan        of a generated 40-step recipe (nothing done yet)
#   ssdbuild run         no-op (all 40 steps done: every decision is "skip")
#   make -n              of an equivalent 40-target Makefile (nothing built: prints 40 commands)
#   make -q              of the same Makefile, everything built (the no-op)
# Usage: bench/plan_bench.sh [RUNS]   (SSDBUILD=path/to/ssdbuild, default: on PATH, else
# build/ssdbuild). Prints the median of RUNS (default 50) runs of each, after 5 warm-ups.
set -euo pipefail

runs=${1:-50}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ssdbuild=${SSDBUILD:-$(command -v ssdbuild || echo "$here/build/ssdbuild")}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# 4 stages x 10 steps; each step writes a file it declares in `creates`, in a folder of its
# stage, with an environment variable: what a build recipe's steps look like to the planner.
{
  echo "name: bench40"
  echo "vars: {out: results}"
  echo "stages:"
  for stage in 1 2 3 4; do
    echo "  - name: stage$stage"
    echo "    steps:"
    for step in $(seq 1 10); do
      n=$(( (stage - 1) * 10 + step ))
      echo "      - name: step$n"
      echo "        env: {VALUE: \"$n\"}"
      echo "        run: mkdir -p \${out}/s$stage && echo \"\$VALUE\" > \${out}/s$stage/t$n"
      echo "        creates: \${out}/s$stage/t$n"
    done
  done
} > "$work/recipe.yaml"
{
  echo "all: results/s4/t40"
  prev=""
  for n in $(seq 1 40); do
    stage=$(( (n - 1) / 10 + 1 ))
    echo "results/s$stage/t$n: $prev"
    printf '\tmkdir -p results/s%s && VALUE=%s && echo "$$VALUE" > results/s%s/t%s\n' \
      "$stage" "$n" "$stage" "$n"
    prev="results/s$stage/t$n"
  done
} > "$work/Makefile"

mkdir -p "$work/fresh" "$work/built"
cp "$work/recipe.yaml" "$work/Makefile" "$work/fresh/"
cp "$work/recipe.yaml" "$work/Makefile" "$work/built/"
(cd "$work/built" && "$ssdbuild" --quiet run recipe.yaml --state-dir state >/dev/null && make -s)

# Median wall time in microseconds of `runs` runs of a command (run in its folder).
median_us() {
  local folder=$1; shift
  local times=() start end
  for _ in 1 2 3 4 5; do (cd "$folder" && "$@" >/dev/null 2>&1) || true; done
  for _ in $(seq 1 "$runs"); do
    start=$(date +%s%N)
    (cd "$folder" && "$@" >/dev/null 2>&1) || true
    end=$(date +%s%N)
    times+=($(( (end - start) / 1000 )))
  done
  printf '%s\n' "${times[@]}" | sort -n | awk '{ a[NR] = $1 } END {
    if (NR % 2) print a[(NR + 1) / 2]; else print int((a[NR / 2] + a[NR / 2 + 1]) / 2) }'
}

plan=$(median_us "$work/fresh" "$ssdbuild" plan recipe.yaml --state-dir state)
noop=$(median_us "$work/built" "$ssdbuild" run recipe.yaml --state-dir state)
make_n=$(median_us "$work/fresh" make -n)
make_q=$(median_us "$work/built" make -q)
true_us=$(median_us "$work" true)

ms() { awk -v us="$1" 'BEGIN { printf "%.2f", us / 1000 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "ssdbuild: $("$ssdbuild" --version), $runs runs each, medians"
printf '%-28s %9s ms\n' "ssdbuild plan (40 steps)" "$(ms "$plan")"
printf '%-28s %9s ms\n' "ssdbuild run, all done" "$(ms "$noop")"
printf '%-28s %9s ms\n' "make -n (40 targets)" "$(ms "$make_n")"
printf '%-28s %9s ms\n' "make -q, all built" "$(ms "$make_q")"
printf '%-28s %9s ms\n' "starting a process (true)" "$(ms "$true_us")"
echo "plan / make -n:            $(ratio "$plan" "$make_n")x"
echo "no-op run / make -n:       $(ratio "$noop" "$make_n")x"
echo "no-op run / make -q:       $(ratio "$noop" "$make_q")x"
# Each figure includes starting a subshell and a process; without that common cost:
echo "net of process start, plan / make -n:      $(ratio $((plan - true_us)) $((make_n - true_us)))x"
echo "net of process start, no-op run / make -q: $(ratio $((noop - true_us)) $((make_q - true_us)))x"
