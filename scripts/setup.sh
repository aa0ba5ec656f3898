#!/usr/bin/env bash
# The one place that knows ssdbuild's build dependencies. On a fresh Debian 12 or
# Ubuntu 22.04/24.04 machine, as root (or with sudo):
#   scripts/setup.sh run    install the packages, build, install ssdbuild, run `ssdbuild run`
#   scripts/setup.sh test   install the packages, then build and run the whole test suite:
#                           the default compiler with -Werror, g++-11 (what Ubuntu 22.04 has)
#                           with ASan+UBSan, and the clang-format check
# Set SSDBUILD_SKIP_APT=1 to skip the package step on a machine that has them.
set -euo pipefail

mode=${1:-}
case "$mode" in run|test|install) ;; *)
  echo "usage: scripts/setup.sh run|install|test" >&2
  exit 2
esac

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
jobs=$(nproc 2>/dev/null || echo 2)

# Everything ssdbuild builds against; the same names exist on Debian 12 and Ubuntu 22.04.
build_packages=(build-essential cmake pkg-config libcli11-dev libspdlog-dev libfmt-dev
  libyaml-cpp-dev nlohmann-json3-dev libgit2-dev libcurl4-openssl-dev libarchive-dev libssl-dev)
test_packages=(libgtest-dev g++-11 clang-format python3 python3-jsonschema git curl openssl
  bsdutils ccache)

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "setup.sh: installing packages needs root (or sudo)" >&2; exit 1; fi
}

install_packages() {
  [ "${SSDBUILD_SKIP_APT:-0}" = 1 ] && return 0
  local wanted=("$@") missing=()
  for package in "${wanted[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" ||
      missing+=("$package")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "setup.sh: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  as_root apt-get update -q
  as_root apt-get install -y -q --no-install-recommends "${missing[@]}"
}

build() {  # build DIR [cmake options...]
  local dir=$1; shift
  cmake -S "$top" -B "$dir" "$@" >/dev/null
  cmake --build "$dir" -j "$jobs"
}

if [ "$mode" = run ] || [ "$mode" = install ]; then
  install_packages "${build_packages[@]}"
  build "$top/build/release" -DCMAKE_BUILD_TYPE=Release -DSSDBUILD_TESTS=OFF
  as_root cmake --install "$top/build/release" --prefix /usr/local >/dev/null
  echo "setup.sh: installed $(command -v ssdbuild) ($(ssdbuild --version))"
  [ "$mode" = run ] && exec ssdbuild run
  exit 0
fi

install_packages "${build_packages[@]}" "${test_packages[@]}"
werror=OFF
[ -n "${CI:-}" ] && werror=ON

echo "setup.sh: clang-format check"
(cd "$top" && git ls-files -co --exclude-standard '*.cpp' '*.hpp' | xargs clang-format --dry-run --Werror)

echo "setup.sh: build and test with $(c++ --version | head -n1)"
build "$top/build/test" -DSSDBUILD_WERROR=$werror
(cd "$top/build/test" && ctest --output-on-failure -j "$jobs")

echo "setup.sh: build and test with g++-11, ASan and UBSan"
build "$top/build/test-sanitize" -DCMAKE_CXX_COMPILER=g++-11 -DCMAKE_BUILD_TYPE=Debug \
  -DSSDBUILD_SANITIZE=ON -DSSDBUILD_WERROR=$werror
(cd "$top/build/test-sanitize" && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
  LSAN_OPTIONS="suppressions=$top/tests/lsan.supp" ctest --output-on-failure -j "$jobs")
