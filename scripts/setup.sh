#!/usr/bin/env bash
# The one place that knows ssdbuild's build dependencies. On a fresh Debian 12 or
# Ubuntu 22.04/24.04 machine, as root (or with sudo):
#   scripts/setup.sh run    install the packages, build, install ssdbuild, run `ssdbuild run`
#   scripts/setup.sh test   install the packages, then build and run the whole test suite:
#                           the default compiler with -Werror, g++-11 (what Ubuntu 22.04 has)
#                           with ASan+UBSan, the clang-format check, shellcheck and
#                           pyflakes on the shell helpers, the bundle in a
#                           minimal Debian root (tests/bundle_test.sh), and the
#                           default recipe's plan in a Debian 13 root with that bundle
#                           (tests/platform_matrix.sh --slice)
#   scripts/setup.sh unit   install the packages, then build with the default compiler and
#                           run the unit tests only (what tests/platform_matrix.sh runs in
#                           each Debian root: no g++-11, clang-format or bundle there)
#   scripts/setup.sh bundle DIR [ARCHIVE]
#                           install the packages, build, and write a relocatable ssdbuild
#                           into DIR (bin/ssdbuild, lib/ssdbuild/ssdbuild-io.so, and in lib/
#                           the libraries they need beyond the base system), and the same
#                           as one file, ARCHIVE (default DIR.tar.gz), for Google Drive
# Set SSDBUILD_SKIP_APT=1 to skip the package step on a machine that has them.
set -euo pipefail

mode=${1:-}
case "$mode:$#" in run:*|test:*|unit:*|install:*|bundle:2|bundle:3) ;; *)
  echo "usage: scripts/setup.sh run|install|test|unit, or scripts/setup.sh bundle DIR [ARCHIVE]" >&2
  exit 2
esac

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
jobs=$(nproc 2>/dev/null || echo 2)

# Everything ssdbuild builds against; the same names exist on Debian 12 and Ubuntu 22.04.
build_packages=(build-essential cmake pkg-config libcli11-dev libspdlog-dev libfmt-dev
  libyaml-cpp-dev nlohmann-json3-dev libgit2-dev libcurl4-openssl-dev libarchive-dev libssl-dev)
# patchelf gives each bundled library a RUNPATH, which CMake can set only on what it builds.
bundle_packages=(patchelf)
# What the unit tests run: real git, curl, openssl, python (the HTTP server and the bench
# stand-in; jsonschema checks the records and, with python3-yaml, the recipes against
# docs/recipe.schema.json), script(1) from bsdutils, ccache, zstd (a plan
# script restores the stage cache with it), zip (the extract tests make .zip archives),
# nginx (its WebDAV module, built in on Debian and Ubuntu, is the shared stage cache's store),
# strace (the apt sources edit's fsyncs and rename, watched as system calls).
unit_packages=(libgtest-dev libgmock-dev python3 python3-jsonschema python3-yaml git curl openssl
  bsdutils ccache zstd zip nginx strace)
# The rest of `test`: g++-11 (Ubuntu 22.04's compiler) for the sanitized build, the format
# check, shellcheck and pyflakes for the shell helpers (src/actions/shell/), debootstrap
# for the minimal Debian root that tests the bundle (Debian's keyring lets it check the
# archive's signatures on an Ubuntu host too), and a Jupyter kernel that runs
# docs/colab.ipynb (tests/colab_notebook_test.cpp; skipped where they are missing, unless CI).
test_packages=("${unit_packages[@]}" g++-11 clang-format shellcheck pyflakes3 debootstrap
  debian-archive-keyring python3-nbclient python3-ipykernel)

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

# Libraries that the bundle leaves to the system: every Debian/Ubuntu root has them, even a
# minbase debootstrap. glibc's own (libc, libm, libpthread, libdl, librt, ld-linux, ...) must
# match the system's ld.so, so they are never copied, and because of them a bundle runs only
# on the release it was built on (or a newer one). libstdc++, libgcc_s and zlib come with
# that same release (apt, libc6 and dpkg need them) and keep their old symbol versions, so
# the system's copy serves the build and bundling them would only add 2.5 MB.
base_libraries=('ld-linux.*' libc libm libmvec libpthread libdl librt libresolv libutil libanl
  'libnss_.*' libthread_db libBrokenLocale libc_malloc_debug 'libstdc\+\+' libgcc_s libz)
base_library_name="^($(IFS='|'; echo "${base_libraries[*]}"))\\.so(\\.[0-9]+)*\$"

bundle_libraries() {  # bundle_libraries DIR FILE...: what FILE... need, into DIR/lib
  local dir=$1 listing name arrow path
  local -A copied=()
  shift
  listing=$(ldd "$@")
  while read -r name arrow path _; do
    [ "$arrow" = "=>" ] || continue  # the vDSO and ld.so itself
    [[ $name =~ $base_library_name ]] && continue
    if [ "$path" = not ]; then
      echo "setup.sh: $name not found; ldd $*:" >&2
      echo "$listing" >&2
      exit 1
    fi
    [ -n "${copied[$name]:-}" ] && continue
    copied[$name]=1
    # Under the name that the loader asks for, as a file: Drive refuses links. Its RUNPATH,
    # $ORIGIN, finds its own dependencies beside it: the binary's RUNPATH does not reach them.
    cp -L "$path" "$dir/lib/$name"
    patchelf --set-rpath "\$ORIGIN" "$dir/lib/$name"
  done <<<"$listing"
}

