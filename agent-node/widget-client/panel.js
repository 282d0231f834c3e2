// The website widget's panel, framed from the node (/widget/frame). Plain DOM; every text is set
// with textContent, so HTML in a message is shown as text. Nothing is written to the browser
// before consent: the banner's "Accept" (or, in "strictly necessary" mode, the first message).
// Declined: the conversation lives in this page's memory only.
import { createStream } from './stream.js';

var params = new URLSearchParams(location.hash.slice(1));
var hostOrigin = params.get('host');
var identity = params.get('uid') && params.get('uh') ? { userId: params.get('uid'), userHash: params.get('uh') } : null;

var ERRORS = {
  rate_limited: 'You are sending messages too quickly.',
  payload_too_large: 'That message is too long.',
  validation_failed: 'Please check what you entered.',
  forbidden: 'This chat is not available here.',
  not_found: 'This conversation has ended. Send a message to start a new one.',
};

/** What the host page kept for this panel (handed over in the fragment, never sent to the server). */
function readStored() {
  try {
    return JSON.parse(params.get('state') || '{}') || {};
  } catch (e) {
    return {};
  }
}

/** Asks the host page (the loader) to keep `value`, or to forget it when null. */
function store(value) {
  if (hostOrigin) parent.postMessage({ type: 'enclave-widget:store', value: value }, hostOrigin);
}

var stored = readStored();
var state = {
  settings: null,
  consent: stored.consent === 'accepted' ? 'accepted' : null,
  conversationId: stored.conversationId || null,
  prechat: null,
  stream: null,
  seen: new Set(),
  pending: new Map(),
};

function persist() {
  var allowed =
    state.consent === 'accepted' || (state.settings.consent === 'strictly_necessary' && state.conversationId);
  if (!allowed) return;
  store(JSON.stringify({ consent: state.consent || undefined, conversationId: state.conversationId || undefined }));
}

function el(tag, attrs, text) {
  var node = document.createElement(tag);
  for (var k in attrs || {}) node.setAttribute(k, attrs[k]);
  if (text !== undefined) node.textContent = text;
  return node;
}

var ui = {};

function render(s) {
  document.body.textContent = '';
  var style = el('style');
  style.textContent =
    'body{margin:0;font:14px/1.4 system-ui,sans-serif;display:flex;flex-direction:column;height:100vh;color:#111}' +
    'header{background:' +
    s.color +
    ';color:#fff;padding:12px 14px;display:flex;justify-content:space-between;align-items:center}' +
    'header h1{font-size:16px;margin:0}header button{background:none;border:0;color:#fff;font-size:18px;cursor:pointer}' +
    '.notice{background:#fff7e6;padding:8px 14px;font-size:13px}.consent{padding:10px 14px;background:#f3f4f6}' +
    '.consent button,form button,.composer button{margin:6px 6px 0 0;padding:6px 12px;border-radius:6px;border:1px solid ' +
    s.color +
    ';background:' +
    s.color +
    ';color:#fff;cursor:pointer}' +
    '.consent button.secondary{background:#fff;color:' +
    s.color +
    '}' +
    'form{padding:10px 14px;display:flex;flex-direction:column;gap:6px}form label{display:flex;flex-direction:column;font-size:12px}' +
    'input,textarea{font:inherit;padding:6px;border:1px solid #ccc;border-radius:6px}' +
    '[role=log]{flex:1;overflow-y:auto;padding:10px 14px;display:flex;flex-direction:column;gap:6px}' +
    '.msg{max-width:80%;padding:7px 10px;border-radius:10px;white-space:pre-wrap;word-wrap:break-word}' +
    '.visitor{align-self:flex-end;background:' +
    s.color +
    ';color:#fff}.agent,.team{align-self:flex-start;background:#f1f1f1}' +
    '.streaming{opacity:.75}[role=alert]{color:#b91c1c;padding:0 14px;font-size:13px}' +
    '.composer{display:flex;flex-direction:row;align-items:flex-end;gap:6px;padding:10px 14px;border-top:1px solid #eee}.composer textarea{flex:1;resize:none;height:38px}';
  document.head.appendChild(style);
  var header = el('header');
  header.appendChild(el('h1', {}, s.title));
  var close = el('button', { type: 'button', 'aria-label': 'Close chat' }, '\u00d7');
  close.onclick = function () {
    if (hostOrigin) parent.postMessage('enclave-widget:close', hostOrigin);
  };
  header.appendChild(close);
  document.body.appendChild(header);
  if (!s.open && s.awayMessage)
    document.body.appendChild(el('div', { class: 'notice', role: 'status' }, s.awayMessage));
  ui.consent = el('div', { class: 'consent', role: 'region', 'aria-label': 'Consent' });
  ui.form = el('form', { 'aria-label': 'Before we start' });
  ui.log = el('div', { role: 'log', 'aria-label': 'Messages', 'aria-live': 'polite' });
  ui.error = el('div', { role: 'alert' });
  ui.composer = el('form', { class: 'composer', 'aria-label': 'Write a message' });
  ui.text = el('textarea', { 'aria-label': 'Message', maxlength: String(s.maxMessageLength) });
  ui.send = el('button', { type: 'submit' }, 'Send');
  ui.composer.appendChild(ui.text);
  ui.composer.appendChild(ui.send);
  ui.composer.onsubmit = function (e) {
    e.preventDefault();
    send();
  };
  ui.text.onkeydown = function (e) {
    if (e.key === 'Enter' && !e.shiftKey) {
      e.preventDefault();
      send();
    }
  };
  [ui.consent, ui.form, ui.log, ui.error, ui.composer].forEach(function (n) {
    document.body.appendChild(n);
  });
  if (s.greeting) ui.log.appendChild(el('div', { class: 'msg agent' }, s.greeting));
  step();
}

