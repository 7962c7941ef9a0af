// Help portal: gets a Direct Line token from our own server (the secret never reaches the
// browser), renders Web Chat from /vendor/webchat.js, and sends `webchat/join` once connected
// so the assistant greets before the visitor types.
(function () {
  'use strict';

  var statusEl = document.getElementById('chat-status');
  var alertEl = document.getElementById('chat-alert');
  var host = document.getElementById('webchat');
  // The server puts a fresh nonce on this tag; Web Chat puts it on the <style> elements it adds.
  var nonce = document.currentScript ? document.currentScript.nonce : undefined;
  var locale = navigator.language || 'en-US';

  var GENERIC_FAILURE = 'The chat could not be started right now. Please try again in a few minutes, or contact your IT helpdesk.';

  function showFailure(message) {
    statusEl.textContent = '';
    host.hidden = true;
    alertEl.textContent = message;
  }

  // Matches the page: same font and accent, no upload button (the assistant reads text only).
  var styleOptions = {
    accent: '#0b5cad',
    primaryFont: '"Segoe UI", system-ui, -apple-system, "Helvetica Neue", Arial, sans-serif',
    backgroundColor: '#ffffff',
    bubbleBorderRadius: 8,
    bubbleFromUserBorderRadius: 8,
    bubbleFromUserBackground: '#0b5cad',
    bubbleFromUserTextColor: '#ffffff',
    bubbleBackground: '#f3f5f8',
    bubbleBorderColor: '#c8ccd4',
    bubbleBorderWidth: 1,
    bubbleFromUserBorderColor: '#0b5cad',
    bubbleFromUserBorderWidth: 1,
    bubbleMaxWidth: 520,
    hideUploadButton: true,
    sendBoxTextWrap: true,
    suggestedActionLayout: 'flow',
    suggestedActionBorderRadius: 6,
    suggestedActionsStackedLayoutButtonTextWrap: true,
    rootHeight: '100%',
    rootWidth: '100%',
  };

  async function requestToken() {
    var res;
    try {
      res = await fetch('/api/directline/token', {
        method: 'POST',
        headers: { Accept: 'application/json' },
        credentials: 'same-origin',
        cache: 'no-store',
      });
    } catch (_) {
      throw new Error('The chat could not reach the server. Please check your connection and reload the page.');
    }
    var body = null;
    try {
      body = await res.json();
    } catch (_) {
      body = null;
    }
    if (!res.ok || !body || typeof body.token !== 'string') {
      var message = body && body.error && typeof body.error.message === 'string' ? body.error.message : GENERIC_FAILURE;
      throw new Error(message);
    }
    return body;
  }

  async function start() {
    if (!window.WebChat) {
      showFailure('The chat could not be loaded. Please reload the page, or contact your IT helpdesk.');
      return;
    }
    var session;
    try {
      session = await requestToken();
    } catch (error) {
      showFailure(error.message);
      return;
    }

    var directLine = window.WebChat.createDirectLine(
      session.domain ? { token: session.token, domain: session.domain } : { token: session.token },
    );

    var store = window.WebChat.createStore({}, function (api) {
      return function (next) {
        return function (action) {
          if (action.type === 'DIRECT_LINE/CONNECT_FULFILLED') {
            statusEl.textContent = 'Connected. Type your message, or choose one of the answers the assistant offers.';
            api.dispatch({ type: 'WEB_CHAT/SEND_EVENT', payload: { name: 'webchat/join', value: { locale: locale } } });
          } else if (action.type === 'DIRECT_LINE/CONNECT_REJECTED') {
            showFailure(GENERIC_FAILURE);
          }
          return next(action);
        };
      };
    });

    window.WebChat.renderWebChat(
      { directLine: directLine, store: store, locale: locale, styleOptions: styleOptions, nonce: nonce, role: 'region' },
      host,
    );
    statusEl.textContent = 'Connecting…';
  }

  start();
})();
