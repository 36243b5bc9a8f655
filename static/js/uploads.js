/* Documents panel: upload several files with a progress bar (XMLHttpRequest upload
 * progress events), each file with its own 書類の種類 and 対象 (guessed from its name,
 * changeable; sent as kind_N / target_N), chosen or dropped on the card. Without
 * JavaScript the form posts normally with one kind and target for the batch. */
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

  // File name -> kind (documents.models.DocumentKind). The first match wins: 保険金請求書
  // before 請求書, 支払明細 before 費用明細, 業務委託契約書 before 業務日報.
  var GUESSES = [
    [/保険金請求/, "claim_form"],
    [/示談/, "settlement_agreement"],
    [/支払明細|出金|振込/, "payment_record"],
    [/費用明細|支出/, "cost_statement"],
    [/事故連絡|事故報告/, "accident_report"],
    [/勤怠|タイムカード|出勤/, "attendance_record"],
    [/賃金|給与|給料/, "wage_basis"],
    [/契約|委託/, "service_contract"],
    [/日報|業務|タスク/, "task_record"],
    [/請求書|損害賠償|請求明細/, "damage_claim"]
  ];
  var DAMAGE_KINDS = ["damage_claim", "service_contract"];
  var OVERTIME_KINDS = ["attendance_record", "wage_basis", "task_record"];

  function guessKind(name, select) {
    var base = name.normalize ? name.normalize("NFKC") : name;
    for (var i = 0; i < GUESSES.length; i++) {
      if (GUESSES[i][0].test(base) && select.querySelector('option[value="' + GUESSES[i][1] + '"]')) return GUESSES[i][1];
    }
    return "";
  }

  // The target for a guessed kind: the only damage / overtime entry, or the one whose
  // words (client, employee) appear in the file name; for a wage ledger of several entries,
  // all of them.
  function guessTarget(name, kind, select) {
    var prefix = DAMAGE_KINDS.indexOf(kind) >= 0 ? "d" : OVERTIME_KINDS.indexOf(kind) >= 0 ? "o" : "";
    if (!prefix) return "";
    var opts = Array.prototype.filter.call(select.options, function (o) {
      return o.value.charAt(0) === prefix && o.value !== "o*";
    });
    if (opts.length === 1) return opts[0].value;
    var hit = opts.filter(function (o) {
      return o.textContent.split(/[\s・]+/).some(function (w) {
        return w.length >= 2 && w !== "超過勤務" && w !== "顧問先" && name.indexOf(w) >= 0;
      });
    });
    if (hit.length === 1) return hit[0].value;
    if (kind === "wage_basis" && select.querySelector('option[value="o*"]')) return "o*";
    return "";
  }

  function buildRows(form) {
    var input = form.querySelector("input[type=file]");
    var wrap = form.querySelector("[data-upload-rows]");
    var body = wrap.querySelector("tbody");
    var kindSel = form.querySelector("select[name=kind]");
    var targetSel = form.querySelector("select[name=target]");
    var files = Array.prototype.slice.call(input.files || []);
    body.textContent = "";
    var batch = form.querySelectorAll("[data-batch-field]");
    files.forEach(function (f, n) {
      var tr = document.createElement("tr");
      tr.setAttribute("data-file-row", String(n));
      var name = document.createElement("td");
      name.className = "file-name";
      name.textContent = f.name;
      var choices = document.createElement("td");
      var kind = kindSel.cloneNode(true);
      kind.name = "kind_" + n;
      kind.id = "id_kind_" + n;
      kind.removeAttribute("required");
      kind.classList.add("form-select", "form-select-sm");
      kind.value = guessKind(f.name, kind) || kindSel.value;
      var kl = document.createElement("label");
      kl.className = "visually-hidden";
      kl.htmlFor = kind.id;
      kl.textContent = "書類の種類: " + f.name;
      var err = document.createElement("div");
      err.className = "invalid-feedback";
      err.id = "id_row_error_" + n;
      choices.appendChild(kl);
      choices.appendChild(kind);
      // the target under the kind, both as wide as the card allows: a target reads whole
      // (超過勤務 佐々木 健 2023/06/09・90分), never cut at the select's edge
      kind.classList.add("mb-1");
      var target = targetSel.cloneNode(true);
      target.name = "target_" + n;
      target.id = "id_target_" + n;
      target.value = guessTarget(f.name, kind.value, target) || targetSel.value;
      var tl = document.createElement("label");
      tl.className = "visually-hidden";
      tl.htmlFor = target.id;
      tl.textContent = "対象: " + f.name;
      choices.appendChild(tl);
      choices.appendChild(target);
      choices.appendChild(err);
      kind.addEventListener("change", function () {
        var t = guessTarget(f.name, kind.value, target);
        if (t) target.value = t;
      });
      tr.appendChild(name);
      tr.appendChild(choices);
      body.appendChild(tr);
    });
    var perFile = files.length > 0;
    wrap.classList.toggle("d-none", !perFile);
    batch.forEach(function (el) {
      el.classList.toggle("d-none", perFile);
      el.querySelectorAll("select").forEach(function (s) { s.disabled = perFile; });
    });
  }

  function markRowErrors(form, errors) {
    form.querySelectorAll("[data-file-row] select").forEach(function (s) {
      s.classList.remove("is-invalid");
      s.removeAttribute("aria-describedby");
    });
    errors.forEach(function (e) {
      if (!e.field) return;
      var sel = form.querySelector('[name="' + e.field + '"]');
      if (!sel) return;
      var n = e.field.split("_")[1];
      var err = form.querySelector("#id_row_error_" + n);
      sel.classList.add("is-invalid");
      if (err) {
        err.textContent = e.message;
        err.classList.add("d-block");
        sel.setAttribute("aria-describedby", err.id);
      }
    });
  }

  function wireDrop(form) {
    var input = form.querySelector("input[type=file]");
    var hint = form.querySelector("[data-drop-hint]");
    if (hint) hint.classList.remove("d-none");
    var depth = 0;
    form.addEventListener("dragenter", function (ev) {
      ev.preventDefault();
      depth += 1;
      form.classList.add("is-dragover");
    });
    form.addEventListener("dragover", function (ev) {
      ev.preventDefault();  // allows the drop
      if (ev.dataTransfer) ev.dataTransfer.dropEffect = "copy";
      form.classList.add("is-dragover");
    });
    form.addEventListener("dragleave", function () {
      depth = Math.max(depth - 1, 0);
      if (!depth) form.classList.remove("is-dragover");
    });
    form.addEventListener("drop", function (ev) {
      ev.preventDefault();
      depth = 0;
      form.classList.remove("is-dragover");
      if (!ev.dataTransfer || !ev.dataTransfer.files || !ev.dataTransfer.files.length) return;
      input.files = ev.dataTransfer.files;
      input.dispatchEvent(new Event("change", { bubbles: true }));
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
    var fileInput = form.querySelector("input[type=file]");
    fileInput.addEventListener("change", function () { buildRows(form); showErrors(box, []); });
    wireDrop(form);
    if (fileInput.files && fileInput.files.length) buildRows(form);

    form.addEventListener("submit", function (ev) {
      if (!window.XMLHttpRequest || !window.FormData) return;  // plain POST
      ev.preventDefault();
      var input = form.querySelector("input[type=file]");
      var files = Array.prototype.slice.call(input.files || []);
      var errors = [];
      if (!files.length) errors.push({ name: "", message: "ファイルを選んでください。" });
      var rowKinds = form.querySelectorAll("[data-file-row] select[name^=kind_]");
      if (rowKinds.length) {
        rowKinds.forEach(function (s, n) {
          if (!s.value) errors.push({ name: files[n] ? files[n].name : "", message: "書類の種類を選んでください。", field: s.name });
        });
      } else if (!form.querySelector("select[name=kind]").value) errors.push({ name: "", message: "書類の種類を選んでください。" });
      if (maxCount && files.length > maxCount) errors.push({ name: "", message: "一度に送れるファイルは " + maxCount + " 件までです。" });
      var total = 0;
      files.forEach(function (f) {
        total += f.size;
        if (f.size === 0) errors.push({ name: f.name, message: "空のファイル (0バイト) は受け付けられません。" });
        else if (maxFile && f.size > maxFile) errors.push({ name: f.name, message: "ファイルが大きすぎます (上限 " + mb(maxFile) + ")。" });
      });
      if (maxRequest && total > maxRequest) errors.push({ name: "(全体)", message: "一度に送れる合計は " + mb(maxRequest) + " までです。" });
      markRowErrors(form, errors);
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
        var errs = (data && data.errors) || [{ name: "", message: "アップロードに失敗しました (" + xhr.status + ")。" }];
        markRowErrors(form, errs);
        showErrors(box, errs);
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
