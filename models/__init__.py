from . import cronofy_scheduling_request
from . import hr_applicant
from . import cronofy_connection
from . import res_config_settings
