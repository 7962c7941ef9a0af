// Help portal: gets a Direct Line token from our own server (the secret never reaches the
// browser), renders Web Chat from /vendor/webchat.js, and sends `webchat/join` once connected
// so the assistant greets before the visitor types. Every text comes from the page: the server
// writes them in the page's language into #portal-strings, and the locale into data-locale.
(function () {
  'use strict';

  var statusEl = document.getElementById('chat-status');
  var alertEl = document.getElementById('chat-alert');
  var host = document.getElementById('webchat');
  // The server puts a fresh nonce on this tag; Web Chat puts it on the <style> elements it adds.
  var nonce = document.currentScript ? document.currentScript.nonce : undefined;
  // The page's language as a full tag (es-MX when the browser says so), for Web Chat's own
  // texts and for the bot, which reads the phone country from it.
  var locale = host.getAttribute('data-locale') || document.documentElement.lang;
  var strings = JSON.parse(document.getElementById('portal-strings').textContent);

  // The token endpoint's error codes and the texts they show.
  var ERROR_TEXTS = {
    rate_limited: 'errors.rateLimited',
    chat_not_configured: 'errors.notConfigured',
    chat_unavailable: 'errors.generic',
  };

  function showFailure(key) {
    statusEl.textContent = '';
    host.hidden = true;
    alertEl.textContent = strings[key] || strings['errors.generic'];
  }

  // One look: suggested actions drawn like the card buttons (portal.css styles those with the
  // same values), the page's font and accent, no upload button (the assistant reads text only).
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
    suggestedActionBackgroundColor: '#ffffff',
    suggestedActionBorderColor: '#0b5cad',
    suggestedActionBorderStyle: 'solid',
    suggestedActionBorderWidth: 1,
    suggestedActionBorderRadius: 6,
    suggestedActionTextColor: '#0b5cad',
    suggestedActionBackgroundColorOnHover: '#f3f5f8',
    // The page's focus ring (portal.css --focus), as on the card buttons.
    suggestedActionKeyboardFocusIndicatorBorderColor: '#b35900',
    suggestedActionKeyboardFocusIndicatorBorderStyle: 'solid',
    suggestedActionKeyboardFocusIndicatorBorderWidth: 3,
    suggestedActionKeyboardFocusIndicatorBorderRadius: 4,
    suggestedActionKeyboardFocusIndicatorInset: 2,
    suggestedActionHeight: 40,
    suggestedActionsStackedLayoutButtonTextWrap: true,
    rootHeight: '100%',
    rootWidth: '100%',
  };

  // Web Chat's markdown (window.WebChat.renderMarkdown(markdown, styleOptions, { externalLinkAlt }),
  // which returns HTML) turns bare domains ("Outlook.com") into external links with an icon. Only
  // links the bot wrote ([text](url), or an address with its scheme) stay links: a link whose text
  // is its own address without a scheme is put back as text.
  function renderMarkdown(markdown, options, extra) {
    var template = document.createElement('template');
    template.innerHTML = window.WebChat.renderMarkdown(markdown, options, extra);
    var links = template.content.querySelectorAll('a[href]');
    for (var i = 0; i < links.length; i += 1) {
      var link = links[i];
      var text = (link.textContent || '').trim();
      var href = link.getAttribute('href') || '';
      var bare = text && !/^[a-z][a-z0-9+.-]*:/i.test(text) && /^https?:\/\//i.test(href) && href.replace(/^https?:\/\//i, '').replace(/\/$/, '').toLowerCase() === text.replace(/\/$/, '').toLowerCase();
      if (!bare) continue;
      // Web Chat also puts a zero-width space on each side of a link; the text needs neither.
      var before = link.previousSibling;
      var after = link.nextSibling;
      if (before && before.nodeType === 3) before.data = before.data.replace(/\u200b$/, '');
      if (after && after.nodeType === 3) after.data = after.data.replace(/^\u200b/, '');
      link.replaceWith(document.createTextNode(text));
    }
    return template.innerHTML;
  }

  // On a narrow screen the language links scroll sideways: show the current one.
  function revealCurrentLanguage() {
    var nav = document.querySelector('.languages');
    var current = nav && nav.querySelector('[aria-current]');
    if (!current) return;
    var over = current.getBoundingClientRect().right - nav.getBoundingClientRect().right;
    if (over > 0) nav.scrollLeft += over + 8;
  }

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
      throw new Error('errors.unreachable');
    }
    var body = null;
    try {
      body = await res.json();
    } catch (_) {
      body = null;
    }
    if (!res.ok || !body || typeof body.token !== 'string') {
      var code = body && body.error && body.error.code;
      throw new Error(ERROR_TEXTS[code] || 'errors.generic');
    }
    return body;
  }

  async function start() {
    if (!window.WebChat) {
      showFailure('errors.notLoaded');
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
            statusEl.textContent = strings['status.connected'];
            api.dispatch({ type: 'WEB_CHAT/SEND_EVENT', payload: { name: 'webchat/join', value: { locale: locale } } });
          } else if (action.type === 'DIRECT_LINE/CONNECT_REJECTED') {
            showFailure('errors.generic');
          }
          return next(action);
        };
      };
    });

    window.WebChat.renderWebChat(
      {
        directLine: directLine,
        store: store,
        locale: locale,
        styleOptions: styleOptions,
        renderMarkdown: renderMarkdown,
        nonce: nonce,
        role: 'region',
      },
      host,
    );
    statusEl.textContent = strings['status.connecting'];
  }

  revealCurrentLanguage();
  start();
})();
