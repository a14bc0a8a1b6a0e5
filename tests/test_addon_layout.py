"""Every behaviour has one home (issue 20): no method of the addon overrides another
method of the addon (so no super() chain depends on the import order of
models/__init__.py), a record's background jobs are AbstractModels it inherits, and no
view of the addon inherits another view of the addon."""

from odoo.tests import TransactionCase, tagged

ADDON = "hr_recruitment_cronofy"
ADDON_MODULE_PREFIX = f"odoo.addons.{ADDON}."


@tagged("post_install", "-at_install")
class TestAddonLayout(TransactionCase):
    def _models_the_addon_touches(self):
        return [
            name
            for name in self.env.registry
            if any(
                cls.__module__.startswith(ADDON_MODULE_PREFIX)
                for cls in type(self.env[name]).__mro__
            )
        ]

    def _addon_definitions(self, model_name):
        defined = {}
        for cls in type(self.env[model_name]).__mro__:
            if cls.__module__.startswith(ADDON_MODULE_PREFIX):
                for name, value in vars(cls).items():
                    if callable(value) or isinstance(value, staticmethod | classmethod):
                        defined.setdefault(name, []).append(cls.__module__)
        return defined

    def test_the_enumeration_sees_the_addon_models(self):
        touched = set(self._models_the_addon_touches())
        for name in ("cronofy.scheduling.request", "cronofy.connection", "hr.applicant"):
            self.assertIn(name, touched)

    def test_no_method_of_the_addon_is_defined_twice_for_a_model(self):
        for model_name in self._models_the_addon_touches():
            with self.subTest(model=model_name):
                twice = {
                    name: modules
                    for name, modules in self._addon_definitions(model_name).items()
                    if len(modules) > 1
                }
                self.assertEqual(twice, {})

    def test_background_jobs_are_abstract_models_the_record_inherits(self):
        jobs = {
            "cronofy.scheduling.request": (
                "cronofy.scheduling.queue",
                "cronofy.scheduling.booking",
            ),
            "cronofy.scheduling.rollup": ("cronofy.scheduling.rollup.compaction",),
            "cronofy.connection": (
                "cronofy.connection.status",
                "cronofy.connection.oauth",
                "cronofy.connection.checks",
                "cronofy.connection.push",
            ),
        }
        for record, mixins in jobs.items():
            self.assertFalse(self.env[record]._abstract)
            for job in mixins:
                with self.subTest(record=record, job=job):
                    self.assertTrue(self.env[job]._abstract)
                    self.assertIn(job, self.env[record]._inherit)

    def test_no_view_of_the_addon_inherits_a_view_of_the_addon(self):
        views = self.env["ir.model.data"].search(
            [("module", "=", ADDON), ("model", "=", "ir.ui.view")]
        )
        ours = self.env["ir.ui.view"].browse(views.mapped("res_id"))
        self.assertTrue(ours, "the addon's views were not found")
        inheriting_ours = ours.filtered(lambda view: view.inherit_id in ours)
        self.assertFalse(inheriting_ours.mapped("xml_id"))
