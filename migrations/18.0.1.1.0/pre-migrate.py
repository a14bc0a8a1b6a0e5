"""18.0.1.1.0: a scheduling request and its interview are linked by one stored pointer,
``calendar_event.cronofy_request_id`` (``cronofy.scheduling.request.event_id`` becomes a
computed read of it), the inbox loses its never-written state "processing", and a
failed request's reason is no longer copied into last_error.

Runs before the module's tables are updated, in plain SQL, and may run again: every
step checks what is there first.
"""

import logging

_logger = logging.getLogger(__name__)


def _column_exists(cr, table, column):
    cr.execute(
        "SELECT 1 FROM information_schema.columns WHERE table_name = %s AND column_name = %s",
        [table, column],
    )
    return bool(cr.fetchone())


def _move_interview_pointer(cr):
    """Copy request.event_id onto the event (where the event names no request yet and
    no other event names that request: one interview per request), then drop it."""
    if not _column_exists(cr, "cronofy_scheduling_request", "event_id"):
        return
    if _column_exists(cr, "calendar_event", "cronofy_request_id"):
        # DISTINCT ON: should two requests have pointed at one event, the event keeps
        # the newest request (the one a recruiter would have seen last).
        cr.execute(
            """
            UPDATE calendar_event event
               SET cronofy_request_id = pointer.request_id
              FROM (
                    SELECT DISTINCT ON (request.event_id)
                           request.event_id, request.id AS request_id
                      FROM cronofy_scheduling_request request
                      JOIN calendar_event target ON target.id = request.event_id
                     WHERE target.cronofy_request_id IS NULL
                       AND NOT EXISTS (
                            SELECT 1 FROM calendar_event other
                             WHERE other.cronofy_request_id = request.id)
                     ORDER BY request.event_id, request.id DESC
                   ) pointer
             WHERE event.id = pointer.event_id
            """
        )
        _logger.info("Interview pointer copied onto %s calendar event(s)", cr.rowcount)
    cr.execute("ALTER TABLE cronofy_scheduling_request DROP COLUMN event_id")


def _drop_processing_state(cr):
    """Nothing ever wrote it; a row found in it anyway is handed back to the cron."""
    if not _column_exists(cr, "cronofy_notification", "state"):
        return
    cr.execute("UPDATE cronofy_notification SET state = 'received' WHERE state = 'processing'")
    if cr.rowcount:
        _logger.info("%s notification(s) in state 'processing' moved to 'received'", cr.rowcount)


def _undouble_failure_text(cr):
    """A terminal failure used to write its reason to last_error too; last_error now
    holds only a retry's message, so the old copies go (failure_reason keeps the text)."""
    if not _column_exists(cr, "cronofy_scheduling_request", "last_error"):
        return
    cr.execute(
        """
        UPDATE cronofy_scheduling_request
           SET last_error = NULL
         WHERE last_error IS NOT NULL AND last_error = failure_reason
        """
    )


def migrate(cr, version):
    if not version:
        return
    _move_interview_pointer(cr)
    _drop_processing_state(cr)
    _undouble_failure_text(cr)
