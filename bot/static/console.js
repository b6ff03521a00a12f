// Advisor console: queue, transcript and actions over the console API; live updates via Server-Sent Events.
(function () {
  "use strict";
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  // The page's settings as a JSON block: the Content Security Policy allows no inline script.
  window.CONSOLE = JSON.parse(document.getElementById("console-settings").textContent);
  const state = { current: null };
  const $ = (id) => document.getElementById(id);
  // The page injects its strings in the advisor's language (knowledge/ui/staff/); {name} is replaced by values.name.
  const strings = window.CONSOLE.strings || {};
  function t(key, values = {}) {
    return (strings[key] ?? key).replace(/\{(\w+)\}/g, (whole, name) => (name in values ? String(values[name]) : whole));
  }
  // States and senders in words; an unknown value as it is.
  const word = (group, value) => strings[`console_js_${group}_${value}`] ?? value;

  async function api(path, options = {}) {
    const response = await fetch("/console/api" + path, {
      ...options,
      headers: { "content-type": "application/json", "x-csrf-token": csrf, ...(options.headers || {}) },
      credentials: "same-origin",
    });
    if (response.status === 401) { window.location = "/console/login"; return null; }
    const body = await response.json().catch(() => ({}));
    if (!response.ok) { throw new Error((body.error && body.error.message) || response.statusText); }
    return body;
  }

  function minutes(seconds) { return t("console_js_minutes", { minutes: Math.max(0, Math.round(seconds / 60)) }); }

  function item(conversation) {
    const li = document.createElement("li");
    const button = document.createElement("button");
    button.className = "secondary";
    button.dataset.id = conversation.id;
    button.textContent = [conversation.language || "?", conversation.city || "–", conversation.audience || "–",
      conversation.channel, minutes(conversation.waiting_seconds), conversation.first_question || ""].join(" · ");
    button.addEventListener("click", () => open(conversation.id));
    li.append(button);
    return li;
  }

  async function refreshQueue() {
    const only = $("only-my-languages").checked ? "?languages=" + window.CONSOLE.languages.join(",") : "";
    const data = await api("/queue" + only);
    if (!data) return;
    $("waiting").replaceChildren(...data.waiting.map(item));
    $("active").replaceChildren(...data.active.map(item));
    if (window.CONSOLE.isAdmin) {
      const requests = await api("/contact-requests");
      $("contact-requests").replaceChildren(...requests.map(contactRequest));
    }
  }

  // A contact left outside office hours: open the conversation to see what it is about; mark it done after the call.
  function contactRequest(r) {
    const li = document.createElement("li");
    li.className = r.handled ? "handled" : "";
    const when = document.createElement("span");
    when.textContent = `${r.created_at.slice(0, 16).replace("T", " ")} · ${r.language || "?"} · ${r.contact}` +
      (r.handled ? " · " + t("console_js_contact_handled") : "");
    const show = document.createElement("button");
    show.className = "secondary";
    show.textContent = t("console_js_open_conversation");
    show.addEventListener("click", () => open(r.conversation_id));
    li.append(when, " ", show);
    if (!r.handled) {
      const done = document.createElement("button");
      done.className = "secondary";
      done.textContent = t("console_js_mark_handled");
      done.addEventListener("click", async () => {
        await api(`/contact-requests/${r.id}/handled`, { method: "POST" });
        await refreshQueue();
      });
      li.append(" ", done);
    }
    return li;
  }

  // The console's language: translations of what the advisor cannot read are into it (or the first they read).
  const consoleLanguage = document.documentElement.lang;

  function messageItem(m, translation) {
    const li = document.createElement("li");
    li.className = m.sender + (m.private ? " private" : "");
    const meta = document.createElement("span");
    meta.className = "meta";
    meta.textContent = `${word("sender", m.sender)}${m.private ? " " + t("console_js_private_note") : ""}` +
      ` · ${m.created_at.slice(11, 16)}` +
      (m.knowledge ? " · " + t("console_js_knowledge", { entry: m.knowledge.entry_id, score: m.knowledge.score }) : "");
    // The original always stays visible, in its own language and direction; the translation is marked below it.
    const original = document.createElement("span");
    original.className = "original";
    if (m.language) original.lang = m.language;
    original.textContent = m.text;
    li.append(meta, original);
    if (m.translation) {
      const block = document.createElement("span");
      block.className = "translation";
      block.lang = translation.target;
      const label = document.createElement("span");
      label.className = "meta";
      label.textContent = t("console_js_machine_translation", { source: m.language, target: translation.target });
      block.append(label, document.createTextNode(m.translation));
      li.append(block);
    }
    return li;
  }

  async function open(id) {
    if (state.current !== id) resetReply();
    state.current = id;
    const data = await api(`/conversations/${id}?translate_to=${encodeURIComponent(consoleLanguage)}`);
    const c = data.conversation;
    const mine = c.state === "human" && (c.advisor_id === window.CONSOLE.advisorId || window.CONSOLE.isAdmin);
    $("status").textContent = t("console_js_status", {
      state: word("state", c.state), language: c.language || "?", city: c.city || t("console_js_no_city"),
      reason: c.reason ? word("reason", c.reason) : "–",
    });
    $("actions").hidden = false;
    $("claim").hidden = c.state !== "pending";
    $("reply-form").hidden = !mine;
    $("handback-form").hidden = !mine;
    $("note-form").hidden = false;
    $("knowledge-form").hidden = !mine;
    state.conversation = c;
    state.translation = data.translation;
    state.translating = mine && data.translation.replies;
    $("translate-controls").hidden = !state.translating;
    $("send-untranslated").hidden = !state.translating;
    $("send-reply").textContent = state.translating ? t("console_js_send_translated") : sendLabel;
    if (data.translation.unavailable) $("status").textContent += " · " + t("console_js_translation_unavailable");
    $("transcript").replaceChildren(...data.messages.map((m) => messageItem(m, data.translation)));
  }

  const sendLabel = $("send-reply").textContent;

  function resetReply() {
    $("reply").value = "";
    $("reply-translation").value = "";
    state.curated = false;  // an inserted knowledge answer is already in the user's language
  }

  // The advisor's words in the user's language, into the editable field for review before sending.
  async function preview() {
    try {
      const result = await api(`/conversations/${state.current}/translation`, {
        method: "POST", body: JSON.stringify({ text: $("reply").value, source: state.translation.target }),
      });
      $("reply-translation").value = result.text;
      $("reply-translation").focus();
    } catch (error) {
      $("status").textContent = t("console_js_translation_failed", { error: error.message });
      $("send-untranslated").focus();
    }
  }

  async function sendReply(translated) {
    const text = $("reply").value;
    const translation = $("reply-translation").value.trim();
    if (translated && !translation) { await preview(); return; }  // first the advisor sees what will be sent
    await act("reply", translated ? { text, translation, source: state.translation.target } : { text });
    resetReply();
  }

  async function act(path, body) {
    try {
      await api(`/conversations/${state.current}/${path}`, { method: "POST", body: JSON.stringify(body || {}) });
      $("status").textContent = t("console_js_done");
    } catch (error) {
      $("status").textContent = error.message;
    }
    await Promise.all([open(state.current), refreshQueue()]);
  }

  $("claim").addEventListener("click", () => act("claim"));
  $("close").addEventListener("click", () => act("close"));
  $("reply-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    await sendReply(state.translating && !state.curated);
  });
  $("send-untranslated").addEventListener("click", () => sendReply(false));
  $("translate").addEventListener("click", preview);
  // A translation no longer matches once the original changes.
  $("reply").addEventListener("input", () => { $("reply-translation").value = ""; });

  $("knowledge-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const c = state.conversation;
    const query = new URLSearchParams({ q: $("knowledge-query").value, language: consoleLanguage });
    if (c.audience) query.set("audience", c.audience);
    const results = await api("/knowledge?" + query);
    const items = results.map((r) => {
      const li = document.createElement("li");
      const insert = document.createElement("button");
      insert.type = "button";
      insert.className = "secondary";
      insert.textContent = t("console_js_insert");
      insert.addEventListener("click", async () => {
        const answer = await api(`/conversations/${state.current}/knowledge/${encodeURIComponent(r.id)}`);
        $("reply").value = answer.text;
        $("reply-translation").value = "";
        state.curated = true;
        $("status").textContent = t("console_js_inserted", { language: answer.language });
        $("reply").focus();
      });
      li.append(r.title + " ", insert);
      return li;
    });
    $("knowledge-results").replaceChildren(...(items.length ? items : [t("console_js_no_results")]));
  });

  for (const [form, field, path] of [["note-form", "note", "notes"], ["handback-form", "summary", "hand-back"]]) {
    $(form).addEventListener("submit", async (event) => {
      event.preventDefault();
      await act(path, { text: $(field).value });
      $(field).value = "";
    });
  }
  $("only-my-languages").addEventListener("change", refreshQueue);
  document.getElementById("logout").addEventListener("submit", (event) => {
    const input = document.createElement("input");
    input.type = "hidden"; input.name = "csrf_token"; input.value = csrf;
    event.target.append(input);
  });

  const events = new EventSource("/console/api/events");
  events.onmessage = events.onerror = null;
  for (const kind of ["queue_changed", "claimed", "message", "handed_back", "closed", "contact_request",
                      "user_message_ready"]) {
    events.addEventListener(kind, (event) => {
      const data = JSON.parse(event.data);
      refreshQueue();
      if (data.conversation_id === state.current) open(state.current);
    });
  }
  refreshQueue();
})();
