"""hr.applicant's scheduling link is no longer stored: it is computed on read, so that
the mail composer can render a stand-in through the context. Odoo keeps the column of
a field that stops being stored; the value would only go stale, so it goes."""


def migrate(cr, version):
    cr.execute("ALTER TABLE hr_applicant DROP COLUMN IF EXISTS cronofy_scheduling_url")
