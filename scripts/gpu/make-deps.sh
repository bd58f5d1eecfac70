#!/usr/bin/env bash
# Makes .gpu-deps/: the codec libraries, headers and pkg-config files robusthide's library
# and CLI need, unpacked from Debian 12 packages, so that a machine without apt (the lent
# GPU machine) can build and run robusthide against its own LibTorch. docs/gpu.md.
#
# Run on Debian 12 (bookworm, x86-64) with apt access and the packages of
# scripts/install-deps.sh installed (their installed copies give the symbol tables of
# the stubbed libraries). Usage: scripts/gpu/make-deps.sh   (rewrites .gpu-deps/)
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
dest=$repo/.gpu-deps
root=$dest/root
multiarch=x86_64-linux-gnu
libdir=$root/usr/lib/$multiarch

die() { echo "make-deps: $*" >&2; exit 1; }
command -v apt-get >/dev/null || die "needs apt-get (Debian 12)"
[ "$(dpkg --print-architecture)" = amd64 ] || die "needs an amd64 host"
grep -q 'VERSION_CODENAME=bookworm' /etc/os-release || echo "make-deps: warning: not Debian 12 (bookworm)" >&2
for tool in readelf gcc python3 dpkg-deb; do command -v $tool >/dev/null || die "needs $tool"; done

# Packages unpacked whole (runtime libraries, headers, pkg-config and CMake files).
packages=(
  libturbojpeg0 libturbojpeg0-dev libjpeg62-turbo
  libopenjp2-7 libopenjp2-7-dev
  libwebp7 libwebpdemux2 libwebpmux3 libwebp-dev
  libpng16-16 libpng-dev zlib1g zlib1g-dev liblcms2-2 liblcms2-dev
  libavcodec59 libavformat59 libavutil57 libswscale6 libswresample4
  libavcodec-dev libavformat-dev libavutil-dev libswscale-dev libswresample-dev
  libxvidcore4 libxvidcore-dev libx264-164
  liblzma5 libbz2-1.0 libsoxr0 libgomp1
  nlohmann-json3-dev libcli11-dev
  pkgconf-bin libpkgconf3
)
# Libraries never carried: the GPU machine's own glibc, C++ runtime and loader.
system_libs='^(libc|libm|libdl|libpthread|librt|libresolv|libutil|ld-linux-x86-64|libstdc\+\+|libgcc_s)\.so'

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/debs"
echo "== downloading ${#packages[@]} packages"
(cd "$work/debs" && apt-get download -q "${packages[@]}" >/dev/null) || die "apt-get download failed"

