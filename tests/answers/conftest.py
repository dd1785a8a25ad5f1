"""The test term (spring-2027 and some of autumn-2026), built once, and a stand-in command group."""

from __future__ import annotations

from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from pepforms.cli_answers import add_answers_commands
from pepforms.report.answers import AnswerSet, answers_from_folders

from .data import build_term


@click.group()
def cli() -> None:
    """A stand-in for the pepforms group."""


add_answers_commands(cli)


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture(scope="session")
def term_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_term(tmp_path_factory.mktemp("term"))


@pytest.fixture(scope="session")
def answers(term_folder: Path) -> AnswerSet:
    return answers_from_folders([term_folder])
