"""Text assembly: :func:`disassemble` prints a :class:`Program`, :func:`assemble`
parses it back to the identical program.

One item per line; ``;`` starts a comment (outside strings).  Directives::

    .arch "fetta" fingerprint=0x9fee8c7f
    .statement 0 "C[i,k] = A[i,j] * B[j,k]"
    .symbol A role=input dtype=fp32 shape=[4,8] dram=0x0 strides=[8,1]
    .dma 0 dtype=fp32 dims=[(4,8,1),(8,1,4)]
    .switch 0 ports=4 benes1=0a copy=05 benes2=03
    .red 0 groups=[4,4]
    .tile 0 dtype=fp32 dataflow=outer tb=1 tm=4 tn=4 tkk=1 a=0x0:[(4,1)]:[(8,4)] b=...
          c=0x80:[(4,4),(4,1)] accumulate=0 loops=[(2,32,0,16,0)]    (one line)
    .gemm 0 dtype=fp32 m=4 n=4 k=8 a=0x0 lda=8 b=0x20 ldb=4 c=0x40 ldc=4 accumulate=0

Config records are numbered and must appear in order (0, 1, ...).  An
instruction is a mnemonic and its fields by name, plus ``src=N`` when it has
a source statement (the disassembler names that statement in a comment
wherever the attribution changes)::

    LOAD dram=0x1000 buf=0x40 desc=3 src=0  ; C[i,k] = ...

A stream is ``base:[port dims]:[beat dims]``, a drain ``base:[dims]``; switch
bits are the bytes of their bit strings in hex.  Errors name line and column.
"""

from __future__ import annotations

import json
import re
from typing import Any, Callable

from tncc.errors import Diagnostic, Span, TnccError
from tncc.ir import DType
from tncc.isa.program import (DmaDesc, Drain, GemmDesc, Instruction, Program, RedConfig, Stream, SwitchConfig,
                              Symbol, SymbolRole, TileDesc)
from tncc.isa.table import NO_SRC, TABLE, TILE_DATAFLOWS, ConfigKind, opcode_by_name

# ---------------------------------------------------------------- value kinds

_INT = re.compile(r"[+-]?(0[xX][0-9a-fA-F_]+|0[bB][01_]+|0[oO][0-7_]+|[0-9][0-9_]*)\Z")
_TUPLE = re.compile(r"\(([^()]*)\)")


def _p_int(text: str) -> int:
    if not _INT.match(text):
        raise ValueError("expected an integer")
    return int(text, 0)


def _p_ints(text: str) -> tuple[int, ...]:
    if not (text.startswith("[") and text.endswith("]")):
        raise ValueError("expected a list [a,b,...]")
    body = text[1:-1]
    return tuple(_p_int(t) for t in body.split(",")) if body else ()


def _p_tuples(text: str, width: int) -> tuple[tuple[int, ...], ...]:
    if not (text.startswith("[") and text.endswith("]")):
        raise ValueError(f"expected a list of {width}-tuples [(..),(..)]")
    body = text[1:-1]
    if not body:
        return ()
    if not re.fullmatch(r"\([^()]*\)(,\([^()]*\))*", body):
        raise ValueError(f"expected a list of {width}-tuples [(..),(..)]")
    rows = []
    for m in _TUPLE.finditer(body):
        vals = tuple(_p_int(t) for t in m.group(1).split(","))
        if len(vals) != width:
            raise ValueError(f"expected {width} values in each tuple, got {len(vals)}")
        rows.append(vals)
    return tuple(rows)


def _p_pairs(text: str) -> tuple[tuple[int, int], ...]:
    """``[(extent,stride),..]``."""
    return tuple((e, st) for e, st in _p_tuples(text, 2))


def _p_bool(text: str) -> bool:
    if text in ("0", "1"):
        return text == "1"
    raise ValueError("expected 0 or 1")


