# Odoo builds a module's models in the order their classes are defined: each
# AbstractModel comes before the record that inherits it.
from . import cronofy_scheduling_template
from . import cronofy_scheduling_queue
from . import cronofy_scheduling_booking
from . import cronofy_scheduling_request
from . import cronofy_scheduling_report
from . import cronofy_scheduling_rollup_compaction
from . import cronofy_scheduling_rollup
from . import cronofy_notification
from . import cronofy_webhook_refusal
from . import cronofy_rate_limiter
from . import cronofy_rate_limiter_call
from . import cronofy_connection_status
from . import cronofy_connection_oauth
from . import cronofy_connection_checks
from . import cronofy_connection_push
from . import cronofy_connection
from . import hr_applicant
from . import hr_recruitment_stage
from . import calendar_event
from . import mail_template
from . import res_config_settings
from . import res_users
