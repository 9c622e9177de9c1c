// Frontdesk help center: the editor's live Markdown preview and the web
// form's article suggestions. No inline code, no eval (see the CSP).
(function () {
  'use strict';
  var doc = document;
  function $(sel, root) { return (root || doc).querySelector(sel); }
  function csrf() { var m = $('meta[name="csrf-token"]'); return m ? m.getAttribute('content') : ''; }
  function post(url, fields, accept) {
    var fd = new URLSearchParams();
    fd.append('csrf_token', csrf());
    Object.keys(fields).forEach(function (k) { fd.append(k, fields[k]); });
    return fetch(url, { method: 'POST', body: fd, credentials: 'same-origin',
      headers: { 'X-CSRF-Token': csrf(), 'Accept': accept || 'application/json' } });
  }
  function debounce(fn, ms) {
    var t = null;
    return function () { clearTimeout(t); t = setTimeout(fn, ms); };
  }

  // Live preview: the server renders and sanitises the Markdown exactly as
  // the article page will.
  var body = $('#hc-body'), preview = $('#hc-preview');
  if (body && preview) {
    var refresh = function () {
      post('/agent/hc/preview', { body: body.value }).then(function (r) {
        if (!r.ok) { throw new Error('HTTP ' + r.status); }
        return r.json();
      }).then(function (j) { preview.innerHTML = j.html; }).catch(function () {});
    };
    body.addEventListener('input', debounce(refresh, 300));
    refresh();
    // Attachments: "Insert" puts the file's Markdown (an image for inline
    // ones) at the cursor of the text, and the preview follows.
    Array.prototype.forEach.call(doc.querySelectorAll('.hc-insert'), function (btn) {
      btn.hidden = false;
      btn.addEventListener('click', function () {
        var md = btn.getAttribute('data-md'), at = body.selectionStart || body.value.length;
        body.value = body.value.slice(0, at) + md + body.value.slice(body.selectionEnd || at);
        body.focus();
        body.selectionStart = body.selectionEnd = at + md.length;
        refresh();
      });
    });
  }

  // Web form: suggest up to three articles while the subject is typed.
  var subject = $('#wf-subject'), box = $('#hc-suggestions');
  if (subject && box) {
    var loc = box.getAttribute('data-locale'), list = $('ul', box), asked = '';
    var suggest = function () {
      var q = subject.value.trim();
      if (q === asked) { return; }
      asked = q;
      if (q.length < 3) { box.hidden = true; return; }
      fetch('/hc/' + encodeURIComponent(loc) + '/suggestions.json?query=' + encodeURIComponent(q), { credentials: 'same-origin' })
        .then(function (r) { return r.json(); })
        .then(function (j) {
          list.textContent = '';
          (j.results || []).forEach(function (a) {
            var li = doc.createElement('li'), link = doc.createElement('a'), btn = doc.createElement('button');
            link.href = a.html_url; link.textContent = a.title; link.target = '_blank'; link.rel = 'noopener';
            btn.type = 'button'; btn.className = 'small'; btn.textContent = box.getAttribute('data-answered');
            btn.addEventListener('click', function () {
              post(a.html_url + '/answered', { query: q }).then(function (r) {
                if (r.ok) {
                  box.textContent = '';
                  var p = doc.createElement('p'); p.setAttribute('role', 'status'); p.className = 'flash';
                  p.textContent = box.getAttribute('data-thanks');
                  box.append(p);
                }
              });
            });
            li.append(link, ' ', btn);
            list.append(li);
          });
          box.hidden = list.children.length === 0;
        }).catch(function () { box.hidden = true; });
    };
    subject.addEventListener('input', debounce(suggest, 250));
  }

  // Agent ticket page: insert a link to a related article into the reply.
  doc.addEventListener('click', function (ev) {
    var btn = ev.target.closest ? ev.target.closest('[data-hc-insert]') : null;
    if (!btn) { return; }
    var reply = $('#reply-body') || $('textarea[name="body"]');
    if (!reply) { return; }
    var text = btn.getAttribute('data-title') + ': ' + location.origin + btn.getAttribute('data-hc-insert');
    reply.value = reply.value ? reply.value.replace(/\s*$/, '') + '\n\n' + text : text;
    reply.focus();
  });
})();
