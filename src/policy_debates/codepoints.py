"""What a code point is, as the tokenisers of the stance features and of the
near-duplicate signatures see it, for whole arrays of code points at once."""
from __future__ import annotations

from functools import lru_cache

import numpy as np

OTHER, SPACE, WORD = 0, 1, 2


@lru_cache(maxsize=1)
def classes() -> np.ndarray:
    """Each code point below U+FFFF: whitespace as ``str.split`` sees it, ``\\w`` as
    ``re`` sees it, or other. The last slot (U+FFFF, not a character) is OTHER and
    stands for everything above, which callers clip to it."""
    out = np.zeros(0x10000, np.uint8)
    for i in range(0xFFFF):
        c = chr(i)
        out[i] = SPACE if c.isspace() else WORD if (c.isalnum() or c == "_") else OTHER
    return out
