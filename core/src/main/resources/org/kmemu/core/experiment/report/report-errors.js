// Every script error and console.error of the page, shown in the pre element #report-errors and counted in
// the html element's data-report-errors, so that a reader sees them and a headless browser's test can check
// for none. Loaded first, in the head: errors before the pre element exists wait in `pending`.
(function () {
  'use strict';
  var pending = [];
  function flush() {
    var pre = document.getElementById('report-errors');
    if (!pre) { return; }
    while (pending.length) {
      pre.textContent += pending.shift() + '\n';
      var root = document.documentElement;
      root.dataset.reportErrors = String(Number(root.dataset.reportErrors || 0) + 1);
    }
    if (pre.textContent) { pre.hidden = false; }
  }
  function show(message) { pending.push(message); flush(); }
  window.reportError = show;
  window.addEventListener('error', function (e) {
    show('error: ' + e.message + (e.filename ? ' (' + e.filename + ':' + e.lineno + ')' : ''));
  });
  window.addEventListener('unhandledrejection', function (e) { show('unhandled rejection: ' + e.reason); });
  var consoleError = console.error;
  console.error = function () {
    show('console.error: ' + Array.prototype.map.call(arguments, String).join(' '));
    return consoleError.apply(console, arguments);
  };
  document.addEventListener('DOMContentLoaded', flush);
})();
