#!/usr/bin/env python3
"""Generate the committed compression fixtures under Fixtures/compression/.

Run ONCE (outputs are committed); re-running with the same library versions
reproduces byte-identical files. Needs PyPI `lz4`, `python-snappy` and
`zstandard` (plus the stdlib `zlib`), e.g. in a venv:

    python=$(scripts/interop-venv)   # .venv-interop/ with lz4, python-snappy and zstandard
    "$python" scripts/compression-fixtures.py

Each input <name> gives <name>.raw plus one file per codec variant:
  <name>.lz4            lz4.block.compress(store_size=False)  (raw LZ4 block)
  <name>.lz4-hc         same, mode="high_compression"          (some inputs)
  <name>.zlib           zlib.compress(level 6)                 (RFC 1950)
  <name>.zlib-1 / -9    zlib.compress(level 1 / 9)             (some inputs)
  <name>.snappy         snappy.compress                        (raw snappy block)
  <name>.zstd-<L>       zstandard level L, single frame, content size in header
  <name>.zstd-3-checksum  level 3 with the XXH64 content checksum
  <name>.zstd-3-nosize  level 3 without Frame_Content_Size       (some inputs)
  <name>.zstd-<L>-blocks  level L, streamed with a block flush every few KiB (some inputs)
"""
import importlib.metadata
import os
import random
import struct
import sys
import zlib

import lz4
import lz4.block
import snappy
import zstandard

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Fixtures", "compression")

WORDS = ("pulsar topic broker bookie ledger entry message batch producer consumer "
         "subscription cursor partition tenant namespace schema compression lz4 zlib "
         "zstd snappy the a of and to in is for on with as by at from that this it "
         "payload metadata sequence publish acknowledge redeliver dispatch backlog "
         "retention persistent non-persistent key shared failover exclusive").split()


def mixed(size, rng):
    """Text (Zipf-ish words) interleaved with structured and random binary."""
    out = bytearray()
    counter = 0
    while len(out) < size:
        kind = rng.random()
        if kind < 0.6:
            n = rng.randint(20, 400)
            words = [WORDS[min(int(rng.paretovariate(1.1)) - 1, len(WORDS) - 1)] for _ in range(n)]
            out += (" ".join(words) + ".\n").encode()
        elif kind < 0.85:
            for _ in range(rng.randint(8, 128)):
                out += struct.pack("<IHBB", counter, counter & 0xFFFF, counter % 7, 0)
                counter += rng.randint(1, 3)
        else:
            out += rng.randbytes(rng.randint(16, 512))
    return bytes(out[:size])


def varint(n):
    b = bytearray()
    while True:
        x = n & 0x7F
        n >>= 7
        if n:
            b.append(x | 0x80)
        else:
            b.append(x)
            return bytes(b)


def field(num, wire, data):
    return varint((num << 3) | wire) + data


def pulsar_batch(count, rng):
    """A batched Pulsar payload: [u32 BE size][SingleMessageMetadata][payload]*"""
    out = bytearray()
    for i in range(count):
        payload = ('{"orderId":%d,"customer":"cust-%04d","amount":%d.%02d,"currency":"EUR",'
                   '"items":[%s],"status":"%s"}' % (
                       100000 + i, rng.randint(0, 999), rng.randint(1, 999), rng.randint(0, 99),
                       ",".join('{"sku":"SKU-%05d","qty":%d}' % (rng.randint(0, 99999), rng.randint(1, 5))
                                for _ in range(rng.randint(1, 4))),
                       rng.choice(["NEW", "PAID", "SHIPPED"]))).encode()
        kv = field(1, 2, varint(len(b"region")) + b"region") + field(2, 2, varint(5) + b"eu-w1")
        meta = field(1, 2, varint(len(kv)) + kv)
        key = b"key-%d" % (i % 17)
        meta += field(2, 2, varint(len(key)) + key)
        meta += field(3, 0, varint(len(payload)))
        meta += field(5, 0, varint(1_700_000_000_000 + i * 13))
        meta += field(8, 0, varint(i))
        out += struct.pack(">I", len(meta)) + meta + payload
    return bytes(out)


