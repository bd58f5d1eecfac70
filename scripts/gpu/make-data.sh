#!/usr/bin/env bash
# Makes .gpu-data/: a compact copy of ../shared/data for the lent GPU machine, where only
# the repository travels (docs/gpu.md).
#   .gpu-data/train/  every training photo, shrunk by libjpeg's DCT scaling (n/8) to the
#                     smallest scale whose shorter side is >= SIZE (default 136), then
#                     centre-cropped to SIZE x SIZE, JPEG quality QUALITY (default 85,
#                     4:2:0): the trainer still takes random 128x128 crops of them.
#                     CROP=native instead keeps the photo's own pixel scale (the scale of
#                     the CPU runs, which crop full-size photos) and cuts one SIZE x SIZE
#                     window at a position drawn per photo (Python's random, seeded by
#                     the photo's index); photos smaller than SIZE are kept whole.
#                     CROP=resize is the paper's authors' protocol: every whole photo
#                     resized to SIZE x SIZE (default 128; aspect ratio not kept),
#                     bilinear with antialiasing as torchvision's transforms.Resize does to
#                     a PIL image (needs python3-pil)
#   .gpu-data/val/    the centre 128x128 crop of every validation photo (offset
#                     ((W-128)/2, (H-128)/2) as robusthide takes it), lossless PNG; with
#                     CROP=resize the whole photo resized to 128x128 as above
# Usage: scripts/gpu/make-data.sh [SHARED_DATA_DIR]   (default ../shared/data)
# Environment: SIZE, QUALITY, CROP (shrink, native or resize), MAX_TRAIN (0 = all), JOBS (default: cores),
# DEST (default .gpu-data; e.g. .gpu-data-shrink to keep both protocols' data here).
# Needs python3, djpeg and cjpeg (libjpeg-turbo-progs); the photos must be JPEG.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
src=${1:-$repo/../shared/data}
dest=${DEST:-$repo/.gpu-data}
die() { echo "make-data: $*" >&2; exit 1; }
for tool in python3 djpeg cjpeg; do command -v $tool >/dev/null || die "needs $tool"; done
[ -d "$src/train" ] && [ -d "$src/val" ] || die "no train/ and val/ folders in '$src'"
rm -rf "$dest"
mkdir -p "$dest/train" "$dest/val"
case ${CROP:=shrink} in
  shrink | native) size=${SIZE:-136} ;;
  resize) size=${SIZE:-128} ;;
  *) die "CROP must be shrink, native or resize, not '$CROP'" ;;
esac
# Debian's python3 (it has python3-pil), also where another python3 comes first on PATH.
py=python3
[ -x /usr/bin/python3 ] && py=/usr/bin/python3
CROP=$CROP SIZE=$size QUALITY=${QUALITY:-85} MAX_TRAIN=${MAX_TRAIN:-0} JOBS=${JOBS:-$(nproc)} \
"$py" - "$src" "$dest" <<'PY'
import os, random, struct, subprocess, sys, zlib
from multiprocessing import Pool
src, dest = sys.argv[1:]
size, quality = int(os.environ['SIZE']), int(os.environ['QUALITY'])
max_train, jobs = int(os.environ['MAX_TRAIN']), int(os.environ['JOBS'])
native = os.environ['CROP'] == 'native'
resize = os.environ['CROP'] == 'resize'

def resized(path, s):  # -> RGB bytes of the whole photo resized to s x s (PIL bilinear)
    from PIL import Image
    with Image.open(path) as im:
        return im.convert('RGB').resize((s, s), Image.BILINEAR).tobytes()

def photos(folder):
    out = []
    for d, _, files in os.walk(folder):
        for f in files:
            if f.lower().endswith(('.jpg', '.jpeg')):
                out.append(os.path.join(d, f))
    return sorted(out)

def jpeg_size(path):
    with open(path, 'rb') as f:
        data = f.read()
    i = 2
    while i + 9 < len(data):
        if data[i] != 0xFF: i += 1; continue
        marker = data[i + 1]
        if marker in (0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF):
            h, w = struct.unpack('>HH', data[i + 5:i + 9])
            return w, h
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7: i += 2; continue
        i += 2 + struct.unpack('>H', data[i + 2:i + 4])[0]
    raise ValueError(f'{path}: no JPEG frame header')

