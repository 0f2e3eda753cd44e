"""The permissions code checks, named once. Roles (groups) grant them; code never checks a group's name."""

PORTAL_PERMISSION = "members.use_portal"
DASHBOARD_PERMISSION = "members.view_dashboards"
PERSONA_VIEW_PERMISSION = "personas.view_persona"
ROADMAP_VIEW_PERMISSION = "roadmap.view_roadmap"
# Staff oversight of labelled knowledge: everything up to TLP:AMBER+STRICT (TLP:RED stays with the named).
SHARING_OVERSIGHT_PERMISSION = "sharing.see_labelled"
ATTENDANCE_RECORD_PERMISSION = "initiatives.add_attendance"
RED_FLAG_CHANGE_PERMISSION = "ecosystem.change_redflag"
