"""Binary encoding: exact round trips, and every malformed input is a TnccError."""

from __future__ import annotations

import struct
import zlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tncc.errors import TnccError
from tncc.ir import DType
from tncc.isa.encoding import (HEADER, HEADER_BYTES, MAGIC, decode, decode_instruction, encode,
                               encode_instruction)
from tncc.isa.program import DmaDesc, Instruction, Program
from tncc.isa.table import NO_SRC, WORD_BYTES, Opcode
from tncc.testing_isa import instructions, programs

FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _small() -> Program:
    dma = DmaDesc(((4, 8, 1), (8, 1, 4)), DType.FP32)
    code = (Instruction.make(Opcode.LOAD, dram=0x1000, buf=0x40, desc=0, src=0),
            Instruction.make(Opcode.SIGNAL, unit=0, sem=1), Instruction.make(Opcode.WAIT, unit=2, sem=1),
            Instruction(Opcode.HALT))
    return Program("fetta", 0x12345678, code, dmas=(dma,), statements=("y[i] = x[i]",))


@given(instructions())
@FAST
def test_instruction_words_round_trip(ins):
    word = encode_instruction(ins)
    assert len(word) == WORD_BYTES
    assert decode_instruction(word) == ins


def test_word_layout_is_the_tables():
    word = encode_instruction(Instruction.make(Opcode.LOAD, dram=0x1000, buf=0x40, desc=3, src=7))
    v = int.from_bytes(word, "big")
    assert v >> 120 == 0x10 and (v >> 104) & 0xFFFF == 7
    assert (v >> 64) & ((1 << 40) - 1) == 0x1000 and (v >> 40) & 0xFFFFFF == 0x40 and (v >> 24) & 0xFFFF == 3
    assert v & 0xFFFFFF == 0
    assert encode_instruction(Instruction(Opcode.HALT)) == bytes([0x00, 0xFF, 0xFF]) + bytes(13)


@given(programs())
@FAST
def test_programs_round_trip(p):
    data = encode(p)
    assert data[:4] == MAGIC
    assert decode(data) == p
    assert encode(decode(data)) == data


def test_size_follows_structure_not_elements():
    # A million-element DMA costs the same bytes as a four-element one.
    big = Program("fetta", 0, (Instruction.make(Opcode.LOAD, dram=0, buf=0, desc=0),),
                  dmas=(DmaDesc(((1024, 1024, 1), (1024, 1, 1024)), DType.FP32),))
    small = Program("fetta", 0, (Instruction.make(Opcode.LOAD, dram=0, buf=0, desc=0),),
                    dmas=(DmaDesc(((2, 2, 1), (2, 1, 2)), DType.FP32),))
    assert len(encode(big)) - len(encode(small)) <= 4


def _decode_error(data: bytes) -> str:
    with pytest.raises(TnccError) as exc:
        decode(data, "p.tnb")
    return exc.value.render()


def test_specific_rejections_name_the_offset():
    data = encode(_small())
    assert "bad magic" in _decode_error(b"XNCC" + data[4:])
    assert "format version 9" in _decode_error(data[:4] + struct.pack("<H", 9) + data[6:])
    assert "truncated" in _decode_error(data[:-1])
    assert "trailing bytes" in _decode_error(data + b"\x00")
    assert "checksum" in _decode_error(data[:-5] + bytes([data[-5] ^ 1]) + data[-4:])
    assert "truncated header" in _decode_error(b"TN")
    # Put an unknown opcode in the last instruction and fix the checksum: the
    # error names the instruction index and byte offset.
    bad = bytearray(data)
    bad[-WORD_BYTES] = 0xEE
    bad[12:16] = struct.pack("<I", zlib.crc32(bytes(bad[HEADER_BYTES:])))
    msg = _decode_error(bytes(bad))
    assert "instruction 3" in msg and f"0x{len(data) - WORD_BYTES:x}" in msg and "unknown opcode 0xee" in msg
    # A field that violates the program's invariants (desc out of range).
    bad = bytearray(data)
    first = len(data) - 4 * WORD_BYTES
    word = int.from_bytes(bad[first:first + WORD_BYTES], "big") | (5 << 24)
    bad[first:first + WORD_BYTES] = word.to_bytes(WORD_BYTES, "big")
    bad[12:16] = struct.pack("<I", zlib.crc32(bytes(bad[HEADER_BYTES:])))
    assert "field `desc` is 5" in _decode_error(bytes(bad))


@given(st.binary(max_size=300))
@FAST
def test_random_bytes_are_rejected(blob):
    with pytest.raises(TnccError):
        decode(blob)
    with pytest.raises(TnccError):
        decode(MAGIC + blob)


@given(programs(max_instructions=6), st.data())
@FAST
def test_truncations_are_rejected(p, data):
    blob = encode(p)
    cut = data.draw(st.integers(0, len(blob) - 1))
    with pytest.raises(TnccError):
        decode(blob[:cut])


@given(programs(max_instructions=6), st.data())
@FAST
def test_corruption_behind_a_valid_checksum_is_rejected_or_canonical(p, data):
    # Flip bytes after the header and repair the CRC so the structural checks
    # (varints, codes, counts, record invariants) are what must catch it.
    blob = bytearray(encode(p))
    for _ in range(data.draw(st.integers(1, 4))):
        i = data.draw(st.integers(HEADER.size, len(blob) - 1))
        blob[i] = data.draw(st.integers(0, 255))
    blob[12:16] = struct.pack("<I", zlib.crc32(bytes(blob[HEADER_BYTES:])))
    try:
        q = decode(bytes(blob))
    except TnccError:
        return
    # Whatever decodes is canonical: it re-encodes to the very same bytes.
    assert isinstance(q, Program)
    assert encode(q) == bytes(blob)


@given(st.binary(min_size=WORD_BYTES, max_size=WORD_BYTES))
@FAST
def test_random_words_decode_or_raise(word):
    try:
        ins = decode_instruction(word, 5, 0x50)
    except TnccError as err:
        assert "instruction 5 at byte offset 0x50" in err.render()
        return
    assert encode_instruction(ins) == word
    assert ins.src <= NO_SRC