def decode(path, n):  # -> width, height, RGB bytes
    ppm = subprocess.run(['djpeg', '-scale', f'{n}/8', '-pnm', path], capture_output=True, check=True).stdout
    fields, pos = [], 0
    while len(fields) < 4:  # P6 W H MAX, whitespace separated
        while ppm[pos:pos + 1].isspace(): pos += 1
        start = pos
        while not ppm[pos:pos + 1].isspace(): pos += 1
        fields.append(ppm[start:pos])
    w, h = int(fields[1]), int(fields[2])
    pixels = ppm[pos + 1:]
    if fields[0] == b'P5':  # greyscale photo: R = G = B, as robusthide decodes it
        pixels = bytes(v for v in pixels for _ in range(3))
    elif fields[0] != b'P6':
        raise ValueError(f'{path}: unexpected djpeg output {fields[0]!r}')
    return w, h, pixels

def crop(w, h, rgb, s, x0=None, y0=None):
    if x0 is None: x0, y0 = (w - s) // 2, (h - s) // 2
    return b''.join(rgb[((y0 + y) * w + x0) * 3:((y0 + y) * w + x0 + s) * 3] for y in range(s))

def train_one(job):
    k, path = job
    if resize:
        ppm = b'P6\n%d %d\n255\n' % (size, size) + resized(path, size)
        jpg = subprocess.run(['cjpeg', '-quality', str(quality), '-optimize'],
                             input=ppm, capture_output=True, check=True).stdout
        with open(os.path.join(dest, 'train', f'{k:05d}.jpg'), 'wb') as f:
            f.write(jpg)
        return
    w, h = jpeg_size(path)
    n = 8 if native else next((n for n in range(1, 9) if min(w, h) * n / 8 >= size), 8)
    w, h, rgb = decode(path, n)
    s = min(size, w, h)
    if native:
        r = random.Random(k)
        x0, y0 = r.randint(0, w - s), r.randint(0, h - s)
        ppm = b'P6\n%d %d\n255\n' % (s, s) + crop(w, h, rgb, s, x0, y0)
    else:
        ppm = b'P6\n%d %d\n255\n' % (s, s) + crop(w, h, rgb, s)
    jpg = subprocess.run(['cjpeg', '-quality', str(quality), '-optimize'],
                         input=ppm, capture_output=True, check=True).stdout
    with open(os.path.join(dest, 'train', f'{k:05d}.jpg'), 'wb') as f:
        f.write(jpg)

def png(s, rgb):
    raw = b''.join(b'\0' + rgb[y * s * 3:(y + 1) * s * 3] for y in range(s))
    chunk = lambda t, d: struct.pack('>I', len(d)) + t + d + struct.pack('>I', zlib.crc32(t + d))
    return (b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', s, s, 8, 2, 0, 0, 0)) +
            chunk(b'IDAT', zlib.compress(raw, 9)) + chunk(b'IEND', b''))

def val_one(job):
    k, path = job
    if resize:
        data = png(128, resized(path, 128))
    else:
        w, h, rgb = decode(path, 8)
        s = min(128, w, h)
        data = png(s, crop(w, h, rgb, s))
    with open(os.path.join(dest, 'val', f'{k:05d}.png'), 'wb') as f:
        f.write(data)

train = photos(os.path.join(src, 'train'))
if max_train > 0: train = train[:max_train]
val = photos(os.path.join(src, 'val'))
how = 'one native-scale window' if native else 'whole photo resized' if resize else 'DCT-scaled, centre crop'
vhow = 'whole photos resized to 128x128' if resize else 'centre 128x128 crops'
print(f'== train: {len(train)} photos -> {size}x{size} ({how}) JPEG q{quality}; val: {len(val)} {vhow}', flush=True)
with Pool(jobs) as pool:
    pool.map(train_one, list(enumerate(train)), chunksize=16)
    pool.map(val_one, list(enumerate(val)), chunksize=4)
with open(os.path.join(dest, 'README'), 'w') as f:
    f.write(f'made by scripts/gpu/make-data.sh from {src}\n'
            f'train: {len(train)} photos, {how} {size}x{size}, JPEG q{quality} 4:2:0\n'
            f'val: {len(val)} {vhow}, PNG\n')
PY
echo "== $dest: $(du -sh "$dest" | cut -f1) ($(ls "$dest/train" | wc -l) train, $(ls "$dest/val" | wc -l) val)"
