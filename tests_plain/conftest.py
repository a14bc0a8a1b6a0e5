"""Tier-1 tests: plain Python, no Odoo.

The repository root is the Odoo addon, so its ``__init__.py`` imports ``odoo``.
These tests import the plain-Python packages beside the Odoo folders
(``cronofy_protocol``, ``cronofy_simulator``) as top-level packages, which is
why the repository root goes on ``sys.path`` here and pytest runs with
``--import-mode=importlib`` (it must never import the addon's ``__init__``).
"""

import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))
