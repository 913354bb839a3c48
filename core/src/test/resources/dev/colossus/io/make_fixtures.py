"""Writes the files IoFixturesTest reads back: .npy files by NumPy itself, and a safetensors file by
json and struct alone (no safetensors library), as the format's specification lays it out.
    cd core/src/test/resources/dev/colossus/io && python3 make_fixtures.py"""
import json
import struct

import numpy as np

special = np.array([0.0, -0.0, 1.5, -2.25, np.inf, -np.inf, np.nan, 1e-40, 3.4e38, 1 / 3, 7, -1e-3], dtype="<f4")
np.save("f4_c.npy", special.reshape(3, 4))
np.save("f8_big.npy", (np.arange(6, dtype=">f8") / 3).reshape(2, 3))
np.save("i8_fortran.npy", np.asfortranarray(np.arange(6, dtype="<i8").reshape(2, 3) * -7))
np.save("b1.npy", np.array([True, False, True, True, False]))
np.save("f2.npy", np.array([[0.5, -1.0], [65504.0, 6e-8]], dtype="<f2"))
np.save("i4_scalar.npy", np.array(-123456, dtype="<i4"))
np.save("i1.npy", np.array([-128, -1, 0, 1, 127], dtype="i1"))
np.save("u1.npy", np.array([[0, 1, 128], [200, 254, 255]], dtype="u1"))
np.save("i2_big.npy", np.array([-32768, -2, 0, 300, 32767], dtype=">i2"))
with open("f4_v2.npy", "wb") as f:
    np.lib.format.write_array(f, np.arange(5, dtype="<f4"), version=(2, 0))

tensors = {
    "a": ("F32", [2, 3], struct.pack("<6f", 1.0, -2.0, 0.5, float("inf"), -0.0, 3.0)),
    "b": ("BF16", [4], struct.pack("<4H", 0x3F80, 0xC000, 0x7FC0, 0x0001)),
    "c": ("I64", [2], struct.pack("<2q", -(2**62), 2**40 + 3)),
    "d": ("BOOL", [3], bytes([1, 0, 1])),
    "e": ("F16", [2, 2], struct.pack("<4H", 0x3C00, 0xBC00, 0x7BFF, 0x0001)),
    "empty": ("F32", [0, 3], b""),
    "f": ("I8", [3], struct.pack("<3b", -128, 0, 127)),
    "g": ("U8", [2], bytes([0, 255])),
    "h": ("I16", [2], struct.pack("<2h", -32768, 12345)),
}
header, data = {"__metadata__": {"format": "pt", "note": "written by json + struct"}}, b""
for name, (dtype, shape, raw) in tensors.items():
    header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(data), len(data) + len(raw)]}
    data += raw
text = json.dumps(header).encode()
with open("python.safetensors", "wb") as f:
    f.write(struct.pack("<Q", len(text)) + text + data)
