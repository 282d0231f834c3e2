// How the panel follows its conversation: Server-Sent Events (the browser resumes with
// Last-Event-ID after a drop), or long-polling where SSE is blocked (no EventSource, or a stream
// that never opens). Stored events carry monotonic ids and are shown once; deltas carry none.

export function createStream(conversationId, handlers) {
  var base = '/widget/api/conversations/' + encodeURIComponent(conversationId);
  var lastId = 0;
  var closed = false;
  var source = null;
  var failures = 0;
  var opened = false;

  function event(data) {
    if (data.id > lastId) lastId = data.id;
    handlers.onEvent(data);
  }

  function sse() {
    source = new EventSource(base + '/events?after=' + lastId);
    source.addEventListener('message', function (e) {
      event(JSON.parse(e.data));
    });
    source.addEventListener('delta', function (e) {
      handlers.onDelta(JSON.parse(e.data));
    });
    source.onopen = function () {
      if (opened) handlers.onReconnect();
      opened = true;
      failures = 0;
    };
    source.onerror = function () {
      failures++;
      if (source.readyState === EventSource.CLOSED || (!opened && failures >= 3)) {
        source.close();
        source = null;
        // Gone (404), or SSE blocked: ask once, then long-poll.
        poll(true);
      }
    };
  }

  function poll(immediate) {
    if (closed) return;
    fetch(base + '/poll?after=' + lastId + (immediate ? '&wait=0' : ''), { credentials: 'same-origin' })
      .then(function (res) {
        if (res.status === 404) {
          closed = true;
          return handlers.onGone();
        }
        if (res.status === 403) {
          closed = true; // identity verification now required: this conversation may not go on
          return handlers.onForbidden();
        }
        if (!res.ok) throw new Error(String(res.status));
        return res.json().then(function (body) {
          body.events.forEach(event);
          poll(false);
        });
      })
      .catch(function () {
        setTimeout(function () {
          poll(false);
        }, 2000);
      });
  }

  if (typeof EventSource === 'function') sse();
  else poll(true);

  return {
    close: function () {
      closed = true;
      if (source) source.close();
    },
  };
}
