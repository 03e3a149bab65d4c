"""Build step of NlpLayer: py3langid's model packed into the layer (precis.core.langid_cache.pack).

Run by the layer's own python3.12 with the layer first on the path, so the arrays are written by the numpy
and py3langid that will read them.
"""

import sys
from pathlib import Path

from precis.core.langid_cache import pack

if __name__ == "__main__":
    pack(Path(sys.argv[1]))
