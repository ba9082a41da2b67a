"""Architecture files: presets, overrides, validation naming the key, resolved files."""

from __future__ import annotations

import dataclasses

import pytest

from tncc.cli import main
from tncc.errors import TnccError
from tncc.isa.arch import Arch, list_presets, load_arch, parse_arch, schema_docs


def test_presets_are_listed_and_load():
    assert list_presets() == ("fetta", "systolic")
    fetta, systolic = load_arch("fetta"), load_arch("systolic")
    assert fetta.kind == "fetta" and systolic.kind == "systolic"
    # Both presets have 256 MACs (docs/hardware.md), 1 MiB in 64 banks, 32 B/cycle DRAM.
    assert fetta.peak_macs_per_cycle == systolic.peak_macs_per_cycle == 256
    assert fetta.buffer_words == 262144 and fetta.bank_words == 4096
    assert fetta.dist_stages == 11 and fetta.red_levels == 6
    assert (fetta.dram.bytes_per_cycle, fetta.dram.latency) == (32, 100)
    assert systolic.array.dataflow == "ws" and (systolic.array.rows, systolic.array.cols) == (16, 16)


def test_every_schema_key_is_in_both_preset_files():
    from importlib.resources import files
    import tomllib

    for name in list_presets():
        doc = tomllib.loads(files("tncc.presets").joinpath(f"{name}.toml").read_text())
        for key, _doc, _default in schema_docs():
            sec, _, k = key.rpartition(".")
            assert (doc[sec] if sec else doc).get(k) is not None, (name, key)


def test_overrides_change_exactly_the_named_keys():
    base = load_arch("systolic")
    a = load_arch("systolic:rows=32,cols=16,dataflow=is")
    assert (a.array.rows, a.array.cols, a.array.dataflow) == (32, 16, "is")
    assert a.peak_macs_per_cycle == 512
    assert dataclasses.replace(a, name=base.name,
                               array=dataclasses.replace(a.array, rows=16, dataflow="ws")) == base
    b = load_arch("fetta:buffer.bytes=65536,dram.latency=0x10,energy.mac_pj=1")
    assert (b.buffer.bytes, b.dram.latency, b.energy.mac_pj) == (65536, 16, 1.0)
    assert b.name == "fetta:buffer.bytes=65536,dram.latency=0x10,energy.mac_pj=1"


def test_resolved_file_loads_back_equal(tmp_path):
    for spec in ("fetta", "systolic", "systolic:rows=8,dataflow=os", "fetta:lanes=8,dist.ports=128"):
        a = load_arch(spec)
        p = tmp_path / "a.toml"
        p.write_text(a.to_toml())
        again = load_arch(str(p))
        assert again == a and again.fingerprint() == a.fingerprint()
        # overrides also apply to a file
        assert load_arch(f"{p}:rows=4").array.rows == 4


def test_fingerprint_is_stable_and_sensitive():
    a = load_arch("fetta")
    assert a.fingerprint() == load_arch("fetta").fingerprint()
    assert 0 <= a.fingerprint() < 1 << 32
    # The name is a label: renaming keeps the fingerprint, any parameter change alters it.
    assert dataclasses.replace(a, name="x").fingerprint() == a.fingerprint()
    changed = {load_arch(f"fetta:{k}").fingerprint()
               for k in ("lanes=8", "dram.latency=99", "energy.hop_pj=0.3", "kind=systolic", "clock_ghz=2")}
    assert len(changed) == 5 and a.fingerprint() not in changed


def test_missing_keys_take_defaults(tmp_path):
    a = parse_arch('name = "tiny"\n[array]\nlanes = 4\n', "tiny.toml")
    assert a.array.lanes == 4 and a.dist.ports == 64 and a.kind == "fetta"
    # An unnamed file is named by its path, so that name loads it again.
    p = tmp_path / "unnamed.toml"
    p.write_text("[array]\nlanes = 8\n")
    b = load_arch(str(p))
    assert b.name == str(p) and load_arch(b.name) == b


