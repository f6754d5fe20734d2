#!/usr/bin/env python3
"""fuzz-seeds.py - regenerate the committed seed corpora fuzz/corpus/<target>/ from the
unit tests' vectors (issue 15): the C string literals (adjacent ones joined, escapes
decoded) and byte-array initializers ({0x93, 0x00, ...}) of each target's unit test
files, plus a few hand-written seeds where a target's input has a framing of its own
(a leading mode or split byte). At most MAX_SEEDS per target, each at most MAX_LEN
bytes, named by the SHA-1 of their content as libFuzzer names its own. The fuzz smoke
runs of `make test` and `make fuzz-long` start from these (scripts/run-tests.sh,
scripts/fuzz-long.sh).

    python3 scripts/fuzz-seeds.py        # rewrites fuzz/corpus/
"""
import hashlib
import os
import re
import shutil
import sys

MAX_SEEDS = 48
MAX_LEN = 4096
TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# target -> (unit test files, a filter on the vector, a prefix added to each vector)
SOURCES = {
    "fuzz_base_json": (["tests/test_base_json.c"], None, b""),
    "fuzz_eio_jsonp": (["tests/test_eio_jsonp.c"], None, b""),
    "fuzz_eio_origin": (["tests/test_eio_origin.c", "tests/test_eio_origin_http.c"], None, b""),
    "fuzz_eio_payload": (["tests/test_eio_packet.c"], None, b""),
    "fuzz_eio_payload_v3": (["tests/test_eio_packet_v3.c", "tests/test_eio_session_v3.c"], None, b""),
    "fuzz_net_head": (["tests/test_net_head.c"], None, b""),
    "fuzz_net_proxy": (["tests/test_net_proxy.c"], None, b""),
    "fuzz_redis_url": (["tests/test_redis_options.c"], lambda v: b"redis" in v or b"/" in v, b""),
    "fuzz_redis_wire": (["tests/test_redis_wire.c"], None, b""),
    "fuzz_sio_msgpack": (["tests/test_sio_msgpack.c", "tests/test_sio_msgpack_server.c"], None, b""),
    "fuzz_sio_packet": (["tests/test_sio_packet.c", "tests/test_sio_binary.c"], None, b""),
    "fuzz_srv_api_body": (["tests/test_srv_api_body.c"], None, b""),
    "fuzz_srv_api_ops": (["tests/test_srv_api_ops.c"], None, b""),
    "fuzz_srv_jwks": (["tests/test_srv_jwks.c"], None, b""),
    "fuzz_srv_jwt": (["tests/test_srv_jwt.c"], lambda v: v.count(b".") >= 1 or v.startswith(b"{"), b""),
    "fuzz_srv_plainws": (["tests/test_srv_plainws.c", "tests/test_sio_plain.c"], None, b""),
    "fuzz_srv_rooms": (["tests/test_srv_rooms.c"], None, None),
    "fuzz_srv_webhook_reply": (["tests/test_srv_emit.c", "tests/test_srv_http_client.c"],
                               lambda v: v[:1] in (b"{", b"["), b""),
    "fuzz_net_chunked": ([], None, b""),
    "fuzz_net_wsframe": ([], None, b""),
}


def ws(b0, payload, mask=b"\x37\xfa\x21\x3d"):
    """A client WebSocket frame (RFC 6455 section 5.2): first byte b0, payload masked."""
    n = len(payload)
    if n < 126:
        h = bytes([b0, 0x80 | n])
    elif n < 65536:
        h = bytes([b0, 0x80 | 126]) + n.to_bytes(2, "big")
    else:
        h = bytes([b0, 0x80 | 127]) + n.to_bytes(8, "big")
    return h + mask + bytes(c ^ mask[i % 4] for i, c in enumerate(payload))


