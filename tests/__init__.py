from . import test_installation
from . import test_scheduling_request
from . import test_connection
