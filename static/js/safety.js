// Safe actions and expired sessions (issue 18, items 4 and 8). A static file: the CSP forbids
// inline script and inline handlers.
//
// Confirmations: a form, or the button that submits it, with data-confirm="text" opens a
// <dialog> naming the claim or row and the consequence; キャンセル sends nothing, the
// confirm button (data-confirm-ok, default 実行する) sends the form as it was submitted.
// data-confirm-list="NAME" lists the checked input[name=NAME] of the form (their
// data-confirm-label) in the dialog: the claims a bulk action will touch. hx-confirm texts
// of htmx requests use the same dialog.
//
// htmx: every request sends the current CSRF cookie (a sign-in in another tab rotates it),
// and a refused request (401 session expired, 403 CSRF, 5xx, network) swaps nothing: the
// form keeps its typed values and a Japanese alert says what to do, with the sign-in page
// opening in a new tab.
(function () {
  "use strict";

  var dialog = null;
  var onConfirm = null;

  function buildDialog() {
    if (dialog) return dialog;
    dialog = document.createElement("dialog");
    dialog.className = "confirm-dialog border-0 rounded shadow p-0";
    dialog.setAttribute("aria-labelledby", "confirm-dialog-title");
    dialog.innerHTML =
      '<form method="dialog" class="p-3">' +
      '<h2 class="h5" id="confirm-dialog-title">確認</h2>' +
      '<p class="confirm-text mb-2"></p>' +
      '<ul class="confirm-list small mb-2"></ul>' +
      '<div class="d-flex justify-content-end gap-2">' +
      '<button value="cancel" class="btn btn-sm btn-outline-secondary confirm-cancel" autofocus>キャンセル</button>' +
      '<button value="ok" class="btn btn-sm btn-danger confirm-ok">実行する</button>' +
      "</div></form>";
    document.body.appendChild(dialog);
    dialog.addEventListener("close", function () {
      var go = dialog.returnValue === "ok" ? onConfirm : null;
      onConfirm = null;
      if (go) go();
    });
    return dialog;
  }

  function ask(text, items, okLabel, then) {
    var d = buildDialog();
    d.querySelector(".confirm-text").textContent = text;
    var list = d.querySelector(".confirm-list");
    list.textContent = "";
    (items || []).forEach(function (label) {
      var li = document.createElement("li");
      li.textContent = label;
      list.appendChild(li);
    });
    list.hidden = !(items && items.length);
    d.querySelector(".confirm-ok").textContent = okLabel || "実行する";
    d.returnValue = "";
    onConfirm = then;
    d.showModal();
    d.querySelector(".confirm-cancel").focus();
  }

  document.addEventListener(
    "submit",
    function (event) {
      var form = event.target;
      var submitter = event.submitter || null;
      var source =
        submitter && submitter.hasAttribute("data-confirm")
          ? submitter
          : form.hasAttribute("data-confirm")
            ? form
            : null;
      if (!source || form.dataset.confirmed === "1") return;
      var items = [];
      var listName = source.getAttribute("data-confirm-list");
      if (listName) {
        form.querySelectorAll('input[name="' + listName + '"]:checked').forEach(function (box) {
          items.push(box.getAttribute("data-confirm-label") || box.value);
        });
        if (!items.length) return; // nothing selected: the server says so
      }
      event.preventDefault();
      event.stopImmediatePropagation();
      ask(source.getAttribute("data-confirm"), items, source.getAttribute("data-confirm-ok"), function () {
        form.dataset.confirmed = "1";
        try {
          if (form.requestSubmit) form.requestSubmit(submitter || undefined);
          else form.submit();
        } finally {
          delete form.dataset.confirmed;
        }
      });
    },
    true
  );

  document.addEventListener("htmx:confirm", function (event) {
    var question = event.detail.question;
    if (!question) return;
    event.preventDefault();
    ask(question, [], event.detail.elt.getAttribute("data-confirm-ok"), function () {
      event.detail.issueRequest(true);
    });
  });

  // --- htmx and sessions -----------------------------------------------------------------
  function cookie(name) {
    var parts = document.cookie ? document.cookie.split("; ") : [];
    for (var i = 0; i < parts.length; i++) {
      var eq = parts[i].indexOf("=");
      if (parts[i].slice(0, eq) === name) return decodeURIComponent(parts[i].slice(eq + 1));
    }
    return "";
  }

  document.addEventListener("htmx:configRequest", function (event) {
    var token = cookie("csrftoken");
    if (!token) return;
    event.detail.headers["X-CSRFToken"] = token;
    var params = event.detail.parameters;
    if (params && params.csrfmiddlewaretoken !== undefined) params.csrfmiddlewaretoken = token;
  });

  var LOGIN_URL = "/accounts/login/";
  var SESSION_MESSAGE =
    "セッションの有効期限が切れました。別のタブでサインインしてから、もう一度保存してください。";

  function clearAlerts() {
    document.querySelectorAll(".htmx-alert").forEach(function (el) {
      el.remove();
    });
  }

  function showAlert(elt, message, loginUrl) {
    clearAlerts();
    var box = document.createElement("div");
    box.className = "alert alert-warning py-2 small htmx-alert";
    box.setAttribute("role", "alert");
    box.appendChild(document.createTextNode(message + " "));
    if (loginUrl) {
      var link = document.createElement("a");
      link.href = loginUrl;
      link.target = "_blank";
      link.rel = "noopener";
      link.className = "alert-link";
      link.textContent = "サインイン (新しいタブで開く)";
      box.appendChild(link);
    }
    var form = elt && elt.closest ? elt.closest("form") : null;
    var anchor = form || (elt && elt.closest ? elt.closest("section, .card") : null);
    if (anchor) anchor.insertBefore(box, anchor.firstChild);
    else document.querySelector("main").prepend(box);
  }

  document.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail.xhr;
    var elt = event.detail.elt;
    var status = xhr.status;
    var type = xhr.getResponseHeader("Content-Type") || "";
    var text = type.indexOf("text/plain") === 0 ? xhr.responseText : "";
    if (status === 401 || (status === 403 && text)) {
      showAlert(elt, text || SESSION_MESSAGE, xhr.getResponseHeader("X-Login-URL") || LOGIN_URL);
    } else if (status === 403) {
      showAlert(elt, "この操作の権限がありません。", "");
    } else if (status === 409 || status === 422 || status === 400) {
      showAlert(elt, text || "保存できませんでした。画面を再読み込みしてから、もう一度お試しください。", "");
    } else {
      showAlert(elt, text || "サーバーで問題が起きたため保存できませんでした。入力はそのままです。少し待ってから、もう一度保存してください。", "");
    }
  });

  document.addEventListener("htmx:sendError", function (event) {
    showAlert(event.detail.elt, "サーバーに接続できませんでした。入力はそのままです。接続を確かめてから、もう一度保存してください。", "");
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    if (event.detail.successful) clearAlerts();
  });
  // 「前の画面に戻る」 (the 403 page): the browser's back when there is history; the link's
  // href (the referring page or the queue) otherwise.
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[data-back]");
    if (link && window.history.length > 1) {
      event.preventDefault();
      window.history.back();
    }
  });
})();
