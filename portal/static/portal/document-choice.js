// The record form's document part: show only the part of the choice made (upload the document, or
// type its SHA-256), and disable the other, so that what is hidden is not sent.
document.addEventListener("DOMContentLoaded", () => {
  const choice = document.querySelector(".document-choice");
  if (!choice) return;
  const show = () => {
    const mode = choice.querySelector("input[data-document-mode]:checked")?.value || "upload";
    choice.querySelectorAll("[data-document-part]").forEach((part) => {
      const on = part.dataset.documentPart === mode;
      part.hidden = !on;
      part.querySelectorAll("input").forEach((input) => { input.disabled = !on; });
    });
  };
  choice.querySelectorAll("input[data-document-mode]").forEach((r) => r.addEventListener("change", show));
  show();
});
