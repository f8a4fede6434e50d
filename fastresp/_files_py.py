"""files kernels, pure twin (filled in with the files work)."""

__all__: list[str] = []
