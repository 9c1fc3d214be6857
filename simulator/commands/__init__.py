"""``gameday`` subcommands, one module per family; ``simulator.cli`` wires them up."""