def _p_enum(cls: Any) -> Callable[[str], Any]:
    def parse(text: str) -> Any:
        for m in cls:
            if m.value == text:
                return m
        raise ValueError(f"expected one of {', '.join(m.value for m in cls)}")
    return parse


def _p_hex(text: str) -> bytes:
    if len(text) % 2 or not re.fullmatch(r"[0-9a-f]*", text):
        raise ValueError("expected bytes in lower-case hex")
    return bytes.fromhex(text)


def _p_stream(text: str) -> Stream:
    base, sep, rest = text.partition(":")
    ports, sep2, beats = rest.partition("]:")
    if not sep or not sep2:
        raise ValueError("expected a stream base:[(extent,stride),..]:[(extent,stride),..]")
    return Stream(_p_int(base), _p_pairs(ports + "]"), _p_pairs(beats))


def _p_drain(text: str) -> Drain:
    base, sep, dims = text.partition(":")
    if not sep:
        raise ValueError("expected a drain base:[(extent,stride),..]")
    return Drain(_p_int(base), _p_pairs(dims))


def _f_tuples(rows: tuple[tuple[Any, ...], ...]) -> str:
    return "[" + ",".join("(" + ",".join(str(int(v)) for v in r) + ")" for r in rows) + "]"


def _f_ints(vals: tuple[int, ...]) -> str:
    return "[" + ",".join(str(v) for v in vals) + "]"


# kind -> (format, parse)
KINDS: dict[str, tuple[Callable[[Any], str], Callable[[str], Any]]] = {
    "uint": (str, _p_int),
    "addr": (hex, _p_int),
    "bool": (lambda v: str(int(v)), _p_bool),
    "dtype": (lambda v: v.value, _p_enum(DType)),
    "dataflow": (lambda v: v.value, _p_enum(TILE_DATAFLOWS)),
    "role": (lambda v: v.value, _p_enum(SymbolRole)),
    "ints": (_f_ints, _p_ints),
    "dims2": (_f_tuples, lambda t: _p_tuples(t, 2)),
    "dims3": (_f_tuples, lambda t: _p_tuples(t, 3)),
    "loops": (_f_tuples, lambda t: tuple(r[:4] + (bool(r[4]),) if r[4] in (0, 1) else _bad_reduce()
                                          for r in _p_tuples(t, 5))),
    "hex": (lambda b: b.hex(), _p_hex),
    "stream": (lambda s: f"{hex(s.base)}:{_f_tuples(s.port_dims)}:{_f_tuples(s.beat_dims)}", _p_stream),
    "drain": (lambda d: f"{hex(d.base)}:{_f_tuples(d.dims)}", _p_drain),
}


def _bad_reduce() -> Any:
    raise ValueError("a loop's reduce flag is 0 or 1")


# directive -> (config section or None for symbols, record class, ((key, kind), ...))
DIRECTIVES: dict[str, tuple[ConfigKind | None, type, tuple[tuple[str, str], ...]]] = {
    ".symbol": (None, Symbol,
                (("role", "role"), ("dtype", "dtype"), ("shape", "ints"), ("dram", "addr"), ("strides", "ints"))),
    ".dma": (ConfigKind.DMA, DmaDesc, (("dtype", "dtype"), ("dims", "dims3"))),
    ".switch": (ConfigKind.SWITCH, SwitchConfig,
                (("ports", "uint"), ("benes1", "hex"), ("copy", "hex"), ("benes2", "hex"))),
    ".red": (ConfigKind.RED, RedConfig, (("groups", "ints"),)),
    ".tile": (ConfigKind.TILE, TileDesc,
              (("dtype", "dtype"), ("dataflow", "dataflow"), ("tb", "uint"), ("tm", "uint"), ("tn", "uint"),
               ("tkk", "uint"), ("a", "stream"), ("b", "stream"), ("c", "drain"), ("accumulate", "bool"),
               ("loops", "loops"))),
    ".gemm": (ConfigKind.GEMM, GemmDesc,
              (("dtype", "dtype"), ("m", "uint"), ("n", "uint"), ("k", "uint"), ("a", "addr"), ("lda", "uint"),
               ("b", "addr"), ("ldb", "uint"), ("c", "addr"), ("ldc", "uint"), ("accumulate", "bool"))),
}


