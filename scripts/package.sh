#!/usr/bin/env bash
# Builds one Lambda zip per function that exists: dist/<Function>.zip holding bootstrap,
# the function executable, and under lib/ every shared library they load that the
# Lambda image (provided.al2023) does not provide. Then checks that nothing in a zip
# needs a newer glibc (or libstdc++) than Amazon Linux 2023 has.
#
#   scripts/package.sh            (make package runs it)
#   scripts/package.sh --build    only the release build of every product, as the zips
#                                 have it (make bench measures that build)
#
# It builds in .build/lambda, apart from a plain `swift build -c release` (.build/release):
# its flags differ (docs/building.md), and sharing one folder would rebuild everything at
# each switch.
set -euo pipefail
cd "$(dirname "$0")/.."

FUNCTIONS=(Voice SMS ConfigGet ConfigPut Health Outbound)
# Amazon Linux 2023: glibc 2.34, GCC 11's libstdc++ (GLIBCXX_3.4.29, CXXABI_1.3.13).
MAX_GLIBC=2.34
MAX_GLIBCXX=3.4.29
MAX_CXXABI=1.3.13
# What the Lambda image provides: glibc's own libraries, and the C++ runtime every
# Swift program on Lambda uses from the image.
PROVIDED='^(libc\.so|libm\.so|libdl\.so|libpthread\.so|librt\.so|libresolv\.so|libutil\.so|libnsl\.so|libanl\.so|ld-linux|linux-vdso|libstdc\+\+\.so|libgcc_s\.so)'

# Every module, Switchboard's and its dependencies', instantiates generic types through
# their metadata accessors, not by mangled name (Package.swift says why for its own
# targets; swift-crypto's and swift-log's need the flag from here): fewer searches of
# the executable's conformances at process start.
RELEASE_FLAGS=(-c release --build-path .build/lambda --static-swift-stdlib -Xswiftc -Xfrontend -Xswiftc -disable-concrete-type-metadata-mangled-name-accessors)

build() {
  # SWITCHBOARD_LAMBDA_LINK: Package.swift's start-up link flags, which need the Swift
  # runtime linked in (docs/building.md).
  SWITCHBOARD_LAMBDA_LINK=1 swift build "${RELEASE_FLAGS[@]}" "$@" >&2
}

if [ "${1:-}" = --build ]; then
  build
  exit 0
fi

build --product bootstrap
bin=$(swift build -c release --build-path .build/lambda --show-bin-path)
for function in "${FUNCTIONS[@]}"; do
  build --product "$function"
done

# Is version $1 newer than $2?
newer() { [ "$(printf '%s\n%s\n' "$1" "$2" | sort -V | tail -1)" = "$1" ] && [ "$1" != "$2" ]; }

check_versions() {
  local file=$1 failed=0 version symbol
  while read -r version symbol; do
    case $version in
      GLIBC_*) newer "${version#GLIBC_}" "$MAX_GLIBC" && { echo "make package: $file needs $symbol from $version; Amazon Linux 2023 has glibc $MAX_GLIBC" >&2; failed=1; } ;;
      GLIBCXX_*) newer "${version#GLIBCXX_}" "$MAX_GLIBCXX" && { echo "make package: $file needs $symbol from $version; Amazon Linux 2023 has GLIBCXX_$MAX_GLIBCXX" >&2; failed=1; } ;;
      CXXABI_*) newer "${version#CXXABI_}" "$MAX_CXXABI" && { echo "make package: $file needs $symbol from $version; Amazon Linux 2023 has CXXABI_$MAX_CXXABI" >&2; failed=1; } ;;
    esac
  done < <(objdump -T "$file" | awk '$0 ~ /\*UND\*/ { for (i = 1; i <= NF; i++) if ($i ~ /^\(?(GLIBC|GLIBCXX|CXXABI)_[0-9.]+\)?$/) { v = $i; gsub(/[()]/, "", v); print v, $NF } }')
  return $failed
}

