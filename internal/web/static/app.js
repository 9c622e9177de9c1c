// Frontdesk — the small script behind the pages: live updates over
// Server-Sent Events, collision detection, keyboard shortcuts.
// Everything works without it; it only makes pages livelier.
// No inline code, no eval, no third-party code (see the CSP).
(function () {
  'use strict';

  var doc = document;
  doc.documentElement.classList.add('js');

  function $(sel, root) { return (root || doc).querySelector(sel); }
  function $$(sel, root) { return Array.prototype.slice.call((root || doc).querySelectorAll(sel)); }
  function csrf() { var m = $('meta[name="csrf-token"]'); return m ? m.getAttribute('content') : ''; }

  // post sends a URL-encoded form: only the forms that carry files may be
  // multipart, and the server refuses multipart anywhere else.
  function post(url, fields) {
    var fd = new URLSearchParams();
    fd.append('csrf_token', csrf());
    Object.keys(fields || {}).forEach(function (k) { fd.append(k, fields[k]); });
    return fetch(url, { method: 'POST', body: fd, credentials: 'same-origin', headers: { 'X-CSRF-Token': csrf() } });
  }

  // Share links (ticket page): the new link's field shows the full address,
  // and its Copy button copies it (the field stays selectable without JS).
  $$('input[data-share-url]').forEach(function (input) {
    try { input.value = new URL(input.value, window.location.href).href; } catch (e) { /* keep the path */ }
    var btn = doc.getElementById(input.getAttribute('data-share-url'));
    if (!btn) { return; }
    btn.hidden = false;
    btn.addEventListener('click', function () {
      input.select();
      var done = function () { btn.textContent = btn.getAttribute('data-copied') || btn.textContent; };
      var fallback = function () { if (doc.execCommand && doc.execCommand('copy')) { done(); } };
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(input.value).then(done, fallback);
      } else {
        fallback();
      }
    });
  });

  // fetchDoc loads a page of ours and parses it (scripts in it never run).
  function fetchDoc(url) {
    return fetch(url, { credentials: 'same-origin', headers: { 'Accept': 'text/html' } }).then(function (r) {
      if (!r.ok) { throw new Error('HTTP ' + r.status); }
      return r.text();
    }).then(function (html) { return new DOMParser().parseFromString(html, 'text/html'); });
  }

  function replaceFrom(fresh, id) {
    var cur = doc.getElementById(id), next = fresh.getElementById(id);
    if (cur && next) { cur.replaceWith(doc.importNode(next, true)); return true; }
    return false;
  }

  function debounce(fn, ms) {
    var t = null;
    return function () { clearTimeout(t); t = setTimeout(fn, ms); };
  }

  function typingTarget(e) {
    var t = e.target;
    return t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName));
  }

  // Language switcher: submit on change.
  $$('select[data-autosubmit]').forEach(function (sel) {
    sel.addEventListener('change', function () { sel.form.requestSubmit(); });
  });

  var body = doc.body;
  var section = body.getAttribute('data-section');
  var me = body.getAttribute('data-user-id');
  var ticketID = body.getAttribute('data-ticket-id');
  var agent = section === 'agent' || section === 'admin';

  // ----- Keyboard shortcuts -------------------------------------------
  var dialog = $('#shortcuts-dialog');
  function showHelp() { if (dialog && !dialog.open) { dialog.showModal(); } }
  $$('[data-action="shortcuts"]').forEach(function (b) { b.addEventListener('click', showHelp); });

  // Ticket lists: j/k move the selection, o/Enter open it.
  var selected = -1;
  function rows() { return $$('table[data-ticket-list] tbody tr[data-href]'); }
  function select(i) {
    var rs = rows();
    if (!rs.length) { return; }
    i = Math.max(0, Math.min(rs.length - 1, i));
    rs.forEach(function (r) { r.classList.remove('is-selected'); r.removeAttribute('aria-selected'); });
    rs[i].classList.add('is-selected');
    rs[i].setAttribute('aria-selected', 'true');
    var link = $('a', rs[i].querySelector('.subject') || rs[i]);
    if (link) { link.focus({ preventScroll: true }); }
    rs[i].scrollIntoView({ block: 'nearest' });
    selected = i;
  }
  function rememberList() {
    var ids = rows().map(function (r) { return r.getAttribute('data-ticket-id'); });
    if (ids.length) {
      try { sessionStorage.setItem('fd.list', JSON.stringify({ ids: ids, url: location.pathname + location.search })); } catch (e) { /* private mode */ }
    }
  }
  function openSelected() {
    var rs = rows();
    if (selected >= 0 && rs[selected]) { rememberList(); location.href = rs[selected].getAttribute('data-href'); }
  }
  doc.addEventListener('click', function (e) {
    var a = e.target.closest && e.target.closest('table[data-ticket-list] a');
    if (a) { rememberList(); }
  });

  // On a ticket page, j/k go to the next/previous ticket of the list the
  // agent came from.
  function neighbour(step) {
    try {
      var list = JSON.parse(sessionStorage.getItem('fd.list') || 'null');
      if (!list) { return; }
      var i = list.ids.indexOf(String(ticketID));
      var j = i + step;
      if (i >= 0 && j >= 0 && j < list.ids.length) { location.href = '/agent/tickets/' + list.ids[j]; }
    } catch (e) { /* ignore */ }
  }

  var form = $('#ticket-form');
  var reply = $('#reply-body');
  // A shortcut's own key must not reach the box it focuses: browsers drop
  // the keypress of a cancelled keydown, but a key sent as separate down,
  // char and up events (automation, some IMEs) still types it. Drop any
  // keypress until this key is released.
  function swallowKeypress() {
    function stop(e) { e.preventDefault(); }
    doc.addEventListener('keypress', stop, true);
    doc.addEventListener('keyup', function () { doc.removeEventListener('keypress', stop, true); }, { once: true, capture: true });
  }

  function setKind(kind) {
    swallowKeypress();
    var radio = form && form.querySelector('input[data-kind="' + kind + '"]');
    if (radio) { radio.checked = true; radio.dispatchEvent(new Event('change', { bubbles: true })); }
    // Focus after this key's event has finished, so the key itself is not
    // typed into the box.
    if (reply) { setTimeout(function () { reply.focus(); }, 0); }
  }

  doc.addEventListener('keydown', function (e) {
    if ((e.ctrlKey || e.metaKey) && e.key === 'Enter') {
      var f = e.target && e.target.form;
      if (f && f.id === 'ticket-form') { e.preventDefault(); f.requestSubmit(); }
      return;
    }
    if (!agent || e.ctrlKey || e.metaKey || e.altKey || typingTarget(e)) { return; }
    if (dialog && dialog.open) { return; }
    switch (e.key) {
      case '?': e.preventDefault(); showHelp(); break;
      case '/': var s = $('[data-shortcut="search"]'); if (s) { e.preventDefault(); s.focus(); } break;
      case 'j': if (ticketID) { neighbour(1); } else { select(selected + 1); } break;
      case 'k': if (ticketID) { neighbour(-1); } else { select(selected - 1); } break;
      case 'o': case 'Enter': if (!ticketID && selected >= 0) { e.preventDefault(); openSelected(); } break;
      case 'r': if (form) { e.preventDefault(); setKind('public'); } break;
      case 'n': if (form) { e.preventDefault(); setKind('internal'); } break;
    }
  });

  // Bulk selection.
  doc.addEventListener('change', function (e) {
    if (e.target.matches && e.target.matches('[data-select-all]')) {
      $$('input[name="ids"]').forEach(function (c) { c.checked = e.target.checked; });
    }
  });

  // ----- Reply box: public reply or internal note ----------------------
  if (form && reply) {
    var applyKind = function () {
      var internal = !!form.querySelector('input[data-kind="internal"]:checked');
      form.classList.toggle('is-internal', internal);
      reply.setAttribute('placeholder', reply.getAttribute(internal ? 'data-placeholder-internal' : 'data-placeholder-public') || '');
    };
    form.addEventListener('change', function (e) { if (e.target.name === 'public') { applyKind(); } });
    applyKind();
  }

  if (!agent || !window.EventSource) { return; }

  // Mark the page live while its event stream is connected.
  function live(es) {
    es.addEventListener('open', function () { body.setAttribute('data-live', '1'); });
    es.addEventListener('error', function () { body.removeAttribute('data-live'); });
    return es;
  }

  function showLiveNote() {
    var n = $('#live-note');
    if (n) { n.hidden = false; }
  }

  // ----- Views: live refresh ---------------------------------------------
  if (!ticketID && $('#view-results')) {
    var refreshView = debounce(function () {
      var checked = $$('input[name="ids"]:checked').map(function (c) { return c.value; });
      var sel = selected >= 0 && rows()[selected] ? rows()[selected].getAttribute('data-ticket-id') : null;
      fetchDoc(location.href).then(function (fresh) {
        replaceFrom(fresh, 'view-list');
        replaceFrom(fresh, 'view-results');
        checked.forEach(function (id) {
          var c = $('input[name="ids"][value="' + id + '"]');
          if (c) { c.checked = true; }
        });
        if (sel) {
          var i = rows().findIndex(function (r) { return r.getAttribute('data-ticket-id') === sel; });
          if (i >= 0) { select(i); }
        }
        showLiveNote();
      }).catch(function () { /* try again on the next event */ });
    }, 250);
    var es = live(new EventSource('/agent/events'));
    es.addEventListener('ticket', refreshView);
  }

  // ----- Ticket page: live thread, presence and typing -------------------
  if (ticketID) {
    var base = '/agent/tickets/' + ticketID;
    var refreshPresence = debounce(function () {
      fetchDoc(base + '/presence').then(function (fresh) {
        var box = $('#presence');
        if (box) { box.replaceChildren.apply(box, Array.prototype.map.call(fresh.body.childNodes, function (n) { return doc.importNode(n, true); })); }
      }).catch(function () {});
    }, 100);
    var refreshThread = debounce(function () {
      var hist = $('#history');
      var open = hist && hist.open;
      fetchDoc(location.pathname).then(function (fresh) {
        replaceFrom(fresh, 'thread');
        replaceFrom(fresh, 'history');
        replaceFrom(fresh, 'ticket-status');
        if (open && $('#history')) { $('#history').open = true; }
        showLiveNote();
      }).catch(function () {});
    }, 250);
    var stream = live(new EventSource('/agent/events?ticket=' + encodeURIComponent(ticketID)));
    stream.addEventListener('presence', refreshPresence);
    stream.addEventListener('ticket', function (e) {
      var data = {};
      try { data = JSON.parse(e.data); } catch (err) { /* ignore */ }
      if (String(data.actor_id) !== String(me)) { refreshThread(); }
    });

    var ping = function () { post(base + '/presence', {}).catch(function () {}); };
    ping();
    setInterval(ping, 10000);
    if (reply) {
      var lastTyping = 0;
      reply.addEventListener('input', function () {
        var now = Date.now();
        if (now - lastTyping > 3000) {
          lastTyping = now;
          post(base + '/presence', { typing: '1' }).catch(function () {});
        }
      });
    }
    window.addEventListener('pagehide', function () {
      var fd = new URLSearchParams();
      fd.append('csrf_token', csrf());
      fd.append('leave', '1');
      if (navigator.sendBeacon) { navigator.sendBeacon(base + '/presence', fd); }
    });
  }
})();
