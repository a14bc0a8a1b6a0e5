from . import oauth
from . import embed
from . import webhook
