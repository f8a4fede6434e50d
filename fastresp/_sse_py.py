"""sse kernels, pure twin (filled in with the sse work)."""

__all__: list[str] = []