def inputs():
    rng = random.Random(20240601)
    yield "empty", b""
    yield "one-byte", b"A"
    yield "short-text", b"Hello, Pulsar! This is a short message with a little repetition, repetition."
    yield "repetitive", (b"the quick brown fox jumps over the lazy dog; " * 230)[:10000]
    yield "zeros", bytes(140000)
    yield "random-64k", rng.randbytes(65536)
    yield "mixed-300k", mixed(300 * 1024, rng)
    yield "pulsar-batch", pulsar_batch(150, rng)
    # Few distinct literal byte values: zstd writes the Huffman weights directly (4-bit).
    yield "alphabet4", bytes(rng.choices([0, 1, 2, 3], weights=[8, 4, 2, 2], k=16384))
    # A block of letters, then the same block with every 25th byte replaced by 'Z':
    # with one zstd block each, the second has RLE literals and RLE sequence modes.
    first = bytes(rng.choices(b"abcdefghijklmnopqrstuvwxy", k=6000))
    second = bytearray(first)
    for k in range(0, len(second), 25):
        second[k] = ord("Z")
    yield "rle-literals", first + bytes(second)


# zstd variants made of several blocks (one flush per chunk of this many bytes), to
# exercise treeless literals and the repeat / RLE sequence table modes.
BLOCK_STEPS = {"mixed-300k": 8192, "rle-literals": 6000}


def zstd_blocks(data, level, step):
    compressor = zstandard.ZstdCompressor(level=level)
    stream = compressor.compressobj(size=len(data))
    out = b""
    for k in range(0, len(data), step):
        out += stream.compress(data[k:k + step])
        out += stream.flush(zstandard.COMPRESSOBJ_FLUSH_BLOCK)
    return out + stream.flush()


def variants(name, data):
    big = name in ("mixed-300k", "pulsar-batch")
    yield "lz4", lz4.block.compress(data, store_size=False)
    if big:
        yield "lz4-hc", lz4.block.compress(data, mode="high_compression", store_size=False)
    yield "zlib", zlib.compress(data, 6)
    if big or name == "short-text":
        yield "zlib-1", zlib.compress(data, 1)
        yield "zlib-9", zlib.compress(data, 9)
    yield "snappy", snappy.compress(data)
    levels = (3,) if name == "random-64k" else (1, 3, 19)
    for level in levels:
        yield "zstd-%d" % level, zstandard.ZstdCompressor(level=level).compress(data)
    if name != "random-64k":
        yield "zstd-3-checksum", zstandard.ZstdCompressor(level=3, write_checksum=True).compress(data)
    if name in ("pulsar-batch", "short-text"):
        yield "zstd-3-nosize", zstandard.ZstdCompressor(level=3, write_content_size=False).compress(data)
    if name in BLOCK_STEPS:
        yield "zstd-3-blocks", zstd_blocks(data, 3, BLOCK_STEPS[name])
    if name == "mixed-300k":
        yield "zstd-19-blocks", zstd_blocks(data, 19, BLOCK_STEPS[name])


def main():
    os.makedirs(ROOT, exist_ok=True)
    total = 0
    for name, data in inputs():
        files = [("raw", data)] + list(variants(name, data))
        for ext, blob in files:
            # Self-check with the same libraries before writing.
            if ext.startswith("lz4"):
                assert lz4.block.decompress(blob, uncompressed_size=len(data)) == data
            elif ext.startswith("zlib"):
                assert zlib.decompress(blob) == data
            elif ext == "snappy":
                assert snappy.decompress(blob) == data
            elif ext.startswith("zstd"):
                assert zstandard.ZstdDecompressor().decompress(blob, max_output_size=len(data) + 1) == data
            with open(os.path.join(ROOT, "%s.%s" % (name, ext)), "wb") as f:
                f.write(blob)
            total += len(blob)
            print("%-14s %-16s %8d" % (name, ext, len(blob)))
    print("total bytes:", total)
    print("python", sys.version.split()[0], "zlib", zlib.ZLIB_RUNTIME_VERSION,
          "lz4", lz4.__version__, "(liblz4 %s)" % lz4.library_version_string(),
          "python-snappy", importlib.metadata.version("python-snappy"),
          "cramjam", importlib.metadata.version("cramjam"),
          "zstandard", zstandard.__version__, "(libzstd %s)" % ".".join(map(str, zstandard.ZSTD_VERSION)))


if __name__ == "__main__":
    main()
