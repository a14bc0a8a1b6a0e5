"""pytest plugin loaded before pytest-odoo (``-p pytest_odoo_testing_flag``).

pytest-odoo imports ``odoo.tests`` while parsing its options, before it marks
the main thread as testing, and Odoo then logs a spurious ERROR ("Importing
test framework ...") with a stack trace. Marking the thread first, exactly as
pytest-odoo does a moment later, keeps the log free of false alarms so that
real errors stand out.
"""

import threading

threading.current_thread().testing = True