# ---------------------------------------------------------------- printing

def _comment_text(s: str) -> str:
    first = s.splitlines()[0] if s.splitlines() else ""
    return first if len(first) <= 60 else first[:57] + "..."


def format_instruction(ins: Instruction) -> str:
    parts = [ins.opcode.name]
    for f, v in zip(TABLE[ins.opcode].fields, ins.fields):
        text = f.symbols[v] if f.symbols and v < len(f.symbols) else (hex(v) if f.hex else str(v))
        parts.append(f"{f.name}={text}")
    if ins.src != NO_SRC:
        parts.append(f"src={ins.src}")
    return " ".join(parts)


def disassemble(program: Program) -> str:
    """The assembly text of ``program``; :func:`assemble` of it returns an equal program."""
    out = ["; tncc assembly", f".arch {json.dumps(program.arch_name)} fingerprint=0x{program.arch_fingerprint:08x}"]
    for i, s in enumerate(program.statements):
        out.append(f".statement {i} {json.dumps(s)}")
    for name, (kind, _cls, keys) in DIRECTIVES.items():
        records = program.symbols if kind is None else program.config(kind)
        for i, rec in enumerate(records):
            head = f"{name} {rec.name}" if kind is None else f"{name} {i}"
            out.append(head + "".join(f" {k}={KINDS[t][0](getattr(rec, k))}" for k, t in keys))
    previous = NO_SRC
    for ins in program.instructions:
        line = "    " + format_instruction(ins)
        # Name the source statement where the attribution changes, not on every line.
        if ins.src != previous and ins.src != NO_SRC:
            line = f"{line:<48} ; {_comment_text(program.statements[ins.src])}"
        previous = ins.src
        out.append(line)
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------- parsing

_WORD = re.compile(r"\S+")
# whitespace | a comment | a token (quoted strings inside may hold spaces and `;`) | a stray quote
_LEX = re.compile(r'\s+|;.*|(?:[^\s;"]|"(?:[^"\\]|\\.)*")+|"', re.DOTALL)


class _Line:
    """Tokens of one line with their 1-based columns; raises spans into it."""

    def __init__(self, text: str, lineno: int, source: str, whole: str):
        self.lineno, self.source, self.whole = lineno, source, whole
        self.tokens: list[tuple[str, int]] = []
        if '"' not in text:  # the common case, fast: no strings, so `;` always starts a comment
            self.tokens = [(m.group(), m.start() + 1) for m in _WORD.finditer(text.split(";", 1)[0])]
            return
        pos = 0
        while pos < len(text):
            m = _LEX.match(text, pos)
            assert m is not None  # the last alternative matches any single quote
            tok = m.group()
            if tok == '"':
                raise self.error("unterminated string", pos + 1, len(text) - pos)
            if tok.startswith(";"):
                break
            if not tok[0].isspace():
                self.tokens.append((tok, pos + 1))
            pos = m.end()

    def error(self, message: str, column: int = 1, width: int = 1) -> TnccError:
        span = Span(self.source, self.lineno, column, self.lineno, column + max(1, width), text=self.whole)
        return TnccError(Diagnostic(message, span))


def _keyvals(line: _Line, tokens: list[tuple[str, int]], what: str) -> dict[str, tuple[str, int]]:
    out: dict[str, tuple[str, int]] = {}
    for tok, col in tokens:
        key, eq, val = tok.partition("=")
        if not eq or not key:
            raise line.error(f"{what}: expected key=value, got `{tok}`", col, len(tok))
        if key in out:
            raise line.error(f"{what}: `{key}` given twice", col, len(key))
        out[key] = (val, col + len(key) + 1)
    return out


