"""Pick the compiled kernels or their pure twins once, at import: all or nothing."""

import os
import sys
from typing import TYPE_CHECKING

NO_EXTENSIONS = bool(os.getenv("FASTRESP_NO_EXTENSIONS")) or sys.implementation.name != "cpython"

if TYPE_CHECKING or NO_EXTENSIONS:  # type checkers always see the pure twins
    from . import _construct_py as construct
    from . import _cookies_py as cookies
    from . import _files_py as files
    from . import _headers_py as headers
    from . import _json_py as json
    from . import _ranges_py as ranges
    from . import _sse_py as sse

    COMPILED = False
else:
    try:
        from . import _construct_c as construct  # type: ignore[no-redef]
        from . import _cookies_c as cookies  # type: ignore[no-redef]
        from . import _files_c as files  # type: ignore[no-redef]
        from . import _headers_c as headers  # type: ignore[no-redef]
        from . import _json_c as json  # type: ignore[no-redef]
        from . import _ranges_c as ranges  # type: ignore[no-redef]
        from . import _sse_c as sse  # type: ignore[no-redef]

        COMPILED = True
    except ImportError:  # no wheel for this platform and no compiler at install time
        from . import _construct_py as construct
        from . import _cookies_py as cookies
        from . import _files_py as files
        from . import _headers_py as headers
        from . import _json_py as json
        from . import _ranges_py as ranges
        from . import _sse_py as sse

        COMPILED = False

__all__ = [
    "COMPILED",
    "NO_EXTENSIONS",
    "construct",
    "cookies",
    "files",
    "headers",
    "json",
    "ranges",
    "sse",
]
