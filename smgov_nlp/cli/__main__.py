"""``python -m smgov_nlp.cli``."""

from smgov_nlp.cli import main

main()
