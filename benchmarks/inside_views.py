# Run inside ``odoo-bin shell`` by bench.py (``env`` is given): SQL queries of the
# applicant list and kanban reads (web_search_read with the fields the views
# use), for pages of 40 and 80 and for all 2,000 applicants, with and without
# the addon's fields (all start with cronofy_); half the applicants have a
# scheduling request. Rolled back.
import json
import os

from lxml import etree

COUNT = int(os.environ.get("HRC_BENCH_APPLICANTS", "2000"))
env = env(context=dict(env.context, tracking_disable=True, mail_create_nolog=True))
Applicant = env["hr.applicant"]
job = env["hr.job"].create({"name": "Views Bench Job"})
candidates = env["hr.candidate"].create(
    [{"partner_name": f"View {i}", "email_from": f"view{i}@example.com"} for i in range(COUNT)]
)
applicants = Applicant.create([{"candidate_id": c.id, "job_id": job.id} for c in candidates])
env["cronofy.scheduling.request"].create(
    [
        {
            "applicant_id": a.id,
            "cronofy_id": f"srq_view_{i}",
            "state": "time_chosen" if i % 4 else "pending",
            "origin": "button",
        }
        for i, a in enumerate(applicants)
        if i % 2
    ]
)
env.flush_all()
addon_fields = {name for name in Applicant._fields if name.startswith("cronofy_")}


def spec_for(view_type):
    views = Applicant.get_views([(False, view_type)])
    arch = etree.fromstring(views["views"][view_type]["arch"])
    names = {node.get("name") for node in arch.iter("field") if node.getparent().tag != "groupby"}
    spec = {}
    for name in names:
        field = Applicant._fields.get(name)
        if not field:
            continue
        if field.type in ("many2one", "one2many", "many2many"):
            spec[name] = {"fields": {"display_name": {}}}
        else:
            spec[name] = {}
    return spec


results = {"addon_fields": sorted(addon_fields)}
domain = [("job_id", "=", job.id)]
for view_type in ("list", "kanban"):
    full = spec_for(view_type)
    bare = {k: v for k, v in full.items() if k not in addon_fields}
    for label, spec in (("with", full), ("without", bare)):
        for limit in (40, 80, COUNT):
            env.invalidate_all()
            Applicant.web_search_read(domain, spec, limit=limit)  # warm caches
            env.invalidate_all()
            before = env.cr.sql_log_count
            Applicant.web_search_read(domain, spec, limit=limit)
            results[f"{view_type}_{label}_{limit}"] = env.cr.sql_log_count - before
    results[f"{view_type}_addon_fields"] = sorted(set(full) & addon_fields)
env.cr.rollback()
print("HRC_JSON " + json.dumps(results))