rm -rf dist
mkdir -p dist
# The time-zone database, for the companies' business hours (docs/routing.md): Lambda's
# image is not Debian and may have none. Every compiled zone (TZif) of the build
# machine's tzdata, without the posix/ and right/ copies, goes beside the executables.
ZONEINFO=${ZONEINFO:-/usr/share/zoneinfo}
[ -r "$ZONEINFO/UTC" ] || { echo "make package: no time-zone database in $ZONEINFO (apt install tzdata)" >&2; exit 1; }
zones=dist/.zoneinfo
mkdir -p "$zones"
while IFS= read -r file; do
  [ "$(head -c 4 "$ZONEINFO/$file")" = TZif ] || continue
  mkdir -p "$zones/$(dirname "$file")"
  cp -L "$ZONEINFO/$file" "$zones/$file"
done < <(cd "$ZONEINFO" && find . \( -path ./posix -o -path ./right \) -prune -o \( -type f -o -type l \) -print | sed 's|^\./||')
packaged=0
for function in "${FUNCTIONS[@]}"; do
  if [ ! -x "$bin/$function" ]; then
    echo "make package: $function was not built" >&2
    exit 1
    continue
  fi
  stage=dist/.stage/$function
  mkdir -p "$stage/lib"
  cp "$bin/bootstrap" "$bin/$function" "$stage/"
  cp -R "$zones" "$stage/zoneinfo"
  # ldd resolves the whole tree of libraries, found from the binaries themselves; a
  # library the code loads at run time (dlopen) is named in the binary by a
  # "switchboard.dlopen=<soname>" marker, and comes with its own tree.
  loaded=("$stage/bootstrap" "$stage/$function")
  for soname in $(strings -a "$stage/$function" | sed -n 's/^switchboard\.dlopen=//p' | sort -u); do
    # (awk reads to the end: an early exit would break ldconfig's pipe under pipefail)
    path=$(ldconfig -p | awk -v name="$soname" '$1 == name && $NF ~ /^\// && !found { print $NF; found = 1 }')
    [ -n "$path" ] || { echo "make package: $function loads $soname at run time, but it is not installed" >&2; exit 1; }
    cp -L "$path" "$stage/lib/$soname"
    loaded+=("$path")
  done
  for library in $(ldd "${loaded[@]}" | awk '/=> \// { print $3 }' | sort -u); do
    name=$(basename "$library")
    if [[ $name =~ $PROVIDED ]]; then continue; fi
    [ -e "$stage/lib/$name" ] || cp -L "$library" "$stage/lib/$name"
    chmod u+w "$stage/lib/$name"
    patchelf --set-rpath '$ORIGIN' "$stage/lib/$name"
    # Debian's ICU (libmongoc's SASLprep) asks for std::condition_variable::wait at
    # GCC 12's version node; GCC 11's libstdc++ exports the same function at 3.4.11.
    if [[ $name == libicuuc.so.* && $(objdump -T "$stage/lib/$name") == *GLIBCXX_3.4.30* ]]; then
      python3 scripts/retarget_symbol_version.py "$stage/lib/$name" GLIBCXX_3.4.30 GLIBCXX_3.4.11 >/dev/null
    fi
  done
  # DT_RPATH (not RUNPATH) on the executables: it applies to the libraries' own
  # dependencies too, so everything resolves inside the zip.
  for library in "$stage"/lib/*; do
    chmod u+w "$library"
    patchelf --set-rpath '$ORIGIN' "$library"
  done
  patchelf --force-rpath --set-rpath '$ORIGIN/lib' "$stage/bootstrap" "$stage/$function"
  failed=0
  for file in "$stage/bootstrap" "$stage/$function" "$stage"/lib/*; do
    check_versions "$file" || failed=1
  done
  [ $failed = 0 ] || exit 1
  (cd "$stage" && zip -q -r -X "../../$function.zip" .)
  size=$(stat -c %s "dist/$function.zip")
  echo "dist/$function.zip: $((size / 1024)) KiB ($(ls "$stage/lib" | wc -l) bundled libraries; glibc <= $MAX_GLIBC checked)"
  packaged=$((packaged + 1))
done
rm -rf dist/.stage dist/.zoneinfo
[ $packaged -gt 0 ] || { echo "make package: no function is built" >&2; exit 1; }
