from . import mail_compose_message
from . import applicant_send_mail
