from . import test_installation
from . import test_scheduling_request
from . import test_connection
from . import test_oauth
from . import test_settings_tour
from . import test_concurrent_refresh
from . import test_embed_routes
from . import test_composer_scheduling_link
