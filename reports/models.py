# The joint annual report reads the registry; it has no tables of its own yet.
