// Buttons marked data-print open the browser's print dialog (print.css styles the page).
document.querySelectorAll("[data-print]").forEach(function (button) {
  button.addEventListener("click", function () { window.print(); });
});
