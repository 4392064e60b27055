from django.urls import path

app_name = "coding"

urlpatterns: list = []