/** Shows what comes next: the consent banner, the pre-chat form, or the conversation. */
function step() {
  var s = state.settings;
  var needsConsent = s.consent === 'banner' && !state.consent;
  ui.consent.hidden = !needsConsent;
  ui.consent.textContent = '';
  if (needsConsent) {
    ui.consent.appendChild(el('p', {}, s.consentText));
    var accept = el('button', { type: 'button' }, 'Accept');
    var decline = el('button', { type: 'button', class: 'secondary' }, 'Decline');
    accept.onclick = function () {
      state.consent = 'accepted';
      persist();
      step();
    };
    decline.onclick = function () {
      state.consent = 'declined';
      step();
    };
    ui.consent.appendChild(accept);
    ui.consent.appendChild(decline);
  }
  var fields = ['name', 'email', 'phone'].filter(function (f) {
    return s.prechat[f] !== 'off';
  });
  var needsPrechat = !needsConsent && !state.conversationId && !state.prechat && fields.length > 0;
  ui.form.hidden = !needsPrechat;
  ui.form.textContent = '';
  if (needsPrechat) prechatForm(fields);
  ui.composer.hidden = needsConsent || needsPrechat;
  if (!ui.composer.hidden) ui.text.focus();
}

function prechatForm(fields) {
  var labels = { name: 'Name', email: 'Email', phone: 'Phone' };
  var types = { name: 'text', email: 'email', phone: 'tel' };
  var inputs = {};
  fields.forEach(function (f) {
    var label = el('label', {}, labels[f] + (state.settings.prechat[f] === 'required' ? ' *' : ''));
    var input = el('input', { type: types[f], name: f });
    if (state.settings.prechat[f] === 'required') input.required = true;
    label.appendChild(input);
    ui.form.appendChild(label);
    inputs[f] = input;
  });
  ui.form.appendChild(el('button', { type: 'submit' }, 'Start chat'));
  ui.form.onsubmit = function (e) {
    e.preventDefault();
    var answers = {};
    fields.forEach(function (f) {
      if (inputs[f].value.trim()) answers[f] = inputs[f].value.trim();
    });
    state.prechat = answers;
    step();
  };
}

function showError(body) {
  var code = body && body.error ? body.error.code : 'network';
  var text = ERRORS[code] || 'The message could not be sent. Please try again.';
  var details = body && body.error && body.error.details;
  if (code === 'rate_limited' && details && details.retryAfter) text += ' Try again in ' + details.retryAfter + ' s.';
  if (code === 'payload_too_large' && details && details.maxLength)
    text += ' At most ' + details.maxLength + ' characters.';
  ui.error.textContent = text;
}

function randomId() {
  var bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, function (b) {
    return ('0' + b.toString(16)).slice(-2);
  }).join('');
}

function send() {
  var text = ui.text.value;
  if (!text.trim()) return;
  ui.error.textContent = '';
  var message = { text: text, clientId: randomId() };
  var starting = !state.conversationId;
  var url = starting ? '/widget/api/conversations' : '/widget/api/conversations/' + state.conversationId + '/messages';
  var body = starting ? { message: message, prechat: state.prechat || {} } : message;
  if (starting && identity) body.identity = identity;
  ui.send.disabled = true;
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
    .then(function (res) {
      return res.json().then(function (json) {
        if (!res.ok) {
          if (res.status === 404 && !starting) forget();
          return showError(json);
        }
        ui.text.value = '';
        if (starting) {
          state.conversationId = json.conversationId;
          persist();
          connect();
        }
      });
    })
    .catch(function () {
      showError(null);
    })
    .then(function () {
      ui.send.disabled = false;
    });
}

/** The conversation is gone (erased, purged): start over. */
function forget() {
  if (state.stream) state.stream.close();
  state.stream = null;
  state.conversationId = null;
  if (state.consent === 'accepted') store(JSON.stringify({ consent: 'accepted' }));
  else if (state.settings.consent === 'strictly_necessary') store(null);
}

function onEvent(e) {
  if (state.seen.has(e.id)) return;
  state.seen.add(e.id);
  if (e.replyTo !== null && state.pending.has(e.replyTo)) {
    state.pending.get(e.replyTo).remove();
    state.pending.delete(e.replyTo);
  }
  ui.log.appendChild(el('div', { class: 'msg ' + e.from, 'data-event-id': String(e.id) }, e.text));
  ui.log.scrollTop = ui.log.scrollHeight;
}

function onDelta(d) {
  var bubble = state.pending.get(d.replyTo);
  if (!bubble) {
    bubble = el('div', { class: 'msg agent streaming', 'aria-busy': 'true' }, '');
    state.pending.set(d.replyTo, bubble);
    ui.log.appendChild(bubble);
  }
  bubble.textContent += d.text;
  ui.log.scrollTop = ui.log.scrollHeight;
}

function connect() {
  if (!state.conversationId || state.stream) return;
  state.stream = createStream(state.conversationId, {
    onEvent: onEvent,
    onDelta: onDelta,
    onGone: forget,
    onForbidden: function () {
      showError({ error: { code: 'forbidden' } });
    },
    onReconnect: function () {
      // Fragments of a reply in progress are not replayed; its stored message follows.
      state.pending.forEach(function (b) {
        b.remove();
      });
      state.pending.clear();
    },
  });
}

fetch('/widget/settings', { credentials: 'same-origin' })
  .then(function (res) {
    return res.ok ? res.json() : Promise.reject(res.status);
  })
  .then(function (settings) {
    state.settings = settings;
    render(settings);
    connect();
  })
  .catch(function () {
    document.body.textContent = 'This chat is not available.';
  });