# Hand-written seeds: framings of the target's own.
HAND = {
    "fuzz_net_chunked": [
        b"\x03" + b"5\r\nhello\r\n0\r\n\r\n",
        b"\x07" + b"5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nTrailer: x\r\n\r\n",
        b"\x00" + b"0\r\n\r\n",
        b"\x10" + b"A\r\n0123456789\r\n0\r\n\r\n",
        b"\x02" + b"fffffffffffffff\r\n",
        b"\x01" + b"5\r\nhel",
        b"\x04" + b"zz\r\nabc\r\n0\r\n\r\n",
        b"\x05" + b"2\r\nabcdef\r\n0\r\n\r\n",
        b"\x06" + b"5\nhello\n0\n\n",
        b"\x08" + b"3 \t;a=b\r\nabc\r\n0\r\n\r\nGET / HTTP/1.1\r\n\r\n",
    ],
    "fuzz_srv_rooms": [
        b"\x00room:{id}\nu1\nv\nabc",
        b"\x01user:{userId}\nalice\n\n",
        b"\x02\"project-1\"",
        b"\x03{\"p\":\"p1\",\"q\":2}",
        b"\x00{claims.team}:{value}\nu\nteam-a\n",
        b"\x01{{id}}\nx\ny\nz",
    ],
    "fuzz_srv_jwks": [],
    # the first byte: the split point, and the message limit (its low three bits)
    "fuzz_net_wsframe": [
        b"\x07" + ws(0x81, b"Hello, world"),
        b"\x0d" + ws(0x82, bytes(range(200))),
        b"\x15" + ws(0x01, b"frag") + ws(0x89, b"ping") + ws(0x00, b"ment") + ws(0x80, b"ed"),
        b"\x1e" + ws(0x02, b"abc") + ws(0x00, b"defg") + ws(0x80, b"hi"),
        b"\x27" + ws(0x81, b"") + ws(0x8a, b"pong") + ws(0x88, b"\x03\xe8bye") + ws(0x81, b"x"),
        b"\x0f" + ws(0x01, b"a\xe2") + ws(0x80, b"\x82\xacb"),
        b"\x03" + ws(0x81, b"0123456789abcdef\xc3\xa9 caf\xc3\xa9"),
        b"\x05" + ws(0x82, b"0123456789abcdefgh"),
        b"\x2f" + bytes([0x82, 0xff, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]) + b"\x37\xfa\x21\x3d",
        b"\x0a" + ws(0x88, b"\x03\xe9") + ws(0x81, b"after"),
    ],
    "fuzz_net_proxy": [
        b"127.0.0.1, 10.0.0.0/8\n10.1.2.3,192.168.0.1",
        b"::1, fd00::/8\n::ffff:10.0.0.1,fd00::1",
        b"0.0.0.0/0\n1.2.3.4",
        b"10.0.0.0/33\n10.0.0.1",
    ],
}

ESC = {"n": b"\n", "r": b"\r", "t": b"\t", "0": b"\0", "\\": b"\\", '"': b'"', "'": b"'",
       "a": b"\a", "b": b"\b", "f": b"\f", "v": b"\v", "?": b"?", "e": b"\x1b"}


def decode_literal(body):
    out = bytearray()
    i = 0
    while i < len(body):
        c = body[i]
        if c != "\\":
            out += c.encode()
            i += 1
            continue
        n = body[i + 1]
        if n == "x":
            m = re.match(r"[0-9a-fA-F]{1,2}", body[i + 2:])
            out.append(int(m.group(0), 16))
            i += 2 + len(m.group(0))
        elif n in "01234567":
            m = re.match(r"[0-7]{1,3}", body[i + 1:])
            out.append(int(m.group(0), 8) & 255)
            i += 1 + len(m.group(0))
        elif n == "u":
            out += chr(int(body[i + 2:i + 6], 16)).encode("utf-8", "surrogatepass")
            i += 6
        elif n == "U":
            out += chr(int(body[i + 2:i + 10], 16)).encode("utf-8", "surrogatepass")
            i += 10
        else:
            out += ESC.get(n, n.encode())
            i += 2
    return bytes(out)


def vectors(path):
    text = open(os.path.join(TOP, path), encoding="utf-8", errors="replace").read()
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    text = re.sub(r"^\s*#.*$", " ", text, flags=re.M)  # #include "x.h" is no vector
    found = []
    # adjacent string literals form one
    for m in re.finditer(r'(?:"(?:[^"\\\n]|\\.)*"\s*)+', text):
        parts = re.findall(r'"((?:[^"\\\n]|\\.)*)"', m.group(0))
        found.append(b"".join(decode_literal(p) for p in parts))
    for m in re.finditer(r"\{\s*((?:0x[0-9a-fA-F]{1,2}\s*,\s*){3,}0x[0-9a-fA-F]{1,2})\s*,?\s*\}", text):
        found.append(bytes(int(x, 16) for x in re.findall(r"0x([0-9a-fA-F]{1,2})", m.group(1))))
    return found


def main():
    root = os.path.join(TOP, "fuzz", "corpus")
    for target, (files, keep, prefix) in sorted(SOURCES.items()):
        seeds = []
        for f in files:
            if os.path.exists(os.path.join(TOP, f)):
                seeds += vectors(f)
        seeds = [s for s in seeds if 0 < len(s) <= MAX_LEN and (keep is None or keep(s))]
        if prefix is None:  # a mode byte: each vector in each mode
            seeds = [bytes([m]) + s for s in seeds[:MAX_SEEDS // 4] for m in range(4)]
        else:
            seeds = [prefix + s for s in seeds]
        if target == "fuzz_srv_jwks":
            seeds.append(open(os.path.join(TOP, "tests/data/jwt/jwks.json"), "rb").read())
        seeds = HAND.get(target, []) + seeds
        uniq = list(dict.fromkeys(seeds))[:MAX_SEEDS]
        d = os.path.join(root, target)
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
        for s in uniq:
            with open(os.path.join(d, hashlib.sha1(s).hexdigest()), "wb") as fh:
                fh.write(s)
        print(f"{target}: {len(uniq)} seeds", file=sys.stderr)


if __name__ == "__main__":
    main()
