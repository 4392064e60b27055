// Claim queue: "select all" ticks every claim on the page (htmx may swap the table in).
document.addEventListener("change", (event) => {
  if (event.target && event.target.id === "select-all") {
    document.querySelectorAll(".claim-select").forEach((box) => {
      box.checked = event.target.checked;
    });
  }
});
