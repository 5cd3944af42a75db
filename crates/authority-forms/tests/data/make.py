"""Regenerates the image fixtures in this folder (needs Pillow for the JPEG, BMP and PDF).

    python3 make.py
"""
import struct
import zlib

from PIL import Image


def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def tiny_png(width, height):
    """A 1-bit grey PNG written by hand: a few hundred bytes for any size."""
    row = b"\x00" + b"\xff" * ((width + 7) // 8)
    raw = row * height
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


open("photo-413x531.png", "wb").write(tiny_png(413, 531))
Image.new("L", (413, 531), 200).save("photo-413x531.jpg", quality=40)
Image.new("1", (413, 531), 1).save("photo-413x531.bmp")
Image.new("L", (300, 400), 200).save("small-300x400-progressive.jpg", quality=40, progressive=True)
Image.new("L", (413, 531), 255).save("id-document.pdf")
