from django.urls import path

from voice import views

app_name = "voice"

urlpatterns = [
    path("ideas/", views.idea_list, name="ideas"),
    path("ideas/new/", views.idea_new, name="idea_new"),
    path("ideas/similar/", views.similar, name="similar"),
    path("ideas/mine/", views.my_ideas, name="my_ideas"),
    path("ideas/<int:pk>/", views.idea_detail, name="idea"),
    path("ideas/<int:pk>/vote/", views.idea_vote, name="idea_vote"),
    path("ideas/<int:pk>/follow/", views.idea_follow, name="idea_follow"),
    path("ideas/<int:pk>/comment/", views.idea_comment, name="idea_comment"),
    path("roadmap/", views.roadmap_items, name="roadmap_items"),
    path("roadmap/<int:pk>/vote/", views.item_vote, name="item_vote"),
    path("roadmap/<int:pk>/follow/", views.item_follow, name="item_follow"),
    path("surveys/", views.survey_list, name="surveys"),
    path("surveys/<int:pk>/", views.survey_answer, name="survey"),
    path("staff/surveys/<int:pk>/", views.survey_results, name="survey_results"),
    path("staff/jobs/<int:pk>/", views.job_scores, name="job_scores"),
    path("research/highlights/", views.highlights, name="highlights"),
    path("staff/research/notes/<int:pk>/", views.research_note, name="research_note"),
    path("staff/ideas/", views.triage_queue, name="triage_queue"),
    path("staff/ideas/<int:pk>/", views.triage, name="triage"),
    path("staff/opportunities/<int:pk>/", views.opportunity_votes, name="opportunity_votes"),
]