rm -rf "$dest"
mkdir -p "$root"
for deb in "$work"/debs/*.deb; do dpkg-deb -x "$deb" "$root"; done
(cd "$work/debs" && ls *.deb) > "$work/packages.txt"
# Some bookworm packages still install into /lib: merge it into /usr/lib (usrmerge).
if [ -d "$root/lib" ]; then
  cp -a "$root/lib/." "$root/usr/lib/"
  rm -rf "$root/lib"
fi

echo "== trimming"
rm -rf "$root"/usr/share/{doc,man,info,lintian,locale,bug,gcc,gdb} "$root"/etc
find "$root" -name '*.a' -delete
# libjpeg62-turbo only ships libjpeg.so.62 (no -dev): nothing else to drop.

echo "== relative symlinks"
python3 - "$root" <<'PY'
import os, sys
root = sys.argv[1]
for d, _, files in os.walk(root):
    for f in files:
        p = os.path.join(d, f)
        if os.path.islink(p):
            t = os.readlink(p)
            if t.startswith('/'):
                os.remove(p)
                os.symlink(os.path.relpath(root + t, d), p)
PY

echo "== relocatable pkg-config files"
for pc in "$root"/usr/lib/$multiarch/pkgconfig/*.pc "$root"/usr/share/pkgconfig/*.pc; do
  [ -e "$pc" ] || continue
  rel='${pcfiledir}/../../..'
  case "$pc" in */usr/share/pkgconfig/*) rel='${pcfiledir}/../..' ;; esac
  sed -i -E "s#^(prefix|exec_prefix|libdir|includedir|sharedlibdir)=/usr#\\1=$rel#" "$pc"
done

# ---- stubs -------------------------------------------------------------------------
# Debian's libavcodec/libavformat/libavutil link ~100 more libraries (AV1, HEVC, audio
# codecs, librsvg with cairo/pango/glib, libxml2 with ICU, TLS, VA-API, ...: ~170 MB)
# that robusthide never calls. Each of those directly needed by a carried library is
# replaced by a stub with the same SONAME, symbol versions and symbols, whose every
# function prints "robusthide .gpu-deps: stub ..." and aborts. The real libraries'
# own dependencies then disappear from the closure. Exception: the few probes that
# FFmpeg's codec registry calls once for every codec at start-up (libaom's, libvpx's and
# libx265's version and capability queries in their init_static_data) return 0 (NULL),
# which FFmpeg reads as "no extra capabilities"; without that, the first video codec
# aborts. Measured: `robusthide attack --attack mpeg4` with only .gpu-deps' libraries.
echo "== stubs"
mkdir -p "$work/stubs" "$root/usr/lib/robusthide-stubs"
needed_of() { readelf -dW "$1" 2>/dev/null | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'; }
missing=$(
  for so in $(find "$root" -name '*.so*' -type f) "$root/usr/bin/pkgconf"; do needed_of "$so"; done |
    sort -u | grep -Ev "$system_libs" |
    while read -r soname; do [ -e "$libdir/$soname" ] || echo "$soname"; done
)
ldconfig -p > "$work/ldconfig.txt"
for soname in $missing; do
  host=$(awk -v n="$soname" '$1 == n && /x86-64/ {print $NF; exit}' "$work/ldconfig.txt")
  [ -n "$host" ] || die "$soname is needed but not installed here (run scripts/install-deps.sh)"
  python3 - "$host" "$soname" "$work/stubs/$soname" <<'PY'
import re, subprocess, sys
lib, soname, out = sys.argv[1:]
syms = subprocess.run(['readelf', '--dyn-syms', '-W', lib], capture_output=True, text=True, check=True).stdout
vers = subprocess.run(['readelf', '-V', '-W', lib], capture_output=True, text=True, check=True).stdout
nodes = []
sec = vers.split('Version definition section')
if len(sec) > 1:
    body = sec[1].split('Version needs section')[0]
    for m in re.finditer(r'Flags: (\S+)\s+Index: \d+\s+Cnt: \d+\s+Name: (\S+)', body):
        if 'BASE' not in m.group(1):
            nodes.append(m.group(2))
c = ['#include <stdlib.h>', '#include <unistd.h>', '#include <string.h>',
     'static void fail(const char* sym) {',
     '  static const char a[] = "robusthide .gpu-deps: stub %s called (symbol ";' .replace('%s', soname),
     '  write(2, a, sizeof a - 1); write(2, sym, strlen(sym));',
     '  write(2, "): this library is not carried, see docs/gpu.md\\n", 49); abort();', '}']
# Start-up probes that must answer 0 instead of aborting (see the comment above).
probes = {'aom_codec_version', 'aom_codec_get_caps', 'aom_codec_av1_cx', 'aom_codec_av1_dx',
          'vpx_codec_version', 'vpx_codec_get_caps', 'vpx_codec_vp8_cx', 'vpx_codec_vp8_dx',
          'vpx_codec_vp9_cx', 'vpx_codec_vp9_dx', 'x265_api_get_199', 'x265_api_query'}
seen = set()
for i, line in enumerate(syms.splitlines()):
    f = line.split()
    if len(f) < 8 or not f[0].rstrip(':').isdigit(): continue
    size, typ, bind, ndx, name = f[2], f[3], f[4], f[6], f[7]
    if ndx in ('UND', 'ABS') or bind not in ('GLOBAL', 'WEAK') or name in seen: continue
    seen.add(name)
    base, sep, ver = name.partition('@')
    default = ver.startswith('@')
    ver = ver.lstrip('@')
    cname = f's{i}'
    label = base if not sep else cname
    if typ in ('FUNC', 'IFUNC', 'NOTYPE') and base in probes:
        c.append(f'long {cname}(void) __asm__("{label}");')
        c.append(f'long {cname}(void) {{ return 0; }}')
    elif typ in ('FUNC', 'IFUNC', 'NOTYPE'):
        c.append(f'void {cname}(void) __asm__("{label}");')
        c.append(f'void {cname}(void) {{ fail("{base}"); }}')
    elif typ in ('OBJECT', 'TLS'):
        n = max(int(size, 0), 1)
        tls = '__thread ' if typ == 'TLS' else ''
        c.append(f'{tls}char {cname}[{n}] __asm__("{label}") __attribute__((aligned(16))) = {{0}};')
    else:
        continue
    if sep:
        c.append(f'__asm__(".symver {cname}, {base}{"@@" if default else "@"}{ver}");')
open(out + '.c', 'w').write('\n'.join(c) + '\n')
open(out + '.map', 'w').write(''.join(f'{n} {{ }};\n' for n in nodes))
PY
  map=()
  [ -s "$work/stubs/$soname.map" ] && map=(-Wl,--version-script="$work/stubs/$soname.map")
  gcc -shared -fPIC -O1 -w -o "$libdir/$soname" -Wl,-soname,"$soname" "${map[@]}" \
      "$work/stubs/$soname.c" || die "cannot build the stub of $soname"
  strip --strip-unneeded "$libdir/$soname"
  echo "$soname" >> "$root/usr/lib/robusthide-stubs/stubbed.txt"
done

# ---- check: every library needed by a carried library is carried (or the system's) --
bad=0
for so in $(find "$libdir" -maxdepth 1 -name '*.so*' -type f); do
  for n in $(needed_of "$so" | grep -Ev "$system_libs"); do
    [ -e "$libdir/$n" ] || { echo "make-deps: $so needs $n, not carried" >&2; bad=1; }
  done
done
[ $bad = 0 ] || die "the carried library closure is incomplete"

cp "$work/packages.txt" "$dest/packages.txt"
{
  echo "made by scripts/gpu/make-deps.sh on $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "host: $(. /etc/os-release; echo "$PRETTY_NAME") $(uname -m)"
  echo "packages: $(wc -l < "$dest/packages.txt") (packages.txt); stubs: $(wc -l < "$root/usr/lib/robusthide-stubs/stubbed.txt") (root/usr/lib/robusthide-stubs/stubbed.txt)"
} > "$dest/README"
echo "== .gpu-deps: $(du -sh "$dest" | cut -f1), $(find "$dest" -type f | wc -l) files"
