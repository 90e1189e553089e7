(function () {
  // Each pushed snapshot carries every section, rendered and escaped by the server's templates; only the sections
  // whose markup changed are replaced. Values this script writes itself (ages, the connection state) go in as
  // textContent, never as markup. Ages are counted here from the timestamps, so the server pushes only on change.
  window.boardUpdates = 0;
  var shown = {};
  function ages() {
    document.querySelectorAll('[data-since]').forEach(function (e) {
      var at = Date.parse(e.getAttribute('data-since'));
      if (isNaN(at)) { return; }
      var s = Math.max(0, Math.round((Date.now() - at) / 1000));
      e.textContent = s < 120 ? s + ' s' : s < 7200 ? Math.round(s / 60) + ' min' : Math.round(s / 3600) + ' h';
    });
  }
  ages();
  setInterval(ages, 1000);
  var live = document.getElementById('live');
  if (!window.EventSource) { live.textContent = 'live updates: not supported by this browser (reload to refresh)'; return; }
  var source = new EventSource('/ui/board/events');
  source.onopen = function () { live.textContent = 'live updates: connected'; };
  source.onerror = function () { live.textContent = 'live updates: reconnecting'; };
  source.onmessage = function (message) {
    var sections = JSON.parse(message.data).sections;
    Object.keys(sections).forEach(function (id) {
      var element = document.getElementById(id);
      if (element && element.hasAttribute('data-section') && shown[id] !== sections[id]) {
        element.innerHTML = sections[id];
        shown[id] = sections[id];
      }
    });
    window.boardUpdates++;
    ages();
    live.textContent = 'live updates: connected, last change ' + new Date().toLocaleTimeString();
  };
})();
