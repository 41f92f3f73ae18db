"""The portal's login page, throttled like the API's token endpoint."""

from django.contrib.auth import views as auth_views
from django.shortcuts import render

from rightsledger.api.throttling import login_attempt


class LoginView(auth_views.LoginView):
    def post(self, request, *args, **kwargs):
        wait = login_attempt(request)
        if wait is not None:
            response = render(request, "registration/too_many.html", {"wait": wait}, status=429)
            response["Retry-After"] = str(wait)
            return response
        return super().post(request, *args, **kwargs)
