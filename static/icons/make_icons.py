"""Renders the extension's PNG icons from the logo's geometry (static/logo.svg).

Chrome wants PNG icons; this draws the same mark (teal disc, white open ring,
white dot) with 4x4 supersampling, using only the standard library.
Run: python3 static/icons/make_icons.py
"""
import math, os, struct, zlib

TEAL = (0x0F, 0x6E, 0x7A)
WHITE = (255, 255, 255)

def coverage(x, y):
    """Colour and alpha of one sample in the 32x32 logo space."""
    dx, dy = x - 16, y - 16
    if dx * dx + dy * dy > 15 * 15:
        return None
    # Open ring: radius 7.6, width 3.4, gap on the right (about +-42 degrees).
    r = math.hypot(x - 16, y - 16)
    ang = math.degrees(math.atan2(y - 16, x - 16))
    if abs(r - 7.6) <= 1.7 and abs(ang) >= 42:
        return WHITE
    # Round caps of the ring ends.
    for a in (42, -42):
        cx, cy = 16 + 7.6 * math.cos(math.radians(a)), 16 + 7.6 * math.sin(math.radians(a))
        if math.hypot(x - cx, y - cy) <= 1.7:
            return WHITE
    if math.hypot(x - 23.4, y - 16) <= 2:
        return WHITE
    return TEAL

def render(size):
    ss = 4
    rows = []
    for py in range(size):
        row = bytearray([0])
        for px in range(size):
            acc = [0, 0, 0, 0]
            for sy in range(ss):
                for sx in range(ss):
                    x = (px + (sx + 0.5) / ss) * 32 / size
                    y = (py + (sy + 0.5) / ss) * 32 / size
                    c = coverage(x, y)
                    if c:
                        acc[0] += c[0]; acc[1] += c[1]; acc[2] += c[2]; acc[3] += 1
            n = acc[3]
            if n:
                row += bytes([acc[0] // n, acc[1] // n, acc[2] // n, 255 * n // (ss * ss)])
            else:
                row += bytes([0, 0, 0, 0])
        rows.append(bytes(row))
    def chunk(tag, data):
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)
    ihdr = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"".join(rows), 9)) + chunk(b"IEND", b"")

here = os.path.dirname(os.path.abspath(__file__))
for size in (16, 32, 48, 128):
    with open(os.path.join(here, f"icon-{size}.png"), "wb") as f:
        f.write(render(size))
