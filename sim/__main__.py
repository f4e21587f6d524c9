"""``python -m sim`` runs the command-line app (same as ``ceasefire-sim``)."""

from sim.cli import main

if __name__ == "__main__":
    main()
