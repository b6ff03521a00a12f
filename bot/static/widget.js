/* Glückauf chat widget. Embed with one tag:
 *   <script src="https://HOST/widget.js" data-audience="employer" data-language="de" async></script>
 * Renders inside Shadow DOM (the page's CSS cannot break it, it cannot break the page), talks to the service over
 * a WebSocket with acknowledgements and resume-after-id, and falls back to the HTTP chat API. No dependencies. */
(function () {
  "use strict";
  if (window.__glueckaufWidget) return;
  window.__glueckaufWidget = true;

  var script = document.currentScript || document.querySelector('script[src*="widget.js"]');
  var base = new URL(script.src).origin;
  var config = { audience: script.dataset.audience || null, language: script.dataset.language || null };
  var storeKey = "glueckauf:" + base;
  var saved = {};
  try { saved = JSON.parse(localStorage.getItem(storeKey) || "{}"); } catch (e) { saved = {}; }

  var state = {
    id: saved.id || null, token: saved.token || null, lastSeen: saved.lastSeen || 0,
    language: saved.language || config.language || (navigator.language || "de").slice(0, 2),
    // Only the switcher is the user's choice; the page's data-language and the browser's language are hints, which
    // the server drops when the user clearly writes in another language (the panel then follows).
    languageChosen: Boolean(saved.languageChosen),
    audience: saved.audience || config.audience, ui: null, socket: null, retry: 0,
    shown: {}, pending: [], open: false,
  };

  function persist() {
    localStorage.setItem(storeKey, JSON.stringify({
      id: state.id, token: state.token, lastSeen: state.lastSeen, language: state.language, audience: state.audience,
      languageChosen: state.languageChosen,
    }));
  }

  var host = document.createElement("div");
  host.id = "glueckauf-widget";
  document.body.appendChild(host);
  var root = host.attachShadow({ mode: "open" });
  root.innerHTML =
    "<style>" +
    ":host{all:initial}" +
    "*{box-sizing:border-box;font-family:system-ui,'DejaVu Sans',sans-serif}" +
    ".launcher{position:fixed;bottom:20px;inset-inline-end:20px;z-index:2147483000;border:0;border-radius:28px;" +
    "padding:14px 20px;background:#0b57a3;color:#fff;font-size:16px;cursor:pointer;box-shadow:0 2px 8px #0005}" +
    ".panel{position:fixed;bottom:84px;inset-inline-end:20px;z-index:2147483000;width:370px;max-width:calc(100vw - 24px);" +
    "height:560px;max-height:calc(100vh - 110px);display:flex;flex-direction:column;background:#fff;color:#1a1a1a;" +
    "border-radius:12px;box-shadow:0 4px 24px #0006;overflow:hidden}" +
    ".panel[hidden]{display:none}" +
    "header{display:flex;gap:8px;align-items:center;padding:10px 12px;background:#0b57a3;color:#fff}" +
    "header h2{flex:1;font-size:15px;margin:0}" +
    "header select,header button{font-size:14px;border-radius:6px;border:1px solid #fff;padding:4px 6px;background:#fff;color:#1a1a1a}" +
    ".logwrap{flex:1;overflow-y:auto}.log{padding:12px;margin:0;list-style:none}" +
    ".log li{margin:0 0 8px;padding:8px 10px;border-radius:10px;max-width:88%;white-space:pre-wrap;" +
    "overflow-wrap:anywhere;line-height:1.4;font-size:14px;unicode-bidi:plaintext}" +
    ".user{margin-inline-start:auto!important;background:#0b57a3;color:#fff}" +
    ".bot,.advisor{background:#eef1f4}.system{background:#fff4d6;font-size:13px!important}" +
    ".advisor{border-inline-start:4px solid #2e7d32}" +
    ".log a{color:inherit}" +
    ".quick{display:flex;flex-wrap:wrap;gap:6px;padding:0 12px 8px}" +
    ".quick button,.chip{border:1px solid #0b57a3;background:#fff;color:#0b57a3;border-radius:16px;padding:6px 10px;font-size:13px;cursor:pointer}" +
    "a.chip{text-decoration:none}" +
    "form{display:flex;gap:6px;padding:10px;border-top:1px solid #d0d5da}" +
    "textarea{flex:1;resize:none;font-size:14px;padding:8px;border:1px solid #6b7280;border-radius:8px;height:42px}" +
    "form button{border:0;border-radius:8px;background:#0b57a3;color:#fff;padding:0 14px;font-size:14px;cursor:pointer}" +
    ".status{font-size:12px;color:#4a4a4a;padding:0 12px;min-height:16px}" +
    ".typing{font-size:13px;color:#4a4a4a;padding:0 12px 4px}" +
    ".foot{display:flex;justify-content:space-between;gap:8px;padding:0 10px 8px;font-size:12px}" +
    ".foot a,.foot button{color:#0b57a3;font-size:12px}.foot button{border:0;background:none;padding:0;text-decoration:underline;cursor:pointer}" +
    ":focus-visible{outline:3px solid #f0a500;outline-offset:2px}" +
    "@media (max-width:480px){.panel{inset:0;width:100%;max-width:none;height:100%;max-height:none;border-radius:0}}" +
    ".sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}" +
    "</style>" +
    '<button class="launcher" type="button" aria-expanded="false" aria-controls="panel"></button>' +
    '<section class="panel" id="panel" role="dialog" aria-labelledby="title" hidden>' +
    '<header><h2 id="title"></h2><label class="sr" for="lang"></label><select id="lang"></select>' +
    '<button type="button" class="close"></button></header>' +
    '<div class="logwrap" role="log" aria-live="polite" aria-relevant="additions"><ol class="log"></ol></div>' +
    '<div class="typing" aria-hidden="true" hidden>…</div>' +
    '<div class="quick"></div><div class="status" role="status"></div>' +
    '<form><label class="sr" for="input"></label><textarea id="input" maxlength="4000"></textarea>' +
    '<button type="submit"></button></form>' +
    '<div class="foot"><a class="privacy" target="_blank" rel="noopener"></a><button type="button" class="erase" hidden></button></div>' +
    '</section>';

  var $ = function (selector) { return root.querySelector(selector); };
  var launcher = $(".launcher"), panel = $(".panel"), log = $(".log"), logwrap = $(".logwrap");
  var quick = $(".quick"), status = $(".status");
  var input = $("#input"), form = $("form"), select = $("#lang"), typing = $(".typing");
  var privacy = $(".privacy"), erase = $(".erase");

  function t(key) { return (state.ui && state.ui.strings[key]) || key; }

  function http(method, path, body) {
    var headers = { "content-type": "application/json" };
    if (state.token) headers.authorization = "Bearer " + state.token;
    return fetch(base + path, { method: method, headers: headers, body: body ? JSON.stringify(body) : undefined })
      .then(function (response) {
        return response.json().then(function (data) {
          if (!response.ok) { var error = new Error((data.error && data.error.message) || response.status); error.status = response.status; throw error; }
          return data;
        });
      });
  }

  function loadUi(language) {
    return http("GET", "/api/ui/" + language).then(function (ui) {
      state.ui = ui;
      state.language = ui.language;
      panel.setAttribute("dir", ui.direction);
      panel.setAttribute("lang", ui.language);
      launcher.textContent = t(state.open ? "widget_close" : "widget_open");
      $("#title").textContent = t("widget_title");
      $(".close").textContent = "×";
      $(".close").setAttribute("aria-label", t("widget_close"));
      root.querySelector("label[for=lang]").textContent = t("widget_language");
      root.querySelector("label[for=input]").textContent = t("widget_placeholder");
      input.placeholder = t("widget_placeholder");
      form.querySelector("button").textContent = t("widget_send");
      logwrap.setAttribute("aria-label", t("widget_log_label"));
      privacy.textContent = t("widget_privacy");
      privacy.href = base + "/privacy?lang=" + encodeURIComponent(ui.language);
      erase.textContent = t("widget_delete_data");
      select.replaceChildren.apply(select, ui.languages.map(function (l) {
        var option = document.createElement("option");
        option.value = l.code; option.textContent = l.name; option.selected = l.code === ui.language;
        option.lang = l.code;
        return option;
      }));
      renderQuick([]);
    });
  }

  function linkify(node, text) {
    var parts = text.split(/(https?:\/\/[^\s<>"]+)/g);
    parts.forEach(function (part, index) {
      if (index % 2) {
        var a = document.createElement("a");
        a.href = part; a.textContent = part; a.target = "_blank"; a.rel = "noopener noreferrer";
        node.appendChild(a);
      } else if (part) { node.appendChild(document.createTextNode(part)); }
    });
  }

  function show(message, replayed) {
    var key = message.id ? "m" + message.id : "c" + message.client_id;
    if (message.id && message.client_id && state.shown["c" + message.client_id]) {
      state.shown["c" + message.client_id].dataset.id = message.id;
      state.shown["m" + message.id] = state.shown["c" + message.client_id];
      return;
    }
    if (state.shown[key]) return;
    var li = document.createElement("li");
    li.className = message.sender;
    if (message.language) li.lang = message.language;  // read aloud in its own language
    li.dir = "auto";
    linkify(li, message.text);
    log.appendChild(li);
    state.shown[key] = li;
    if (message.id) {
      state.lastSeen = Math.max(state.lastSeen, message.id);
      persist();
    }
    if (message.sender !== "user") {
      typing.hidden = true;
      var buttons = (message.data && message.data.buttons) || [];
      renderQuick(buttons, message);
      if (!replayed && message.language && message.language !== state.language && !state.languageChosen) {
        // The user wrote in another language than the page's: the bot switched, the panel follows.
        loadUi(message.language).then(function () { persist(); renderQuick(buttons, message); });
      }
    }
    logwrap.scrollTop = logwrap.scrollHeight;
  }

  function renderQuick(buttons, message) {
    var chips = buttons.map(function (b) { return chip(b.title, function () { send(b.payload, b.title); }); });
    if (message && message.id && message.data && message.data.rateable && !message.data.feedback) {
      chips.push(chip("👍 " + t("feedback_helpful"), function () { rate(message, true); }));
      chips.push(chip("👎 " + t("feedback_not_helpful"), function () { rate(message, false); }));
    }
    if (state.id && !state.audience && !buttons.length) {  // the bot's own buttons (city, suggestions) come first
      chips = [chip(t("widget_candidate"), function () { chooseAudience("candidate"); }),
               chip(t("widget_employer"), function () { chooseAudience("employer"); })];
    }
    var offersPerson = buttons.some(function (b) { return b.payload === "/request_human"; });
    if (!offersPerson) chips.push(chip(t("widget_human"), askForPerson));  // the bot's own one already asks
    if (state.audience === "employer" && state.ui) {  // the "digital folder": a link, so it opens like one
      state.ui.checklists.forEach(function (c) { chips.push(checklistLink(c)); });
    }
    quick.replaceChildren.apply(quick, chips);
    erase.hidden = !state.id;
  }

  // "Delete my data": the conversation, its messages and everything derived from it, on the server and here.
  erase.addEventListener("click", function () {
    if (!state.id || !window.confirm(t("widget_delete_confirm"))) return;
    fetch(base + "/api/conversations/" + state.id + "/data", {
      method: "DELETE", headers: { authorization: "Bearer " + state.token },
    }).then(function (response) {
      if (!response.ok && response.status !== 404) throw new Error(String(response.status));
      if (state.socket) { state.socket.onclose = null; state.socket.close(); state.socket = null; }
      state.id = null; state.token = null; state.lastSeen = 0; state.shown = {}; state.pending = [];
      persist();
      log.replaceChildren();
      renderQuick([]);
      status.textContent = t("widget_data_deleted");
    }).catch(function (error) { status.textContent = error.message; });
  });

  function checklistLink(checklist) {
    var link = document.createElement("a");
    link.className = "chip"; link.textContent = t("widget_checklist");
    link.href = base + checklist.html;
    link.target = "_blank"; link.rel = "noopener";
    return link;
  }

  function chip(label, action) {
    var button = document.createElement("button");
    button.type = "button"; button.className = "chip"; button.textContent = label;
    button.addEventListener("click", action);
    return button;
  }

  function rate(message, helpful) {
    http("POST", "/api/conversations/" + state.id + "/feedback", { message_id: message.id, helpful: helpful })
      .then(function (result) { message.data.feedback = result.feedback; status.textContent = result.thanks; renderQuick([]); })
      .catch(function (error) { status.textContent = error.message; });
  }

  function chooseAudience(audience) {
    state.audience = audience; persist();
    renderQuick([]);
  }

  function ensureConversation() {
    if (state.id) return Promise.resolve();
    var language = state.languageChosen ? { language: state.language } : { language_hint: state.language };
    return http("POST", "/api/conversations", Object.assign(language, { audience: state.audience }))
      .then(function (c) { state.id = c.id; state.token = c.token; persist(); connect(); });
  }

  function connect() {
    if (!state.id || !window.WebSocket) return;
    // The token goes in the first frame, never in the URL (which proxies and servers write to their logs).
    var socket = new WebSocket(base.replace(/^http/, "ws") + "/ws/conversations/" + state.id);
    state.socket = socket;
    socket.onopen = function () {
      state.retry = 0; status.textContent = "";
      socket.send(JSON.stringify({ type: "auth", token: state.token }));
      socket.send(JSON.stringify({ type: "resume", after: state.lastSeen }));
      state.pending.forEach(function (frame) { socket.send(JSON.stringify(frame)); });
    };
    socket.onmessage = function (event) {
      var frame = JSON.parse(event.data);
      if (frame.type === "message") show(frame.message);
      if (frame.type === "ack") {
        state.pending = state.pending.filter(function (p) { return p.id !== frame.id; });
        frame.message.client_id = frame.id;
        show(frame.message);
      }
      if (frame.type === "queue") status.textContent = frame.text;  // "Your place in the queue: 2", "" when over
      if (frame.type === "error") {
        state.pending = state.pending.filter(function (p) { return p.id !== frame.id; });
        status.textContent = frame.message; typing.hidden = true;
      }
    };
    socket.onclose = function (event) {
      state.socket = null;
      if (event.code === 4401) { state.id = null; state.token = null; state.lastSeen = 0; persist(); return; }
      status.textContent = t("widget_reconnecting");
      var delay = Math.min(30000, 500 * Math.pow(2, state.retry++)) * (0.75 + Math.random() / 2);
      setTimeout(connect, delay);
    };
  }

  function send(text, shownText) {
    text = (text || "").trim();
    if (!text) return;
    var frame = { type: "message", id: Date.now().toString(36) + Math.random().toString(36).slice(2, 8), text: text };
    show({ client_id: frame.id, sender: "user", text: shownText || text });
    typing.hidden = false;
    ensureConversation().then(function () {
      state.pending.push(frame);
      if (state.socket && state.socket.readyState === 1) {
        state.socket.send(JSON.stringify(frame));
      } else if (!window.WebSocket) {
        http("POST", "/api/conversations/" + state.id + "/messages", { text: text, client_message_id: frame.id })
          .then(function (result) { result.replies.forEach(function (reply) { show(reply); }); })
          .catch(function (error) { status.textContent = error.message; });
      } else {
        status.textContent = t("widget_offline");
      }
    }).catch(function () { status.textContent = t("widget_offline"); });
  }

  function askForPerson() {
    ensureConversation().then(function () {
      return http("POST", "/api/conversations/" + state.id + "/handoff");
    }).then(function (result) { show(result.notice); })
      .catch(function (error) { status.textContent = error.message; });
  }

  function toggle(open) {
    state.open = open;
    panel.hidden = !open;
    launcher.setAttribute("aria-expanded", String(open));
    launcher.textContent = open ? t("widget_close") : t("widget_open");
    if (open) {
      if (!log.children.length) show({ sender: "bot", text: t(state.audience === "employer" ? "greeting_employer" : "greeting") });
      input.focus();
    } else { launcher.focus(); }
  }

  launcher.addEventListener("click", function () { toggle(!state.open); });
  $(".close").addEventListener("click", function () { toggle(false); });
  root.addEventListener("keydown", function (event) { if (event.key === "Escape" && state.open) toggle(false); });
  form.addEventListener("submit", function (event) { event.preventDefault(); send(input.value); input.value = ""; });
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); form.requestSubmit(); }
  });
  select.addEventListener("change", function () {
    var language = select.value;
    state.languageChosen = true;
    loadUi(language).then(function () {
      persist();
      if (state.id) return http("PUT", "/api/conversations/" + state.id + "/language", { language: language });
    });
  });

  loadUi(state.language).catch(function () { return loadUi("de"); }).then(function () {
    if (!state.id) return;
    // After a reload: show the history, then let the socket resume from the last message seen.
    return http("GET", "/api/conversations/" + state.id + "/messages").then(function (list) {
      list.messages.forEach(function (message) { show(message, true); });
      connect();
    }).catch(function (error) {
      if (error.status === 401 || error.status === 403 || error.status === 404) {
        state.id = null; state.token = null; state.lastSeen = 0; persist();
      } else { connect(); }
    });
  });
})();
