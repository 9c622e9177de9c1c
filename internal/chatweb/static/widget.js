/* Frontdesk live chat widget. One tag on any page:
 *   <script src="https://HELPDESK/widget.js" data-key="wk_…" async></script>
 * Optional: data-jwt (identity token signed by the host site), data-sound="on",
 * data-lang="pl". No dependencies; renders in a shadow root. Everything the
 * server sends is shown as text (textContent), never as HTML. */
(function () {
  "use strict";
  var script = document.currentScript || document.querySelector('script[data-key][src*="widget.js"]');
  if (!script || window.FrontdeskChat) { return; }
  var KEY = script.getAttribute("data-key") || "";
  var BASE = new URL(script.src, location.href).origin;
  var STORE = "fdchat:" + KEY;
  var SOUND = script.getAttribute("data-sound") === "on";
  var jwt = script.getAttribute("data-jwt") || "";

  var T = {
    en: {
      launcher: "Chat with us", title: "Chat", close: "Close chat", name: "Your name", email: "Email",
      question: "How can we help?", start: "Start chat", send: "Send", message: "Message",
      offlineTitle: "Leave us a message", offlineText: "No one is available right now. Leave a message and we will reply by email.",
      leaveSend: "Send message", left: "Thank you. We will reply to you by email.",
      waiting: "Waiting for an agent…", leaveInstead: "Nobody is free yet. Leave a message instead",
      typing: "Agent is typing…", ended: "The chat has ended.", newChat: "Start a new chat", end: "End chat",
      reconnecting: "Reconnecting…", pending: "Sending…", read: "Read", sent: "Sent", you: "You", bot: "Assistant",
      joined: "{0} joined the chat.", transferred: "You are being transferred.", agent_ended: "The agent ended the chat.",
      visitor_ended: "You ended the chat.", left_message: "Your message was left; we will reply by email.",
      bot_resolved: "Glad that helped!", error: "Something went wrong. Try again.", attach: "Attach a file",
      required: "Please fill in this field.", newMessage: "New message", anAgent: "An agent"
    },
    pl: {
      launcher: "Porozmawiaj z nami", title: "Czat", close: "Zamknij czat", name: "Imię i nazwisko", email: "E-mail",
      question: "W czym możemy pomóc?", start: "Rozpocznij czat", send: "Wyślij", message: "Wiadomość",
      offlineTitle: "Zostaw nam wiadomość", offlineText: "Nikt nie jest teraz dostępny. Zostaw wiadomość, a odpowiemy e-mailem.",
      leaveSend: "Wyślij wiadomość", left: "Dziękujemy. Odpowiemy e-mailem.",
      waiting: "Czekamy na konsultanta…", leaveInstead: "Nikt jeszcze nie jest wolny. Zostaw wiadomość",
      typing: "Konsultant pisze…", ended: "Czat został zakończony.", newChat: "Rozpocznij nowy czat", end: "Zakończ czat",
      reconnecting: "Ponowne łączenie…", pending: "Wysyłanie…", read: "Przeczytano", sent: "Wysłano", you: "Ty", bot: "Asystent",
      joined: "{0} dołącza do czatu.", transferred: "Trwa przekazywanie rozmowy.", agent_ended: "Konsultant zakończył czat.",
      visitor_ended: "Zakończono czat.", left_message: "Wiadomość została zostawiona; odpowiemy e-mailem.",
      bot_resolved: "Cieszymy się, że pomogło!", error: "Coś poszło nie tak. Spróbuj ponownie.", attach: "Dołącz plik",
      required: "Wypełnij to pole.", newMessage: "Nowa wiadomość", anAgent: "Konsultant"
    }
  };
  // Strings of the transcript, agent files and limits, kept apart from T's
  // literal so each addition merges on its own.
  var T2 = {
    en: {
      transcript: "Email me the transcript", transcriptSent: "The transcript is on its way to {0}.",
      transcriptWait: "The transcript was sent a moment ago. Try again later.",
      tooMany: "Too many attempts from here. Please wait a while and try again.",
      download: "Download {0}", fileGone: "This file is no longer available.",
      drafted: "Automatic answer"
    },
    pl: {
      transcript: "Wyślij mi zapis czatu e-mailem", transcriptSent: "Zapis czatu jest w drodze na adres {0}.",
      transcriptWait: "Zapis czatu został wysłany przed chwilą. Spróbuj ponownie później.",
      tooMany: "Zbyt wiele prób z tego miejsca. Odczekaj chwilę i spróbuj ponownie.",
      download: "Pobierz {0}", fileGone: "Ten plik nie jest już dostępny.",
      drafted: "Odpowiedź automatyczna"
    }
  };
  // Strings of the configurable pre-chat form (optional fields, teams).
  var T3 = {
    en: {
      optional: "{0} (optional)", team: "Which team?", chooseTeam: "Choose a team",
      teamOffline: "No one in this team is available right now. Leave a message and we will reply by email."
    },
    pl: {
      optional: "{0} (opcjonalnie)", team: "Który zespół?", chooseTeam: "Wybierz zespół",
      teamOffline: "Nikt z tego zespołu nie jest teraz dostępny. Zostaw wiadomość, a odpowiemy e-mailem."
    }
  };
  [T2, T3].forEach(function (X) { Object.keys(X).forEach(function (l) { for (var k in X[l]) { if (Object.prototype.hasOwnProperty.call(X[l], k)) { T[l][k] = X[l][k]; } } }); });
  var lang = (script.getAttribute("data-lang") || document.documentElement.lang || navigator.language || "en").toLowerCase().slice(0, 2);
  if (!T[lang]) { lang = "en"; }
  function t(k, a) { var s = T[lang][k] || T.en[k] || k; return a ? s.replace("{0}", a) : s; }

  // ---- state kept across page loads -------------------------------------
  function load() { try { return JSON.parse(localStorage.getItem(STORE)) || {}; } catch (e) { return {}; } }
  var saved = load();
  var st = { token: saved.token || "", last: 0, pending: saved.pending || [], open: !!saved.open, conv: null, unread: 0 };
  function save() {
    try { localStorage.setItem(STORE, JSON.stringify({ token: st.token, pending: st.pending, open: st.open })); } catch (e) { /* private mode */ }
  }
  var seen = {}; // message ids shown

  // ---- DOM ----------------------------------------------------------------
  var host = document.createElement("div");
  host.setAttribute("data-frontdesk-chat", "");
  var root = host.attachShadow({ mode: "open" });
  var css = ":host{all:initial}*{box-sizing:border-box;font:14px/1.4 system-ui,-apple-system,Segoe UI,Roboto,sans-serif}" +
    ".l{position:fixed;right:20px;bottom:20px;z-index:2147483000;background:#1d4ed8;color:#fff;border:0;border-radius:24px;padding:12px 18px;cursor:pointer;box-shadow:0 2px 8px rgba(0,0,0,.3)}" +
    ".l:focus-visible,button:focus-visible,input:focus-visible,textarea:focus-visible,select:focus-visible,a:focus-visible{outline:3px solid #f59e0b;outline-offset:2px}" +
    ".p{position:fixed;right:20px;bottom:76px;z-index:2147483000;width:340px;max-width:calc(100vw - 40px);height:480px;max-height:calc(100vh - 100px);background:#fff;color:#111;border:1px solid #9ca3af;border-radius:10px;display:flex;flex-direction:column;box-shadow:0 4px 16px rgba(0,0,0,.25)}" +
    ".p[hidden]{display:none}.h{display:flex;justify-content:space-between;align-items:center;padding:8px 12px;background:#1d4ed8;color:#fff;border-radius:10px 10px 0 0}" +
    ".h h2{margin:0;font-size:16px;font-weight:600}.x{background:transparent;color:#fff;border:0;font-size:20px;cursor:pointer;padding:2px 8px}" +
    ".b{flex:1;overflow:auto;padding:10px}.f{display:flex;flex-direction:column;gap:6px}label{font-weight:600;color:#111}" +
    ".f[hidden]{display:none}input,textarea,select{width:100%;border:1px solid #6b7280;border-radius:6px;padding:6px;color:#111;background:#fff}textarea{resize:vertical;min-height:60px}" +
    ".btn{background:#1d4ed8;color:#fff;border:0;border-radius:6px;padding:8px 12px;cursor:pointer}.lnk{background:none;border:0;color:#1d4ed8;text-decoration:underline;cursor:pointer;padding:4px 0}" +
    ".m{margin:6px 0;padding:6px 10px;border-radius:8px;max-width:85%;white-space:pre-wrap;word-wrap:break-word}" +
    ".m.visitor{background:#dbeafe;margin-left:auto}.m.agent,.m.bot{background:#f3f4f6}.m.drafted{border-left:3px solid #92400e}.m .dl{font-size:12px;font-weight:bold;color:#92400e}.m.system{background:none;color:#374151;font-style:italic;text-align:center;max-width:100%}" +
    ".a{font-size:12px;color:#374151;margin-bottom:2px}.s{font-size:12px;color:#4b5563;text-align:right}.ty{min-height:20px;padding:0 10px;color:#374151;font-size:12px}" +
    ".c{display:flex;gap:6px;padding:8px;border-top:1px solid #d1d5db}.c textarea{min-height:38px;height:38px}.ar a{display:block;color:#1d4ed8;margin:2px 0}" +
    ".bt{display:flex;flex-wrap:wrap;gap:4px;margin-top:4px}.bt button{background:#fff;color:#1d4ed8;border:1px solid #1d4ed8;border-radius:14px;padding:4px 10px;cursor:pointer}" +
    "#fdc-file:focus-visible+label{outline:3px solid #f59e0b;outline-offset:2px}label.btn{display:flex;align-items:center;color:#fff}.e{color:#b91c1c}.n{color:#374151;font-size:12px;padding:0 10px}.vh{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}";
  var style = document.createElement("style");
  style.textContent = css;
  root.appendChild(style);

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    if (attrs) { for (var k in attrs) { if (Object.prototype.hasOwnProperty.call(attrs, k)) { e.setAttribute(k, attrs[k]); } } }
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    return e;
  }

  var launcher = el("button", { "class": "l", type: "button", "aria-expanded": "false", "aria-controls": "fdc-panel" }, t("launcher"));
  var panel = el("div", { "class": "p", id: "fdc-panel", role: "dialog", "aria-labelledby": "fdc-title", hidden: "" });
  var head = el("div", { "class": "h" });
  head.appendChild(el("h2", { id: "fdc-title" }, t("title")));
  var closeBtn = el("button", { "class": "x", type: "button", "aria-label": t("close") }, "×");
  head.appendChild(closeBtn);
  var body = el("div", { "class": "b" });
  var log = el("div", { role: "log", "aria-live": "polite", "aria-relevant": "additions", "aria-label": t("title") });
  var note = el("div", { "class": "n", "aria-live": "polite" });
  var typing = el("div", { "class": "ty", "aria-live": "polite" });
  var composer = el("form", { "class": "c", hidden: "" });
  var msgLabel = el("label", { "for": "fdc-text", "class": "vh" }, t("message"));
  var text = el("textarea", { id: "fdc-text", name: "text", rows: "1", maxlength: "4000" });
  var sendBtn = el("button", { "class": "btn", type: "submit" }, t("send"));
  var fileLabel = el("label", { "for": "fdc-file", "class": "btn", title: t("attach") });
  fileLabel.appendChild(el("span", { "aria-hidden": "true" }, "+"));
  fileLabel.appendChild(el("span", { "class": "vh" }, t("attach")));
  var fileInput = el("input", { id: "fdc-file", type: "file", "class": "vh" });
  composer.appendChild(msgLabel); composer.appendChild(text); composer.appendChild(fileInput); composer.appendChild(fileLabel); composer.appendChild(sendBtn);
  var tools = el("div", { "class": "n" });
  var endBtn = el("button", { "class": "lnk", type: "button", hidden: "" }, t("end"));
  tools.appendChild(endBtn);
  body.appendChild(log);
  panel.appendChild(head); panel.appendChild(body); panel.appendChild(note); panel.appendChild(typing); panel.appendChild(composer); panel.appendChild(tools);
  root.appendChild(launcher); root.appendChild(panel);

  function mount() { if (!host.isConnected) { document.body.appendChild(host); } }
  if (document.body) { mount(); } else { document.addEventListener("DOMContentLoaded", mount); }

  var baseTitle = document.title;
  function setOpen(open) {
    st.open = open; save();
    panel.hidden = !open;
    launcher.setAttribute("aria-expanded", open ? "true" : "false");
    if (open) {
      st.unread = 0; document.title = baseTitle;
      var f = panel.querySelector("input,textarea:not([hidden])");
      if (f) { f.focus(); }
      markRead();
      if (!st.token && !formShown) { showForm(); }
    } else { launcher.focus(); }
  }
  launcher.addEventListener("click", function () { setOpen(panel.hidden); });
  closeBtn.addEventListener("click", function () { setOpen(false); });
  panel.addEventListener("keydown", function (e) { if (e.key === "Escape") { setOpen(false); } });

  // ---- HTTP ---------------------------------------------------------------
  function call(op, data, auth) {
    var h = { "Content-Type": "application/json" };
    if (auth && st.token) { h.Authorization = "Bearer " + st.token; }
    return fetch(BASE + "/chat/" + op + "?key=" + encodeURIComponent(KEY), {
      method: "POST", headers: h, body: JSON.stringify(data || {}), credentials: "include", mode: "cors"
    }).then(function (r) {
      return r.json().then(function (j) { if (!r.ok) { var e = new Error(r.status === 429 ? t("tooMany") : (j.message || "error")); e.status = r.status; e.code = j.error; throw e; } return j; });
    });
  }

  // ---- forms --------------------------------------------------------------
  var formShown = false;
  // field adds a labelled input in its own box (so it can be hidden).
  function field(form, id, label, type, req) {
    var box = el("div", { "class": "f" });
    var i = el(type === "textarea" || type === "select" ? type : "input", { id: id, name: id.slice(4) });
    if (type !== "textarea" && type !== "select") { i.type = type; }
    box.appendChild(el("label", { "for": id }, label)); box.appendChild(i);
    form.appendChild(box);
    i.required = !!req;
    i.box = box;
    return i;
  }
  function clearBody() { while (log.firstChild) { log.removeChild(log.firstChild); } formShown = false; }
  function showForm() {
    clearBody(); formShown = true; transcriptFor(null);
    composer.hidden = true; endBtn.hidden = true;
    call("config", {}).then(buildForm, function () { buildForm({ online: true }); });
  }
  // buildForm renders the key's pre-chat form (cfg.form: name and question
  // required, optional or hidden; the email always; maybe a choice of
  // team). A team nobody in it can answer now, or nobody online at all,
  // turns it into the message form. The server checks all of it again.
  function buildForm(cfg) {
    var fc = cfg.form || {}, groups = fc.groups || [];
    var form = el("form", { "class": "f", novalidate: "" });
    var info = el("p", { "aria-live": "polite" });
    form.appendChild(info);
    function opt(k, v) { return v === "optional" ? t("optional", t(k)) : t(k); }
    var name = fc.name === "hidden" ? null : field(form, "fdc-name", opt("name", fc.name), "text", fc.name !== "optional");
    if (name) { name.setAttribute("autocomplete", "name"); name.setAttribute("maxlength", "100"); }
    var email = field(form, "fdc-email", t("email"), "email", true);
    email.setAttribute("autocomplete", "email");
    var grp = null;
    if (groups.length) {
      grp = field(form, "fdc-group", t("team"), "select", true);
      grp.appendChild(el("option", { value: "" }, t("chooseTeam")));
      groups.forEach(function (g) { grp.appendChild(el("option", { value: String(g.id) }, g.name)); });
    }
    var q = field(form, "fdc-question", opt("question", fc.question), "textarea", true);
    var err = el("p", { "class": "e", role: "alert" });
    var b = el("button", { "class": "btn", type: "submit" });
    form.appendChild(err); form.appendChild(b);
    var offline = false;
    function update() {
      var g = null;
      groups.forEach(function (x) { if (grp && String(x.id) === grp.value) { g = x; } });
      offline = g ? !g.online : !cfg.online;
      info.textContent = offline ? t(g ? "teamOffline" : "offlineText") : "";
      // A left message needs its text; a chat asks per the form.
      q.required = offline || fc.question !== "optional";
      q.box.hidden = !offline && fc.question === "hidden";
      q.previousSibling.textContent = q.required ? t("question") : opt("question", fc.question);
      b.textContent = offline ? t("leaveSend") : t("start");
    }
    if (grp) { grp.addEventListener("change", update); }
    update();
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var missing = [name, email, grp, q].filter(function (i) { return i && i.required && !i.box.hidden && !i.value.trim(); });
      [name, email, grp, q].forEach(function (i) { if (i) { i.removeAttribute("aria-invalid"); } });
      if (missing.length) { err.textContent = t("required"); missing[0].setAttribute("aria-invalid", "true"); missing[0].focus(); return; }
      b.disabled = true; err.textContent = "";
      var data = { name: name ? name.value : "", email: email.value, question: q.box.hidden ? "" : q.value, group_id: grp ? Number(grp.value) : 0,
        page: location.href, locale: lang, jwt: jwt, client_id: cid() };
      var off = offline;
      call(off ? "message" : "start", data).then(function (r) {
        if (off) { clearBody(); sys(t("left")); return; }
        st.token = r.token; save(); clearBody(); applyView(r); connect();
      }, function (x) { b.disabled = false; err.textContent = x.message || t("error"); });
    });
    log.appendChild(form);
    if (!panel.hidden) { (name || email).focus(); }
  }

  // ---- messages -----------------------------------------------------------
  function cid() { return "c" + Date.now().toString(36) + Math.random().toString(36).slice(2, 10); }
  function sys(s) { var d = el("div", { "class": "m system" }, s); log.appendChild(d); body.scrollTop = body.scrollHeight; }
  function render(m) {
    if (seen[m.id]) { return; }
    seen[m.id] = true;
    if (m.id > st.last) { st.last = m.id; }
    if (m.client_id) { dropPending(m.client_id); }
    if (m.kind === "system") {
      var d = m.data || {};
      sys(T[lang][d.code] ? t(d.code, (d.args || [])[0] || t("anAgent")) : m.body);
      return;
    }
    var drafted = m.kind === "bot" && m.data && m.data.drafted === true;
    var box = el("div", { "class": "m " + m.kind + (drafted ? " drafted" : ""), "data-id": String(m.id) });
    var who = m.kind === "visitor" ? t("you") : (m.kind === "bot" ? t("bot") : m.author);
    box.appendChild(el("div", { "class": "a" }, who));
    // A drafted answer is labelled as automatic (its text is plain text).
    if (drafted) { box.appendChild(el("div", { "class": "dl" }, t("drafted"))); }
    if (m.body) { box.appendChild(el("div", null, m.body)); }
    fileButton(box, m);
    var data = m.data || {};
    if (data.articles && data.articles.length) {
      var ar = el("div", { "class": "ar" });
      data.articles.forEach(function (a) {
        if (a.URL && a.URL.charAt(0) === "/" && a.URL.charAt(1) !== "/") {
          ar.appendChild(el("a", { href: BASE + a.URL, target: "_blank", rel: "noopener noreferrer" }, a.Title));
        } else { ar.appendChild(el("div", null, a.Title)); }
      });
      box.appendChild(ar);
    }
    if (data.buttons && data.buttons.length) {
      var bt = el("div", { "class": "bt" });
      data.buttons.forEach(function (b) {
        var x = el("button", { type: "button" }, b.Label);
        x.addEventListener("click", function () { frame({ t: "button", button: b.ID }); bt.remove(); });
        bt.appendChild(x);
      });
      box.appendChild(bt);
    }
    if (m.kind === "visitor") { box.appendChild(el("div", { "class": "s" }, t("sent"))); }
    log.appendChild(box);
    body.scrollTop = body.scrollHeight;
    if (m.kind === "agent" || m.kind === "bot") { notify(); }
  }
  // ---- files: fetched with the token, saved as a download -------------------
  // No link carries the token, and the bytes never become a page: the blob
  // is typed octet-stream and saved under the server-cleaned name.
  function fileButton(box, m) {
    var d = m.data || {};
    if (d.code !== "file" || !d.attachment_id) { return; }
    var b = el("button", { "class": "lnk", type: "button" }, t("download", m.body));
    b.addEventListener("click", function () {
      fetch(BASE + "/chat/file?key=" + encodeURIComponent(KEY) + "&id=" + Number(m.id), {
        method: "POST", headers: { Authorization: "Bearer " + st.token }, credentials: "include", mode: "cors"
      }).then(function (r) { if (!r.ok) { throw new Error(String(r.status)); } return r.blob(); })
        .then(function (blob) {
          var u = URL.createObjectURL(new Blob([blob], { type: "application/octet-stream" })), a = el("a", { href: u, download: m.body || "file", hidden: "" });
          root.appendChild(a); a.click(); a.remove();
          setTimeout(function () { URL.revokeObjectURL(u); }, 60000);
        }, function () { sys(t("fileGone")); });
    });
    box.appendChild(b);
  }
  function notify() {
    if (!panel.hidden && !document.hidden) { markRead(); return; }
    st.unread++;
    document.title = "(" + st.unread + ") " + baseTitle;
    if (SOUND) {
      try {
        var A = window.AudioContext || window.webkitAudioContext, ac = new A(), o = ac.createOscillator();
        o.connect(ac.destination); o.frequency.value = 660; o.start(); o.stop(ac.currentTime + 0.15);
      } catch (e) { /* no audio */ }
    }
  }
  document.addEventListener("visibilitychange", function () { if (!document.hidden && !panel.hidden) { st.unread = 0; document.title = baseTitle; markRead(); } });
  function markRead() { if (st.last && st.token) { frame({ t: "read", id: st.last }); } }
  function showRead(id) {
    var ms = log.querySelectorAll(".m.visitor");
    for (var i = 0; i < ms.length; i++) {
      if (Number(ms[i].getAttribute("data-id")) <= id) { var s = ms[i].querySelector(".s"); if (s) { s.textContent = t("read"); } }
    }
  }
  var waitTimer = null;
  function applyState(c) {
    st.conv = c;
    transcriptFor(c);
    clearTimeout(waitTimer);
    note.textContent = "";
    var live = c.state === "bot" || c.state === "waiting" || c.state === "active";
    composer.hidden = !live; endBtn.hidden = !live;
    if (c.state === "waiting") {
      note.textContent = t("waiting");
      var after = (c.offer_message_after || 120) * 1000;
      var since = c.queued_at ? Date.now() - Date.parse(c.queued_at) : 0;
      waitTimer = setTimeout(offerLeave, Math.max(0, after - since));
    }
    if (!live && !log.querySelector("[data-again]")) {
      typing.textContent = "";
      var again = el("button", { "class": "lnk", type: "button", "data-again": "" }, t("newChat"));
      again.addEventListener("click", function () { st.token = ""; st.pending = []; held = []; st.last = 0; seen = {}; save(); disconnect(); showForm(); });
      if (c.state === "ended") { sys(t("ended")); }
      log.appendChild(again);
    }
    if (c.visitor_read_id) { /* own reads: nothing to show */ }
    if (c.agent_read_id) { showRead(c.agent_read_id); }
  }
  function offerLeave() {
    if (!st.conv || st.conv.state !== "waiting") { return; }
    var b = el("button", { "class": "lnk", type: "button" }, t("leaveInstead"));
    b.addEventListener("click", function () { frame({ t: "leave" }); b.remove(); });
    note.textContent = "";
    note.appendChild(b);
  }
  // ---- transcript by email: to the pre-chat form's address only ----------
  var trBtn = el("button", { "class": "lnk", type: "button", hidden: "" }, t("transcript"));
  var trNote = el("span", { role: "status" });
  tools.appendChild(trBtn); tools.appendChild(trNote);
  function transcriptFor(c) {
    trBtn.hidden = !(st.token && c && c.state !== "offline");
    if (trBtn.hidden) { trNote.textContent = ""; }
  }
  trBtn.addEventListener("click", function () {
    trBtn.disabled = true; trNote.textContent = "";
    call("transcript", {}, true).then(function (r) { trNote.textContent = t("transcriptSent", r.to); }, function (x) {
      if (x.status === 401) { expired(); return; }
      trNote.textContent = x.status === 429 ? t("transcriptWait") : (x.message || t("error"));
    }).then(function () { trBtn.disabled = false; });
  });
  function applyView(v) {
    (v.messages || []).forEach(render);
    if (v.conversation) { applyState(v.conversation); }
    if (!panel.hidden) { markRead(); }
  }

  // ---- sending, with an offline queue delivered once ----------------------
  function dropPending(id) {
    var before = st.pending.length;
    st.pending = st.pending.filter(function (p) { return p.client_id !== id; });
    if (st.pending.length !== before) { save(); }
    var e = log.querySelector('[data-pending="' + id + '"]');
    if (e) { e.remove(); }
  }
  composer.addEventListener("submit", function (e) {
    e.preventDefault();
    var s = text.value.trim();
    if (!s) { return; }
    var p = { t: "msg", client_id: cid(), text: s };
    st.pending.push(p); save();
    showPending(p);
    text.value = "";
    typingOff();
    frame(p);
  });
  text.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); composer.requestSubmit ? composer.requestSubmit() : sendBtn.click(); }
  });
  var typingSent = 0, typingIdle = null;
  text.addEventListener("input", function () {
    if (Date.now() - typingSent > 2500) { typingSent = Date.now(); frame({ t: "typing", on: true }); }
    clearTimeout(typingIdle);
    typingIdle = setTimeout(typingOff, 3000);
  });
  function typingOff() { if (typingSent) { typingSent = 0; frame({ t: "typing", on: false }); } clearTimeout(typingIdle); }
  endBtn.addEventListener("click", function () { frame({ t: "end" }); });
  fileInput.addEventListener("change", function () {
    var f = fileInput.files && fileInput.files[0];
    if (!f || !st.token) { return; }
    var id = cid(), fd = new FormData();
    fd.append("file", f, f.name);
    showPending({ client_id: id, text: f.name });
    fetch(BASE + "/chat/upload?key=" + encodeURIComponent(KEY) + "&client_id=" + id, {
      method: "POST", body: fd, headers: { Authorization: "Bearer " + st.token }, credentials: "include", mode: "cors"
    }).then(function (r) { return r.json().then(function (j) { if (!r.ok) { throw new Error(j.message || t("error")); } return j; }); })
      .then(function (a) { render(a.message); }, function (x) { dropPending(id); sys(x.message || t("error")); });
    fileInput.value = "";
  });

  // ---- transport: WebSocket, falling back to long polling ------------------
  var ws = null, wsOK = false, wsFails = 0, mode = "ws", retry = 0, polling = false, stopped = true;
  // held keeps choices (a bot button, "leave a message", "end") made while
  // the socket is not open yet, so a quick click is sent once it is rather
  // than lost; typing, read and page frames are not worth keeping.
  var held = [];
  function frame(f) {
    if (!st.token) { return; }
    if (mode === "ws") {
      if (ws && wsOK) { try { ws.send(JSON.stringify(f)); } catch (e) { /* resent on reconnect if a message */ } } else if (f.t === "button" || f.t === "leave" || f.t === "end") { held.push(f); }
      return;
    }
    call("send", f, true).then(function (r) { if (r && r.t === "ack" && r.message) { render(r.message); } }, function (x) {
      if (x.status === 401) { expired(); }
    });
  }
  function showPending(p) {
    if (log.querySelector('[data-pending="' + p.client_id + '"]')) { return; }
    var d = el("div", { "class": "m visitor", "data-pending": p.client_id });
    d.appendChild(el("div", null, p.text)); d.appendChild(el("div", { "class": "s" }, t("pending")));
    log.appendChild(d); body.scrollTop = body.scrollHeight;
  }
  function flush() {
    st.pending.forEach(function (p) { showPending(p); frame(p); });
    var h = held; held = [];
    h.forEach(frame);
  }
  function expired() { st.token = ""; st.pending = []; held = []; save(); disconnect(); showForm(); }
  function disconnect() { stopped = true; if (ws) { try { ws.close(); } catch (e) { /* closed */ } ws = null; } }
  function connect() {
    if (!st.token) { return; }
    stopped = false;
    if (mode === "ws" && window.WebSocket) { openWS(); } else { mode = "poll"; startPoll(); }
  }
  function openWS() {
    var u = BASE.replace(/^http/, "ws") + "/chat/ws?key=" + encodeURIComponent(KEY);
    var s;
    try { s = new WebSocket(u); } catch (e) { mode = "poll"; startPoll(); return; }
    ws = s; wsOK = false;
    s.onopen = function () { s.send(JSON.stringify({ t: "hello", token: st.token, after: st.last })); };
    s.onmessage = function (ev) {
      var f; try { f = JSON.parse(ev.data); } catch (e) { return; }
      if (f.t === "hello") {
        wsOK = true; wsFails = 0; retry = 0; note.textContent = ""; applyView(f); flush(); frame({ t: "page", url: location.href });
      } else if (f.t === "msg") { render(f.message); } else if (f.t === "ack") { if (f.message) { render(f.message); } } else if (f.t === "state") { applyState(f.conversation); } else if (f.t === "typing") {
        typing.textContent = f.on ? t("typing") : "";
      } else if (f.t === "read") { showRead(f.id); } else if (f.t === "error") {
        if (f.error === "unauthorized") { expired(); } else if (f.client_id && f.error !== "too_many") { dropPending(f.client_id); sys(f.message || t("error")); }
      }
    };
    s.onclose = function (ev) {
      if (ws !== s) { return; }
      ws = null;
      if (ev.code === 4401) { expired(); return; }
      if (stopped) { return; }
      if (!wsOK) { wsFails++; }
      wsOK = false;
      if (wsFails >= 2) { mode = "poll"; startPoll(); return; }
      note.textContent = t("reconnecting");
      retry = Math.min(retry + 1, 6);
      setTimeout(connect, 500 * Math.pow(2, retry - 1));
    };
  }
  function startPoll() {
    if (polling) { return; }
    polling = true;
    call("poll", { after: 0 }, true).then(function (r) { applyView(r); flush(); frame({ t: "page", url: location.href }); poll(); }, pollFail);
  }
  function poll() {
    if (stopped || !st.token) { polling = false; return; }
    call("poll", { after: st.last }, true).then(function (r) {
      retry = 0; note.textContent = note.textContent === t("reconnecting") ? "" : note.textContent;
      if (r.typing !== undefined) { typing.textContent = r.typing ? t("typing") : ""; }
      applyView(r);
      poll();
    }, pollFail);
  }
  function pollFail(x) {
    if (x && x.status === 401) { polling = false; expired(); return; }
    note.textContent = t("reconnecting");
    retry = Math.min(retry + 1, 6);
    polling = false;
    setTimeout(function () { flush(); startPoll(); }, 500 * Math.pow(2, retry - 1));
  }
  window.addEventListener("online", function () { if (mode === "ws" && !ws && st.token) { retry = 0; connect(); } });

  window.FrontdeskChat = {
    open: function () { setOpen(true); },
    close: function () { setOpen(false); },
    identify: function (token) { jwt = String(token || ""); }
  };
  if (st.token) { connect(); }
  if (st.open) { panel.hidden = false; launcher.setAttribute("aria-expanded", "true"); if (!st.token) { showForm(); } }
})();
