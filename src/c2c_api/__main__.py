"""`python -m c2c_api` runs the command line."""

from c2c_api.cli import main

main()
