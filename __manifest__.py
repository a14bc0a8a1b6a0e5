{
    "name": "Recruitment: Cronofy Interview Scheduling",
    "summary": "Candidates self-schedule interviews through Cronofy; "
    "bookings come back as interviews on the applicant",
    "version": "18.0.1.0.0",
    "category": "Human Resources/Recruitment",
    "license": "LGPL-3",
    "author": "hr_recruitment_cronofy developers",
    "website": "https://github.com/hr-recruitment-cronofy/hr_recruitment_cronofy",
    "maintainers": [],
    "development_status": "Alpha",
    "depends": ["hr_recruitment", "calendar", "mail", "base_automation"],
    "external_dependencies": {
        # PyPI names, as Odoo 18 checks them with importlib.metadata.
        "python": ["PyJWT>=2.8", "Authlib>=1.6,<1.7"],
    },
    "data": [
        "security/ir.model.access.csv",
        "security/cronofy_scheduling_request_security.xml",
        "data/mail_template_data.xml",
        "views/cronofy_scheduling_request_views.xml",
        "views/hr_applicant_views.xml",
        "security/cronofy_security.xml",
        "views/cronofy_connection_views.xml",
        "views/res_config_settings_views.xml",
        "views/cronofy_embed_views.xml",
        "security/cronofy_scheduling_template_security.xml",
        "data/cronofy_automation_data.xml",
        "views/cronofy_scheduling_template_views.xml",
        "security/cronofy_notification_security.xml",
        "data/cronofy_cron_data.xml",
        "views/cronofy_notification_views.xml",
    ],
    "demo": [
        "demo/res_users_demo.xml",
        "demo/hr_job_demo.xml",
        "demo/hr_applicant_demo.xml",
        "demo/cronofy_scheduling_template_demo.xml",
    ],
    "assets": {
        "web.assets_backend": [
            "hr_recruitment_cronofy/static/src/embed_scheduler/*",
            "hr_recruitment_cronofy/static/src/interview_live_update.js",
        ],
        "web.assets_tests": [
            "hr_recruitment_cronofy/static/tests/tours/cronofy_interview_tour.js",
            "hr_recruitment_cronofy/static/tests/tours/cronofy_settings_tour.js",
            "hr_recruitment_cronofy/static/tests/tours/cronofy_embed_tour.js",
            "hr_recruitment_cronofy/static/tests/tours/cronofy_stage_automation_tour.js",
        ],
    },
    "installable": True,
    "application": False,
}
