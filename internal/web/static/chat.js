// Frontdesk — the agents' live chat console: the queue and the open chat
// follow the console's event stream; replies, typing and read marks go
// over fetch. The page works without it (forms and reloads).
// Everything shown is set as text, never as HTML.
(function () {
  'use strict';
  var doc = document;
  var root = doc.querySelector('[data-chat-console]');
  if (!root) { return; }
  function csrf() { var m = doc.querySelector('meta[name="csrf-token"]'); return m ? m.getAttribute('content') : ''; }
  function t(k) { return root.getAttribute('data-t-' + k) || ''; }
  var conv = Number(root.getAttribute('data-chat-id') || 0);
  var log = doc.getElementById('chat-log');
  var typingEl = doc.getElementById('chat-typing');
  var last = 0;
  if (log) {
    Array.prototype.forEach.call(log.querySelectorAll('[data-id]'), function (e) { last = Math.max(last, Number(e.getAttribute('data-id'))); });
    log.scrollTop = log.scrollHeight;
  }
  var state = null;

  function post(url, fields) {
    var fd = new URLSearchParams();
    fd.append('csrf_token', csrf());
    Object.keys(fields || {}).forEach(function (k) { fd.append(k, fields[k]); });
    return fetch(url, { method: 'POST', body: fd, credentials: 'same-origin', headers: { 'X-CSRF-Token': csrf(), 'Accept': 'application/json' } })
      .then(function (r) { if (!r.ok) { throw new Error(String(r.status)); } return r.json(); });
  }
  function getJSON(url) {
    return fetch(url, { credentials: 'same-origin', headers: { 'Accept': 'application/json' } })
      .then(function (r) { if (!r.ok) { throw new Error(String(r.status)); } return r.json(); });
  }
  function el(tag, cls, text) {
    var e = doc.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined) { e.textContent = text; }
    return e;
  }

  // ---- the queue and my chats ----
  function waitText(iso) {
    var mins = Math.max(0, Math.floor((Date.now() - Date.parse(iso)) / 60000));
    return t('waiting').replace('{n}', String(mins));
  }
  function ticking() {
    Array.prototype.forEach.call(doc.querySelectorAll('[data-wait]'), function (e) { e.textContent = waitText(e.getAttribute('datetime')); });
  }
  setInterval(ticking, 15000);
  ticking();
  function acceptForm(id, name, what) {
    var f = el('form', 'inline');
    f.method = 'post'; f.action = '/agent/chat/' + id + '/' + (what || 'accept');
    var h = el('input'); h.type = 'hidden'; h.name = 'csrf_token'; h.value = csrf();
    var b = el('button', what ? '' : 'primary', t(what || 'accept'));
    b.type = 'submit';
    var vh = el('span', 'visually-hidden', ' ' + name);
    b.appendChild(vh);
    f.appendChild(h); f.appendChild(b);
    return f;
  }
  function refreshLists() {
    getJSON('/agent/chat/state').then(function (c) {
      var q = doc.getElementById('chat-queue'), mine = doc.getElementById('chat-mine');
      if (q) {
        q.textContent = '';
        (c.queue || []).forEach(function (it) {
          var li = el('li'); li.setAttribute('data-conv', it.id);
          li.appendChild(el('strong', null, it.visitor_name));
          li.appendChild(doc.createTextNode(' '));
          var tm = el('time', 'muted'); tm.setAttribute('datetime', it.queued_at); tm.setAttribute('data-wait', ''); tm.textContent = waitText(it.queued_at);
          li.appendChild(tm);
          li.appendChild(el('p', null, it.question));
          li.appendChild(acceptForm(it.id, it.visitor_name));
          li.appendChild(acceptForm(it.id, it.visitor_name, 'decline'));
          q.appendChild(li);
        });
        if (!q.children.length) { q.appendChild(el('li', 'muted', t('none'))); }
      }
      if (mine) {
        mine.textContent = '';
        (c.mine || []).forEach(function (it) {
          var li = el('li'); li.setAttribute('data-conv', it.id);
          var a = el('a', null, it.visitor_name); a.href = '/agent/chat?c=' + it.id;
          li.appendChild(a); mine.appendChild(li);
        });
        if (!mine.children.length) { mine.appendChild(el('li', 'muted', t('none'))); }
      }
    }, function () { /* the next event retries */ });
  }

  // ---- the open chat ----
  function author(m) {
    if (m.kind === 'bot') { return t('bot'); }
    if (m.kind === 'system') { return t('system'); }
    return m.author;
  }
  function render(m) {
    if (!log || m.id <= last) { return; }
    last = m.id;
    var d = el('div', 'chat-msg chat-' + m.kind);
    d.setAttribute('data-id', m.id);
    d.appendChild(el('span', 'chat-author', author(m)));
    d.appendChild(el('span', 'chat-body', m.body));
    ((m.data && m.data.articles) || []).forEach(function (a) { d.appendChild(el('span', 'chat-article', a.Title)); });
    fileLink(d, m);
    log.appendChild(d);
    log.scrollTop = log.scrollHeight;
  }
  // A file line links to its attachment (served to those who may see the
  // ticket); the name is the link's hidden text.
  function fileLink(d, m) {
    var f = m.data;
    if (!f || f.code !== 'file' || !f.attachment_id) { return; }
    var a = el('a', 'chat-file', t('download'));
    a.href = '/attachments/' + Number(f.attachment_id);
    a.appendChild(el('span', 'visually-hidden', ' ' + m.body));
    d.appendChild(a);
  }
  var loading = false, again = false;
  function loadMessages() {
    if (!conv) { return; }
    if (loading) { again = true; return; }
    loading = true;
    getJSON('/agent/chat/' + conv + '/messages?after=' + last).then(function (v) {
      (v.messages || []).forEach(render);
      var st = v.conversation.state;
      if (state !== null && st !== state) { location.reload(); return; }
      state = st;
      if (v.conversation.agent_id === Number(doc.body.getAttribute('data-user-id')) && last > (v.conversation.agent_read_id || 0) && !doc.hidden) {
        post('/agent/chat/' + conv + '/read', { upto: String(last) }).catch(function () {});
      }
    }, function () {}).then(function () {
      loading = false;
      if (again) { again = false; loadMessages(); }
    });
  }
  loadMessages();
  var typingHide = null;
  function showTyping(on) {
    if (!typingEl) { return; }
    typingEl.textContent = on ? t('typing') : '';
    clearTimeout(typingHide);
    if (on) { typingHide = setTimeout(function () { typingEl.textContent = ''; }, 8000); }
  }

  var form = doc.getElementById('chat-reply');
  var text = doc.getElementById('chat-text');
  if (form && text) {
    var sentAt = 0, idle = null;
    var typingOff = function () { if (sentAt) { sentAt = 0; post('/agent/chat/' + conv + '/typing', { on: '0' }).catch(function () {}); } };
    text.addEventListener('input', function () {
      if (Date.now() - sentAt > 2500) { sentAt = Date.now(); post('/agent/chat/' + conv + '/typing', { on: '1' }).catch(function () {}); }
      clearTimeout(idle); idle = setTimeout(typingOff, 3000);
    });
    text.addEventListener('keydown', function (e) {
      if (e.key === 'Enter' && !e.shiftKey) { e.preventDefault(); form.requestSubmit ? form.requestSubmit() : form.submit(); }
    });
    form.addEventListener('submit', function (e) {
      e.preventDefault();
      var body = text.value;
      if (!body.trim()) { return; }
      var btn = form.querySelector('button[type="submit"]');
      btn.disabled = true;
      clearTimeout(idle); sentAt = 0;
      post(form.action, { text: body }).then(function (m) { text.value = ''; render(m); text.focus(); }, function () { form.submit(); })
        .then(function () { btn.disabled = false; });
    });
  }

  // ---- a file for the visitor ----
  var upForm = doc.getElementById('chat-upload');
  if (upForm && window.FormData) {
    var upStatus = doc.getElementById('chat-upload-status');
    upForm.addEventListener('submit', function (e) {
      e.preventDefault();
      var input = upForm.querySelector('input[type="file"]');
      if (!input.files || !input.files.length) { input.focus(); return; }
      var btn = upForm.querySelector('button[type="submit"]');
      btn.disabled = true; upStatus.textContent = '';
      fetch(upForm.action, { method: 'POST', body: new FormData(upForm), credentials: 'same-origin', headers: { 'X-CSRF-Token': csrf(), 'Accept': 'application/json' } })
        .then(function (r) { return r.json().catch(function () { return {}; }).then(function (j) { if (!r.ok) { throw new Error(j.message || j.description || ''); } return j; }); })
        .then(function (m) { render(m); input.value = ''; input.focus(); }, function (x) { upStatus.textContent = (t('upload_failed') + ' ' + (x.message || '')).trim(); })
        .then(function () { btn.disabled = false; });
    });
  }

  // ---- the stream ----
  if (!window.EventSource) { return; }
  var listsTimer = null;
  var es = new EventSource('/agent/chat/events');
  es.addEventListener('chat', function (ev) {
    var e; try { e = JSON.parse(ev.data); } catch (x) { return; }
    if (e.k === 'queue') { clearTimeout(listsTimer); listsTimer = setTimeout(refreshLists, 150); }
    if (e.c !== conv) { return; }
    if (e.k === 'typing') { if (e.w === 'visitor') { showTyping(!!e.on); } return; }
    if (e.k === 'message') { showTyping(false); }
    loadMessages();
  });
})();
