"""The portal's login page, throttled like the API's token endpoint (rightsledger.api.throttling):
failed sign-ins are counted per account and per address, successful ones are not."""

from django.contrib.auth import views as auth_views
from django.shortcuts import render

from rightsledger.api.throttling import login_refusal


class LoginView(auth_views.LoginView):
    def post(self, request, *args, **kwargs):
        refusal = login_refusal(request, request.POST.get("username"))
        if refusal is not None:
            response = render(request, "registration/too_many.html", {"refusal": refusal}, status=429)
            response["Retry-After"] = str(refusal.wait)
            return response
        return super().post(request, *args, **kwargs)
