"""`wecombot lint FILE|-`: findings with positions, exit 1 on failure, 0 when clean, 2 on bad usage."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from bot.compliance.cli import main

CLEAN = "今日关注央行公开市场操作。市场有风险，投资需谨慎。\n"


def _write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "copy.txt"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_clean_file_exits_zero(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lint", _write(tmp_path, CLEAN)]) == 0
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("passed")


def test_findings_with_line_and_column(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = "【早报】\n本产品稳 赚不赔。\n市场有风险，投资需谨慎。\n"
    assert main(["lint", _write(tmp_path, text)]) == 1
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("2:4 promise.return block ")
    assert lines[0].endswith("«稳 赚不赔»")
    assert err.startswith("FAILED: 1 blocking")


def test_stdin_and_kind(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("本理财产品为R2级。"))
    assert main(["lint", "-", "--kind", "wealth_product"]) == 1
    out, _ = capsys.readouterr()
    rule_ids = [line.split()[1] for line in out.splitlines()]
    assert rule_ids == ["disclosure.caution", "disclosure.non_deposit", "disclosure.product_risk"]
    assert all(line.startswith("1:1 ") for line in out.splitlines())


def test_warning_only_exits_zero(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lint", _write(tmp_path, "科技板块有望反弹。" + CLEAN)]) == 0
    out, _ = capsys.readouterr()
    assert "prediction.soft warn" in out


def test_suitability_options(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path, CLEAN)
    assert main(["lint", path, "--product-risk", "R4", "--audience-risk", "C2"]) == 1
    assert "suitability.mismatch" in capsys.readouterr().out
    assert main(["lint", path, "--product-risk", "R2", "--audience-risk", "C2"]) == 0


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--kind", "advert"], "unknown content kind"),
        (["--product-risk", "R9", "--audience-risk", "C2"], "risk level"),
    ],
)
def test_bad_options_exit_two(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: list[str], message: str
) -> None:
    assert main(["lint", _write(tmp_path, CLEAN), *extra]) == 2
    assert message in capsys.readouterr().err


def test_missing_file_exits_two(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lint", str(tmp_path / "missing.txt")]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_register_sets_handler() -> None:
    import argparse

    from bot.compliance.cli import lint, register

    parser = argparse.ArgumentParser()
    register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["lint", "-", "--kind", "fund"])
    assert args.handler is lint and args.kind == "fund"
