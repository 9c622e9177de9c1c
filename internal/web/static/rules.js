// Frontdesk — the trigger and automation builder. The page is a plain form
// of rows (blank rows at the end of each list) that works without
// JavaScript; this script adds a row to a list (a copy of its last row,
// emptied) and removes rows, keeping at least one in each list.
(function () {
  'use strict';

  var form = document.getElementById('rule-form');
  if (!form) { return; }

  function rowsOf(name) { return form.querySelector('[data-rule-rows="' + name + '"]'); }

  function clear(row) {
    row.querySelectorAll('input, textarea').forEach(function (el) { el.value = ''; });
    row.querySelectorAll('select').forEach(function (el) { el.selectedIndex = 0; });
  }

  // renumber keeps each row's accessible names ("Field 3") in step.
  function renumber(tbody) {
    Array.prototype.forEach.call(tbody.querySelectorAll('[data-rule-row]'), function (row, i) {
      row.querySelectorAll('[aria-label]').forEach(function (el) {
        el.setAttribute('aria-label', el.getAttribute('aria-label').replace(/\s*\d+$/, '') + ' ' + (i + 1));
      });
    });
  }

  function wire(row) {
    var btn = row.querySelector('[data-rule-remove]');
    if (!btn) { return; }
    btn.hidden = false;
    btn.addEventListener('click', function () {
      var tbody = row.parentNode;
      if (tbody.querySelectorAll('[data-rule-row]').length > 1) {
        tbody.removeChild(row);
        renumber(tbody);
      } else {
        clear(row);
      }
    });
  }

  form.querySelectorAll('[data-rule-row]').forEach(wire);
  form.querySelectorAll('[data-rule-add]').forEach(function (btn) {
    btn.hidden = false;
    btn.addEventListener('click', function () {
      var tbody = rowsOf(btn.getAttribute('data-rule-add'));
      var rows = tbody.querySelectorAll('[data-rule-row]');
      var copy = rows[rows.length - 1].cloneNode(true);
      clear(copy);
      tbody.appendChild(copy);
      wire(copy);
      renumber(tbody);
      var first = copy.querySelector('input, select');
      if (first) { first.focus(); }
    });
  });
})();
