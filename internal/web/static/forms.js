// Frontdesk — conditional fields of the portal's web form. The form's
// end-user conditions (data-conditions) show a child field only while a
// condition's parent field has the condition's value, and may make it
// required. Hidden fields are disabled, so they are not sent. Without this
// script every field shows and the server applies the same rules.
(function () {
  'use strict';

  var form = document.querySelector('form[data-conditions]');
  if (!form) { return; }
  var conds;
  try { conds = JSON.parse(form.getAttribute('data-conditions') || '[]') || []; } catch (e) { return; }
  if (!conds.length) { return; }

  function wrapper(id) { return form.querySelector('[data-field-id="' + id + '"]'); }

  var isChild = {};
  conds.forEach(function (c) { (c.child_fields || []).forEach(function (ch) { isChild[ch.id] = true; }); });

  // value is a field's current value: a checkbox's state, else the input's text.
  function value(id) {
    var w = wrapper(id);
    if (!w) { return undefined; }
    if (w.getAttribute('data-field-type') === 'checkbox') {
      var box = w.querySelector('input[type=checkbox]');
      return !!(box && box.checked);
    }
    var el = w.querySelector('select, input, textarea');
    return el ? el.value : undefined;
  }

  function evaluate() {
    var shown = {}, required = {}, visiting = {};
    function isShown(id) {
      if (!wrapper(id)) { return false; }
      if (!isChild[id]) { return true; }
      if (id in shown) { return shown[id]; }
      if (visiting[id]) { return false; }
      visiting[id] = true;
      var s = false;
      conds.forEach(function (c) {
        if (!isShown(c.parent_field_id) || value(c.parent_field_id) !== c.value) { return; }
        (c.child_fields || []).forEach(function (ch) {
          if (ch.id === id) {
            s = true;
            if (ch.is_required) { required[id] = true; }
          }
        });
      });
      shown[id] = s;
      return s;
    }
    Object.keys(isChild).forEach(function (key) {
      var id = Number(key), w = wrapper(id);
      if (!w) { return; }
      var on = isShown(id);
      var must = on && (required[id] || w.getAttribute('data-required') === 'true');
      w.hidden = !on;
      Array.prototype.forEach.call(w.querySelectorAll('input, select, textarea'), function (el) {
        el.disabled = !on;
        if (el.type !== 'checkbox') {
          el.required = must;
          if (must) { el.setAttribute('aria-required', 'true'); } else { el.removeAttribute('aria-required'); }
        }
      });
      var marker = w.querySelector('[data-req-marker]');
      if (marker) { marker.hidden = !must; }
    });
  }

  form.addEventListener('change', evaluate);
  form.addEventListener('input', evaluate);
  evaluate();
}());