def _convert(line: _Line, kind: str, val: str, col: int, what: str) -> Any:
    try:
        return KINDS[kind][1](val)
    except ValueError as exc:
        raise line.error(f"{what}: {exc}, got `{val}`", col, len(val)) from None
    except TnccError as err:
        raise line.error(f"{what}: {err.diagnostics[0].message}", col, len(val)) from None


def _record(line: _Line, directive: str, tokens: list[tuple[str, int]], col0: int) -> Any:
    _kind, cls, keys = DIRECTIVES[directive]
    kv = _keyvals(line, tokens, directive)
    args: dict[str, Any] = {}
    for key, kind in keys:
        if key not in kv:
            raise line.error(f"{directive} needs `{key}=`", col0, len(directive))
        val, col = kv.pop(key)
        args[key] = _convert(line, kind, val, col, f"{directive} {key}")
    if kv:
        key, (val, col) = next(iter(kv.items()))
        raise line.error(f"{directive} has no key `{key}` (keys: {', '.join(k for k, _ in keys)})",
                         col - len(key) - 1, len(key))
    return args, cls


def _instruction(line: _Line) -> Instruction:
    mnemonic, col0 = line.tokens[0]
    op = opcode_by_name(mnemonic)
    if op is None or mnemonic != op.name:
        raise line.error(f"unknown instruction `{mnemonic}`", col0, len(mnemonic))
    kv = _keyvals(line, line.tokens[1:], op.name)
    vals = []
    for f in TABLE[op].fields:
        if f.name not in kv:
            raise line.error(f"{op.name} needs `{f.name}=`", col0, len(mnemonic))
        val, col = kv.pop(f.name)
        if f.symbols and val in f.symbols:
            vals.append(f.symbols.index(val))
            continue
        try:
            v = _p_int(val)
        except ValueError:
            hint = f" or one of {', '.join(f.symbols)}" if f.symbols else ""
            raise line.error(f"field `{f.name}` of {op.name}: expected an integer{hint}, got `{val}`",
                             col, len(val)) from None
        if not 0 <= v <= f.max:
            raise line.error(f"field `{f.name}` of {op.name} is {v}, "
                             f"{'negative' if v < 0 else f'wider than {f.bits} bits'}", col, len(val))
        vals.append(v)
    src = NO_SRC
    if "src" in kv:
        val, col = kv.pop("src")
        src = _convert(line, "uint", val, col, f"{op.name} src")
        if not 0 <= src <= NO_SRC:
            raise line.error(f"src of {op.name} is {src}, outside 0..{NO_SRC}", col, len(val))
    if kv:
        key, (val, col) = next(iter(kv.items()))
        names = ", ".join(f.name for f in TABLE[op].fields) or "none"
        raise line.error(f"{op.name} has no field `{key}` (fields: {names})", col - len(key) - 1, len(key))
    return Instruction(op, tuple(vals), src)


def _index(line: _Line, directive: str, expected: int) -> None:
    if len(line.tokens) < 2:
        raise line.error(f"{directive} needs an index", 1, len(directive))
    tok, col = line.tokens[1]
    if tok != str(expected):
        raise line.error(f"{directive} index must be {expected} (records are numbered in order), got `{tok}`",
                         col, len(tok))


def _string(line: _Line, tok: str, col: int) -> str:
    if not (tok.startswith('"') and tok.endswith('"') and len(tok) >= 2):
        raise line.error(f"expected a quoted string, got `{tok}`", col, len(tok))
    try:
        value = json.loads(tok)
    except ValueError:
        raise line.error("malformed string", col, len(tok)) from None
    if not isinstance(value, str):
        raise line.error("malformed string", col, len(tok))
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise line.error("string holds an unpaired surrogate escape", col, len(tok)) from None
    return value


