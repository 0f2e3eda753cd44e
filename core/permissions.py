"""The permissions code checks, named once. Roles (groups) grant them; code never checks a group's name."""

PORTAL_PERMISSION = "members.use_portal"
DASHBOARD_PERMISSION = "members.view_dashboards"
PERSONA_VIEW_PERMISSION = "personas.view_persona"
ROADMAP_VIEW_PERMISSION = "roadmap.view_roadmap"
ATTENDANCE_RECORD_PERMISSION = "initiatives.add_attendance"
