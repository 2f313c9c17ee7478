"""Every read of the returnee's journey, each starting from a visibility gate: ``households`` and ``cases``."""
