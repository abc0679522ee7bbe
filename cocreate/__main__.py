"""``python -m cocreate`` = the ``cocreate`` command."""

from cocreate.cli import app

app()
