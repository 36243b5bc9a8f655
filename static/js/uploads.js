/* Documents panel: upload several files with a progress bar (XMLHttpRequest upload
 * progress events). Without JavaScript the form posts normally and the page reloads. */
(function () {
  "use strict";

  function mb(n) { return (n / (1024 * 1024)).toLocaleString("ja-JP", { maximumFractionDigits: 1 }) + " MB"; }

  function showErrors(box, errors) {
    box.textContent = "";
    errors.forEach(function (e) {
      var div = document.createElement("div");
      div.textContent = e.name ? e.name + ": " + e.message : e.message;  // never innerHTML
      box.appendChild(div);
    });
  }

  function setProgress(bar, wrap, pct) {
    wrap.classList.remove("d-none");
    wrap.setAttribute("aria-valuenow", String(pct));
    bar.style.width = pct + "%";
    bar.textContent = pct + "%";
  }

  function wire(form) {
    if (form.dataset.wired) return;
    form.dataset.wired = "1";
    var maxFile = parseInt(form.dataset.maxFile, 10) || 0;
    var maxRequest = parseInt(form.dataset.maxRequest, 10) || 0;
    var maxCount = parseInt(form.dataset.maxCount, 10) || 0;
    var wrap = form.querySelector("[data-upload-progress]");
    var bar = wrap.querySelector(".progress-bar");
    var box = form.querySelector("[data-upload-errors]");
    var button = form.querySelector("button[type=submit]");

    form.addEventListener("submit", function (ev) {
      if (!window.XMLHttpRequest || !window.FormData) return;  // plain POST
      ev.preventDefault();
      var input = form.querySelector("input[type=file]");
      var files = Array.prototype.slice.call(input.files || []);
      var errors = [];
      if (!files.length) errors.push({ name: "", message: "ファイルを選んでください。" });
      if (!form.querySelector("select[name=kind]").value) errors.push({ name: "", message: "書類の種類を選んでください。" });
      if (maxCount && files.length > maxCount) errors.push({ name: "", message: "一度に送れるファイルは " + maxCount + " 件までです。" });
      var total = 0;
      files.forEach(function (f) {
        total += f.size;
        if (f.size === 0) errors.push({ name: f.name, message: "空のファイル (0バイト) は受け付けられません。" });
        else if (maxFile && f.size > maxFile) errors.push({ name: f.name, message: "ファイルが大きすぎます (上限 " + mb(maxFile) + ")。" });
      });
      if (maxRequest && total > maxRequest) errors.push({ name: "(全体)", message: "一度に送れる合計は " + mb(maxRequest) + " までです。" });
      if (errors.length) { showErrors(box, errors); return; }
      showErrors(box, []);

      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.setRequestHeader("X-Requested-With", "XMLHttpRequest");
      xhr.setRequestHeader("X-CSRFToken", form.querySelector("[name=csrfmiddlewaretoken]").value);
      xhr.upload.addEventListener("progress", function (e) {
        if (e.lengthComputable) setProgress(bar, wrap, Math.floor((e.loaded / e.total) * 100));
      });
      xhr.addEventListener("load", function () {
        var data = null;
        try { data = JSON.parse(xhr.responseText); } catch (err) { data = null; }
        if (xhr.status >= 200 && xhr.status < 300 && data && data.ok) {
          setProgress(bar, wrap, 100);
          window.location.reload();  // the checklist, totals and messages come from the server
          return;
        }
        button.disabled = false;
        wrap.classList.add("d-none");
        showErrors(box, (data && data.errors) || [{ name: "", message: "アップロードに失敗しました (" + xhr.status + ")。" }]);
      });
      xhr.addEventListener("error", function () {
        button.disabled = false;
        wrap.classList.add("d-none");
        showErrors(box, [{ name: "", message: "通信エラーのためアップロードできませんでした。" }]);
      });
      button.disabled = true;
      setProgress(bar, wrap, 0);
      xhr.send(new FormData(form));
    });
  }

  function init() { document.querySelectorAll("form[data-upload-form]").forEach(wire); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
  // The claim page swaps in a fresh documents panel after an item change (htmx).
  document.addEventListener("htmx:afterSettle", init);
})();
