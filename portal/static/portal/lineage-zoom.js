// Zoom buttons for a lineage drawing: each step scales the picture by a quarter of its own size;
// without this script the drawing still shows at its own size and scrolls in its box.
(function () {
  "use strict";
  document.querySelectorAll("[data-lineage]").forEach(function (figure) {
    var img = figure.querySelector("img");
    var tools = figure.querySelector(".lineage-tools");
    var scale = 1;
    function apply() {
      if (img.naturalWidth) img.style.width = Math.round(img.naturalWidth * scale) + "px";
    }
    tools.hidden = false;
    tools.addEventListener("click", function (event) {
      var step = event.target.getAttribute("data-zoom");
      if (step === null) return;
      scale = step === "0" ? 1 : Math.min(4, Math.max(0.25, scale * (step === "1" ? 1.25 : 0.8)));
      apply();
    });
    img.addEventListener("load", apply);
  });
})();
