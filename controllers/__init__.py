from . import oauth
from . import embed