def assemble(text: str, source: str = "<asm>") -> Program:
    """Parse assembly text into a :class:`Program` (validated like any Program)."""
    arch: tuple[str, int] | None = None
    statements: list[str] = []
    records: dict[str, list[Any]] = {d: [] for d in DIRECTIVES}
    code: list[Instruction] = []
    code_lines: list[_Line] = []
    symbol_names: set[str] = set()
    for lineno, raw in enumerate(text.split("\n"), start=1):
        line = _Line(raw.rstrip("\r"), lineno, source, text)
        if not line.tokens:
            continue
        head, col0 = line.tokens[0]
        try:
            if head == ".arch":
                if arch is not None:
                    raise line.error(".arch given twice", col0, 5)
                if len(line.tokens) != 3 or not line.tokens[2][0].startswith("fingerprint="):
                    raise line.error('expected .arch "NAME" fingerprint=0x followed by hex digits '
                                     '(the 32-bit arch fingerprint)', col0, 5)
                name = _string(line, *line.tokens[1])
                fp_tok, fp_col = line.tokens[2]
                fp = _convert(line, "uint", fp_tok[12:], fp_col + 12, ".arch fingerprint")
                if not 0 <= fp <= 0xFFFFFFFF:
                    raise line.error("fingerprint must fit in 32 bits", fp_col + 12, len(fp_tok) - 12)
                arch = (name, fp)
            elif head == ".statement":
                _index(line, head, len(statements))
                if len(line.tokens) != 3:
                    raise line.error('expected .statement N "TEXT"', col0, len(head))
                statements.append(_string(line, *line.tokens[2]))
            elif head == ".symbol":
                if len(line.tokens) < 2:
                    raise line.error(".symbol needs a name", col0, len(head))
                name, ncol = line.tokens[1]
                if name in symbol_names:
                    raise line.error(f"symbol `{name}` is defined twice", ncol, len(name))
                symbol_names.add(name)
                args, cls = _record(line, head, line.tokens[2:], col0)
                try:
                    records[head].append(cls(name=name, **args))
                except TnccError as err:
                    raise line.error(err.diagnostics[0].message, ncol, len(name)) from None
            elif head in DIRECTIVES:
                _index(line, head, len(records[head]))
                args, cls = _record(line, head, line.tokens[2:], col0)
                try:
                    records[head].append(cls(**args))
                except TnccError as err:
                    raise line.error(err.diagnostics[0].message, col0, len(head)) from None
            elif head.startswith("."):
                raise line.error(f"unknown directive `{head}`", col0, len(head))
            else:
                code.append(_instruction(line))
                code_lines.append(line)
        except TnccError as err:
            if err.diagnostics[0].span is None:
                raise line.error(err.diagnostics[0].message, col0, len(head)) from None
            raise
    if arch is None:
        raise TnccError(Diagnostic('missing `.arch "NAME" fingerprint=...`', Span(source, 1, 1, 1, 2, text=text)))
    counts = {kind: len(records[d]) for d, (kind, _c, _k) in DIRECTIVES.items() if kind is not None}
    for ins, line in zip(code, code_lines):
        # Reference checks here (not only in Program) so the error points at the line.
        mnemonic, col = line.tokens[0]
        if ins.src != NO_SRC and ins.src >= len(statements):
            raise line.error(f"src {ins.src} but there are {len(statements)} statements", col, len(mnemonic))
        for f, v in zip(TABLE[ins.opcode].fields, ins.fields):
            if f.ref is not None and v >= counts[f.ref]:
                raise line.error(f"field `{f.name}` of {ins.opcode.name} is {v} but there are "
                                 f"{counts[f.ref]} {f.ref.value}", col, len(mnemonic))
    return Program(arch[0], arch[1], tuple(code),
                   dmas=tuple(records[".dma"]), switches=tuple(records[".switch"]), reds=tuple(records[".red"]),
                   tiles=tuple(records[".tile"]), gemms=tuple(records[".gemm"]),
                   symbols=tuple(records[".symbol"]), statements=tuple(statements))
