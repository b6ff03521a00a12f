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

  async function open(id) {
    state.current = id;
    const data = await api("/conversations/" + id);
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
    $("transcript").replaceChildren(...data.messages.map((m) => {
      const li = document.createElement("li");
      li.className = m.sender + (m.private ? " private" : "");
      const meta = document.createElement("span");
      meta.className = "meta";
      meta.textContent = `${word("sender", m.sender)}${m.private ? " " + t("console_js_private_note") : ""}` +
        ` · ${m.created_at.slice(11, 16)}` +
        (m.knowledge ? " · " + t("console_js_knowledge", { entry: m.knowledge.entry_id, score: m.knowledge.score }) : "");
      li.append(meta, document.createTextNode(m.text));
      return li;
    }));
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
  for (const [form, field, path] of [["reply-form", "reply", "reply"], ["note-form", "note", "notes"],
                                     ["handback-form", "summary", "hand-back"]]) {
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
