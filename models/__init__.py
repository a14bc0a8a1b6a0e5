from . import cronofy_scheduling_request
from . import hr_applicant
