"""ranges kernels, pure twin (filled in with the ranges work)."""

__all__: list[str] = []
