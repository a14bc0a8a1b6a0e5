"""Status writes of ``cronofy.connection`` in a cursor of their own, row locked.

Token and status writes that follow an HTTP exchange are committed in a cursor of
their own, with the connection row locked (``_write_in_own_cursor``): the refresh is
then race-free across workers, a failure's message survives the caller's rollback,
and the caller's transaction never writes a row another worker may just have
updated (Odoo runs REPEATABLE READ, where that write would fail).

An AbstractModel inherited by ``cronofy.connection`` only: it reads the record's
``state``, ``refresh_token`` and ``api_access_mode``.
"""

import contextlib
import logging

import psycopg2.errors

from odoo import fields, models
from odoo.exceptions import UserError

from ..cronofy_protocol import BadRequestError, CronofyApiError, UnauthorizedError

_logger = logging.getLogger(__name__)

# How long a worker waits for another one holding the connection row (refresh,
# status write) before giving up with a readable message instead of hanging.
ROW_LOCK_TIMEOUT_SQL = "SET LOCAL lock_timeout = '15s'"


class CronofyConnectionStatus(models.AbstractModel):
    _name = "cronofy.connection.status"
    _description = "Cronofy Connection: status writes in their own cursor"

    def _failure_values(self, message):
        """A failure never destroys a working connection: with tokens (or a usable
        internal secret) the state stays as it was and only the message is kept."""
        self.ensure_one()
        values = {"last_error": message, "last_checked": fields.Datetime.now()}
        connection_sudo = self.sudo()
        usable = connection_sudo.refresh_token or (
            connection_sudo.api_access_mode == "internal_application"
        )
        if not usable or connection_sudo.state != "connected":
            values["state"] = "error"
        return values

    def _record_failure(self, message):
        self.ensure_one()
        _logger.info("Cronofy: company %s: %s", self.company_id.id, message)
        self._write_in_own_cursor(self._failure_values(message))

    def _describe_error(self, error, *, action):
        """One sentence for the admin. Protocol errors carry no secrets by design."""
        if isinstance(error, UserError):
            detail = error.args[0]
        elif isinstance(error, BadRequestError) and error.error == "invalid_client":
            detail = self.env._(
                "Cronofy did not recognise the client id and secret. Check them and that "
                "the data centre is the one your Cronofy application was created in."
            )
        elif isinstance(error, BadRequestError) and error.error == "invalid_grant":
            detail = self.env._(
                "Cronofy refused the authorization (expired, already used or revoked). "
                "Authorize API access again."
            )
        elif isinstance(error, UnauthorizedError):
            detail = self.env._(
                "Cronofy refused the credentials (401). Check the secret, the data "
                "centre, or authorize API access again."
            )
        elif isinstance(error, CronofyApiError):
            detail = self.env._("Cronofy could not be reached or failed: %s", error)
        else:
            detail = str(error)
        return self.env._("%(action)s failed: %(detail)s", **{"action": action, "detail": detail})

    @contextlib.contextmanager
    def _locked_own_cursor(self):
        """Yield this connection (sudo) in a new cursor holding its row lock; commit on
        exit. A serialization failure means another worker updated the row while we
        waited for the lock: start over with a fresh snapshot."""
        for attempt in range(3):
            with self.env.registry.cursor() as cr:
                try:
                    cr.execute(ROW_LOCK_TIMEOUT_SQL)
                    cr.execute(
                        "SELECT id FROM cronofy_connection WHERE id = %s FOR UPDATE",
                        [self.id],
                    )
                except psycopg2.errors.SerializationFailure:
                    cr.rollback()
                    if attempt == 2:
                        raise
                    continue
                except psycopg2.errors.LockNotAvailable:
                    cr.rollback()
                    raise UserError(
                        self.env._(
                            "The Cronofy connection of %s is busy (another worker holds "
                            "it). Try again in a moment.",
                            self.company_id.name,
                        )
                    ) from None
                yield self.with_env(self.env(cr=cr)).sudo()
                return

    def _write_in_own_cursor(self, values):
        self.ensure_one()
        with self._locked_own_cursor() as locked:
            locked.write(values)
        self.invalidate_recordset()
