// The dashboard's one script (CSP: script-src 'self'): a live SMS segment counter under each reply box,
// and canned replies that fill the box. The encoding rule is the one ivr/sms/segments.py applies
// (GSM-7: 160 / 153 per part, extension characters count twice; anything else UCS-2: 70 / 67).
(function () {
  function count(text, basic, ext) {
    if (!text) return [0, 'GSM-7'];
    var gsm = true, units = 0, i, ch;
    for (i = 0; i < text.length; i++) {
      ch = text.charAt(i);
      if (basic.indexOf(ch) >= 0) units += 1;
      else if (ext.indexOf(ch) >= 0) units += 2;
      else { gsm = false; break; }
    }
    if (!gsm) units = text.length;  // UTF-16 code units, as segments.units counts them
    var single = gsm ? 160 : 70, part = gsm ? 153 : 67;
    return [units <= single ? 1 : Math.ceil(units / part), gsm ? 'GSM-7' : 'UCS-2', units];
  }
  function update(area) {
    var form = area.form, out = form.querySelector('.seg-count');
    var r = count(area.value, area.getAttribute('data-gsm') || '', area.getAttribute('data-ext') || '');
    if (out) {
      var text = out.getAttribute('data-template').replace('{n}', r[0]).replace('{chars}', area.value.length)
        .replace('{enc}', r[1]);
      if (r[0] > 3) text += ' ' + out.getAttribute('data-over');
      out.textContent = text;
      out.className = 'small seg-count' + (r[0] > 3 ? ' error' : '');
    }
  }
  document.querySelectorAll('textarea[data-segments]').forEach(function (area) {
    area.addEventListener('input', function () { update(area); });
    update(area);
  });
  document.querySelectorAll('button.canned-reply').forEach(function (button) {
    button.addEventListener('click', function () {
      var area = button.form.querySelector('textarea[name=body]');
      area.value = area.value ? area.value + '\n' + button.getAttribute('data-text') : button.getAttribute('data-text');
      area.dispatchEvent(new Event('input'));
      area.focus();
    });
  });
  document.querySelectorAll('form[data-confirm]').forEach(function (form) {
    form.addEventListener('submit', function (e) {
      if (!window.confirm(form.getAttribute('data-confirm'))) e.preventDefault();
    });
  });
})();
