// A checkbox marked data-select-all ticks or clears the data-select-item boxes of its form.
document.querySelectorAll("[data-select-all]").forEach(function (master) {
  var items = master.form.querySelectorAll("[data-select-item]");
  master.addEventListener("change", function () {
    items.forEach(function (item) { item.checked = master.checked; });
  });
  items.forEach(function (item) {
    item.addEventListener("change", function () {
      var checked = Array.prototype.filter.call(items, function (box) { return box.checked; });
      master.checked = checked.length === items.length;
      master.indeterminate = checked.length > 0 && checked.length < items.length;
    });
  });
});
