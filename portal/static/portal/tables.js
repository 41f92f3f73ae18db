// Each cell of a list table is labelled with its column's heading, so that on a phone each row
// reads as a card (portal.css); without this script the table scrolls inside its own box.
function labelTables(root) {
  root.querySelectorAll(".table-scroll > table").forEach((table) => {
    const headings = [...table.querySelectorAll("thead th")].map((th) => th.textContent.trim());
    if (!headings.length) return;
    table.querySelectorAll("tbody tr").forEach((row) => {
      [...row.children].forEach((cell, i) => {
        if (headings[i] && cell.colSpan === 1) cell.dataset.label = headings[i];
      });
    });
    table.classList.add("cards");
  });
}
document.addEventListener("DOMContentLoaded", () => labelTables(document));
// A list that htmx swaps in is labelled in its turn.
document.addEventListener("htmx:afterSettle", (e) => labelTables(e.target));
