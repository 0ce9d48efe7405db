# Packaging targets; see packaging/README.md.
