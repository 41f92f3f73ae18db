// Once django-otp-webauthn's script has added a passkey, go on to the page that says so (and shows
// the recovery codes of a first device): the form it posts is in the page, hidden.
document.addEventListener("otp_webauthn.register_complete", function () {
  var form = document.getElementById("passkey-added");
  if (form) form.submit();
});
