// The website widget's loader: the one script a customer's page embeds
// (<script async src="https://<slug>.<zone>/widget.js">). It draws the launcher and opens the
// panel, framed from the node, on first click. It writes to this page's storage only when the
// panel asks, which it does only after the visitor's consent.
(function () {
  var script = document.currentScript;
  if (!script || window.__enclaveWidget) return;
  window.__enclaveWidget = true;
  var base = new URL(script.src).origin;

  fetch(base + '/widget/settings', { credentials: 'omit' })
    .then(function (res) {
      return res.ok ? res.json() : null;
    })
    .then(function (settings) {
      if (settings) mount(settings);
    })
    .catch(function () {});

  // The panel's frame is third-party here, where browsers may deny it storage: it asks this page
  // to keep its state (only after the visitor's consent; the panel decides when).
  var KEY = 'enclave-widget';
  function load() {
    try {
      return localStorage.getItem(KEY);
    } catch (e) {
      return null;
    }
  }
  function save(value) {
    try {
      if (typeof value === 'string') localStorage.setItem(KEY, value);
      else localStorage.removeItem(KEY);
    } catch (e) {
      /* storage blocked: memory only */
    }
  }

  /** The launcher's icon, drawn (no emoji font needed): a speech bubble, a question mark or a wave. */
  function icon(button, name) {
    if (name === 'help' || name === 'wave') {
      button.textContent = name === 'help' ? '?' : 'Hi';
      return;
    }
    var ns = 'http://www.w3.org/2000/svg';
    var svg = document.createElementNS(ns, 'svg');
    svg.setAttribute('viewBox', '0 0 24 24');
    svg.setAttribute('width', '26');
    svg.setAttribute('height', '26');
    svg.setAttribute('aria-hidden', 'true');
    var path = document.createElementNS(ns, 'path');
    path.setAttribute('fill', 'currentColor');
    path.setAttribute('d', 'M4 3h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2z');
    svg.appendChild(path);
    button.appendChild(svg);
  }

  function mount(s) {
    var host = document.createElement('div');
    host.setAttribute('data-enclave-widget', '');
    var root = host.attachShadow ? host.attachShadow({ mode: 'open' }) : host;
    var side = s.position === 'left' ? 'left' : 'right';
    var style = document.createElement('style');
    style.textContent =
      'button{position:fixed;bottom:20px;' +
      side +
      ':20px;width:56px;height:56px;border-radius:50%;border:0;' +
      'background:' +
      s.color +
      ';color:#fff;font:600 22px system-ui,sans-serif;cursor:pointer;display:grid;place-items:center;box-shadow:0 4px 14px rgba(0,0,0,.25);z-index:2147483000}' +
      'iframe{position:fixed;bottom:88px;' +
      side +
      ':20px;width:370px;height:560px;max-width:calc(100vw - 40px);' +
      'max-height:calc(100vh - 108px);border:0;border-radius:12px;box-shadow:0 8px 30px rgba(0,0,0,.25);background:#fff;z-index:2147483000}';
    var button = document.createElement('button');
    button.type = 'button';
    button.setAttribute('aria-label', s.title);
    button.setAttribute('aria-expanded', 'false');
    icon(button, s.launcherIcon);
    var frame = null;
    button.addEventListener('click', function () {
      if (!frame) {
        frame = document.createElement('iframe');
        frame.title = s.title;
        var identity = window.EnclaveWidget || {};
        var params = new URLSearchParams({ host: location.origin });
        if (identity.userId) params.set('uid', identity.userId);
        if (identity.userHash) params.set('uh', identity.userHash);
        var saved = load();
        if (saved) params.set('state', saved);
        // The fragment never reaches the server (no user id in any log).
        frame.src = base + '/widget/frame#' + params.toString();
        frame.allow = 'clipboard-write';
        root.appendChild(frame);
      } else {
        frame.hidden = !frame.hidden;
      }
      button.setAttribute('aria-expanded', String(!frame.hidden));
    });
    window.addEventListener('message', function (event) {
      if (event.origin !== base || !frame) return;
      if (event.data === 'enclave-widget:close') {
        frame.hidden = true;
        button.setAttribute('aria-expanded', 'false');
      } else if (event.data && event.data.type === 'enclave-widget:store') {
        save(event.data.value);
      }
    });
    root.appendChild(style);
    root.appendChild(button);
    document.body.appendChild(host);
  }
})();
