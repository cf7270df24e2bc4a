#!/usr/bin/env python3
"""Makes a shared library ask for an older version of a symbol set it already uses.

usage: retarget_symbol_version.py LIBRARY FROM_VERSION TO_VERSION

Rewrites, in the library's version-needs table (.gnu.version_r), the requirement
FROM_VERSION into TO_VERSION, which the library must already require from the same
dependency: no section grows, nothing moves. make package uses it for Debian's ICU,
which asks libstdc++ for std::condition_variable::wait at GLIBCXX_3.4.30 (GCC 12's new
version node for the same function, which libstdc++ also exports at GLIBCXX_3.4.11);
Amazon Linux 2023's GCC 11 libstdc++ has only the 3.4.11 one.
"""
import struct
import sys

SHT_GNU_VERNEED = 0x6FFFFFFE


def main():
    path, wanted_from, wanted_to = sys.argv[1], sys.argv[2].encode(), sys.argv[3].encode()
    data = bytearray(open(path, "rb").read())
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        sys.exit(f"{path}: not a little-endian 64-bit ELF file")
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum = struct.unpack_from("<HH", data, 0x3A)
    sections = [struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize) for i in range(shnum)]
    verneed = next((s for s in sections if s[1] == SHT_GNU_VERNEED), None)
    if verneed is None:
        sys.exit(f"{path}: no version-needs table")
    strings_offset = sections[verneed[6]][4]

    def name_at(offset):
        end = data.index(b"\0", strings_offset + offset)
        return bytes(data[strings_offset + offset:end])

    offset, count = verneed[4], verneed[7]
    for _ in range(count):
        _, aux_count, file_name, aux, following = struct.unpack_from("<HHIII", data, offset)
        entries, position = [], offset + aux
        for _ in range(aux_count):
            hash_value, flags, other, name, next_aux = struct.unpack_from("<IHHII", data, position)
            entries.append((position, hash_value, name))
            position += next_aux
        source = [e for e in entries if name_at(e[2]) == wanted_from]
        target = [e for e in entries if name_at(e[2]) == wanted_to]
        if source:
            if not target:
                sys.exit(f"{path}: {wanted_to.decode()} is not already required from {name_at(file_name).decode()}")
            struct.pack_into("<I", data, source[0][0], target[0][1])      # vna_hash
            struct.pack_into("<I", data, source[0][0] + 8, target[0][2])  # vna_name
            open(path, "wb").write(data)
            print(f"{path}: {wanted_from.decode()} requirement now asks for {wanted_to.decode()}")
            return
        offset += following
    sys.exit(f"{path}: does not require {wanted_from.decode()}")


if __name__ == "__main__":
    main()
