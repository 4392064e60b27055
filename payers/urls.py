

app_name = "payers"

urlpatterns = []
