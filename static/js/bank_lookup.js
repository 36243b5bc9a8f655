// The bank and branch names as the codes are typed (Zengin master, via htmx).
(function () {
  var out = document.getElementById("bank-name");
  var bank = document.getElementById("id_bank_code");
  var branch = document.getElementById("id_branch_code");
  if (!out || !bank || !branch || !window.htmx) return;
  function lookup() {
    window.htmx.ajax("GET", out.dataset.lookupUrl, {
      target: out,
      swap: "innerHTML",
      values: { bank_code: bank.value, branch_code: branch.value },
    });
  }
  bank.addEventListener("input", lookup);
  branch.addEventListener("input", lookup);
  if (bank.value) lookup();
})();