write_bundle() {  # write_bundle BUILD DIR: a relocatable ssdbuild in DIR from the build BUILD
  local build_dir=$1 dir=$2 part=$2.part
  # DIR is replaced only when it is an earlier bundle, never when it is a folder of the user's.
  if [ -n "$(ls -A "$dir" 2>/dev/null)" ] && [ ! -f "$dir/lib/ssdbuild/ssdbuild-io.so" ]; then
    echo "setup.sh: $dir is not empty and not a bundle; give a new folder" >&2
    exit 1
  fi
  rm -rf "$part"
  mkdir -p "$part/lib"
  cmake --install "$build_dir" --prefix "$part" --strip >/dev/null
  bundle_libraries "$part" "$part/bin/ssdbuild" "$part/lib/ssdbuild/ssdbuild-io.so"
  # Readable and runnable by any user, whatever the umask was.
  chmod -R u=rwX,go=rX "$part"
  # Assembled beside DIR and renamed into place, so that DIR is never half a bundle.
  rm -rf "$dir"
  mv "$part" "$dir"
}

write_archive() {  # write_archive DIR ARCHIVE: the bundle as one file (Drive is slow with many)
  local dir=$1 archive=$2 part=$2.part-$$
  mkdir -p "$(dirname "$archive")"
  # A temporary name, then a rename: an interrupted write to Drive leaves no half archive.
  if ! tar -C "$dir" --owner=0 --group=0 --numeric-owner -czf "$part" bin lib; then
    rm -f "$part"
    exit 1
  fi
  mv -f "$part" "$archive"
}

if [ "$mode" = bundle ]; then
  dir=$(realpath -m "$2")
  archive=$(realpath -m "${3:-$dir.tar.gz}")
  install_packages "${build_packages[@]}" "${bundle_packages[@]}"
  build "$top/build/bundle" -DCMAKE_BUILD_TYPE=Release -DSSDBUILD_TESTS=OFF \
    -DSSDBUILD_RELOCATABLE=ON
  write_bundle "$top/build/bundle" "$dir"
  write_archive "$dir" "$archive"
  echo "setup.sh: wrote $dir ($(find "$dir" -type f | wc -l) files, $(du -sh "$dir" | cut -f1))" \
    "and $archive ($(du -h "$archive" | cut -f1))"
  exit 0
fi

if [ "$mode" = run ] || [ "$mode" = install ]; then
  install_packages "${build_packages[@]}"
  build "$top/build/release" -DCMAKE_BUILD_TYPE=Release -DSSDBUILD_TESTS=OFF
  as_root cmake --install "$top/build/release" --prefix /usr/local >/dev/null
  echo "setup.sh: installed $(command -v ssdbuild) ($(ssdbuild --version))"
  [ "$mode" = run ] && exec ssdbuild run
  exit 0
fi

werror=OFF
[ -n "${CI:-}" ] && werror=ON

if [ "$mode" = unit ]; then
  install_packages "${build_packages[@]}" "${unit_packages[@]}"
  echo "setup.sh: build and test with $(c++ --version | head -n1)"
  # The folder and build type of `install`, so that after it only the tests compile.
  build "$top/build/release" -DCMAKE_BUILD_TYPE=Release -DSSDBUILD_TESTS=ON \
    -DSSDBUILD_WERROR=$werror
  (cd "$top/build/release" && ctest --output-on-failure -j "$jobs")
  exit 0
fi

install_packages "${build_packages[@]}" "${bundle_packages[@]}" "${test_packages[@]}"

echo "setup.sh: clang-format check"
(cd "$top" && git ls-files -co --exclude-standard '*.cpp' '*.hpp' | xargs clang-format --dry-run --Werror)
# The helpers that plans and step scripts run (embedded into the binary at build time).
echo "setup.sh: shellcheck and pyflakes on src/actions/shell/"
(cd "$top" && shellcheck src/actions/shell/*.sh &&
  pyflakes3 src/actions/shell/*.py tests/fixtures/notebook/run_notebook.py)

echo "setup.sh: build and test with $(c++ --version | head -n1)"
build "$top/build/test" -DSSDBUILD_WERROR=$werror -DSSDBUILD_RELOCATABLE=ON
(cd "$top/build/test" && ctest --output-on-failure -j "$jobs")

# The bundle comes from this build rather than a Release build of its own, which would cost
# CI a third compile; write_bundle is the same as for `bundle`. Not from the sanitized build:
# ASan's runtime is not in the root.
echo "setup.sh: the relocatable bundle in a minimal Debian root"
write_bundle "$top/build/test" "$top/build/test-bundle/ssdbuild"
"$top/tests/bundle_test.sh" "$top/build/test-bundle/ssdbuild" "$top/build/test-bundle"

# The platform matrix's slice (docs/platforms.md): in a minimal Debian 13 root, ssdbuild
# built with that release's gcc and libraries and its unit tests run there (the matrix's
# unit stage), then the default recipe's plan made with that build. The whole matrix is
# run by hand.
echo "setup.sh: ssdbuild's build, unit tests and plan in a minimal Debian 13 root (platform matrix slice)"
slice_begun=$SECONDS
"$top/tests/platform_matrix.sh" --slice "$top/build/platform-slice"
echo "setup.sh: the platform matrix slice took $((SECONDS - slice_begun)) s"

echo "setup.sh: build and test with g++-11, ASan and UBSan"
build "$top/build/test-sanitize" -DCMAKE_CXX_COMPILER=g++-11 -DCMAKE_BUILD_TYPE=Debug \
  -DSSDBUILD_SANITIZE=ON -DSSDBUILD_WERROR=$werror
(cd "$top/build/test-sanitize" && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
  LSAN_OPTIONS="suppressions=$top/tests/lsan.supp" ctest --output-on-failure -j "$jobs")