@pytest.mark.parametrize("spec", ["fetta", "systolic:rows=32,cols=16,dataflow=is", "fetta:buffer.bytes=65536"])
def test_the_name_reloads_the_same_arch(spec):
    # Programs record arch.name; loading it again must give the same machine.
    a = load_arch(spec)
    assert load_arch(a.name) == a


@pytest.mark.parametrize("spec, key, words", [
    ("fetta:ports=8", "arch key ports", "ambiguous"),
    ("fetta:dist.ports=48", "arch key dist.ports", "power of two"),
    ("fetta:red.ports=1", "arch key red.ports", "power of two"),
    ("fetta:buffer.banks=12", "arch key buffer.banks", "power of two"),
    ("fetta:dram.bytes_per_cycle=0", "arch key dram.bytes_per_cycle", "positive"),
    ("systolic:dataflow=rs", "arch key array.dataflow", "os, ws, is"),
    ("fetta:rows=many", "arch key array.rows", "expected an integer, got `many`"),
    ("fetta:colour=red", "arch key colour", "unknown"),
    ("fetta:array.colour=red", "arch key array.colour", "unknown key `colour`"),
    ("fetta:cache.bytes=1", "arch key cache.bytes", "unknown section"),
    ("fetta:kind=tpu", "arch key kind", "fetta, systolic"),
    ("fetta:buffer.bytes=1000", "arch key buffer.bytes", "multiple"),
    ("fetta:buffer.bytes=268435456", "arch key buffer.bytes", "24-bit"),
    ("fetta:buffer.banks=128", "arch key buffer.banks", "dist.ports"),
    ("fetta:energy.mac_pj=-1", "arch key energy.mac_pj", "negative"),
])
def test_bad_values_name_the_key(spec, key, words):
    with pytest.raises(TnccError) as exc:
        load_arch(spec)
    text = exc.value.render()
    assert key in text and words in text and f"preset {spec.partition(':')[0]}" in text


@pytest.mark.parametrize("body, key, words", [
    ("[array]\nlanes = \"x\"\n", "array.lanes", "expected an integer"),
    ("[array]\nlanes = 1.5\n", "array.lanes", "expected an integer"),
    ("[dist]\nports = true\n", "dist.ports", "expected an integer"),
    ("clock_ghz = \"fast\"\n", "clock_ghz", "number"),
    ("[dram]\nburst = 4\n", "dram.burst", "unknown key"),
    ("wibble = 1\n", "wibble", "unknown key"),
    ("array = 3\n", "array", "expected a table"),
    ("[array\n", "", "not valid TOML"),
])
def test_bad_files_name_file_and_key(tmp_path, body, key, words):
    p = tmp_path / "mine.toml"
    p.write_text(body)
    with pytest.raises(TnccError) as exc:
        load_arch(str(p))
    text = exc.value.render()
    assert str(p) in text and key in text and words in text


def test_unknown_arch_and_bad_override_syntax():
    with pytest.raises(TnccError, match="no architecture `tpu`"):
        load_arch("tpu")
    with pytest.raises(TnccError, match="not key=value"):
        load_arch("fetta:rows=3,cols")
    with pytest.raises(TnccError, match="empty"):
        load_arch(" ")


def test_arch_is_frozen():
    a = load_arch("fetta")
    assert isinstance(a, Arch)
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.kind = "systolic"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.array.lanes = 3  # type: ignore[misc]


def test_cli_show_prints_a_loadable_file(tmp_path, capsys):
    assert main(["arch", "show", "systolic:rows=32,cols=16,dataflow=is"]) == 0
    out = capsys.readouterr().out
    p = tmp_path / "shown.toml"
    p.write_text(out)
    assert load_arch(str(p)) == load_arch("systolic:rows=32,cols=16,dataflow=is")
    assert main(["arch", "list"]) == 0
    listing = capsys.readouterr().out
    assert "fetta" in listing and "systolic" in listing and "256 MACs" in listing


def test_cli_bad_arch_exits_1_without_traceback(capsys):
    assert main(["arch", "show", "fetta:dist.ports=3"]) == 1
    err = capsys.readouterr().err
    assert "dist.ports" in err and "Traceback" not in err
