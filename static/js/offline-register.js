// The registration page without a connection (with its service worker, sw.js, and offline-store.js).
//
// Every household gets a client reference (a UUID) when the form is shown: the server registers a
// reference once, so a household sent twice (a retry, this queue, another tab) is registered once.
// A household posted while the connection is down is kept by the service worker in the queue; this
// page shows the queue ("3 households waiting to send") and sends it, oldest first, as soon as the
// connection is back, then every 30 seconds while something waits. A household the server refuses
// (a mistake the form would have shown, or likely matches registered meanwhile that nobody has seen)
// stays in the queue, marked, for the officer to open again. The officer's own recent registrations
// are fetched while online and kept on the device, to look households up without a connection.
"use strict";

(() => {
  const RETRY_MS = 30000;
  // Where a registered household's page is: /households/<id>/routed/.
  const ROUTED = /\/households\/[0-9a-f-]{36}\/routed\/$/;
  let sending = false;

  function newReference() {
    if (crypto.randomUUID) {
      return crypto.randomUUID();
    }
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }

  function text(panel, key, count) {
    const template = panel.dataset[key] || "";
    return template.replace("%(count)s", String(count));
  }

  async function freshToken(page) {
    // The token of a page rendered now: the copy kept offline may be from an earlier session.
    const response = await fetch(page, { credentials: "same-origin", cache: "no-store" });
    if (!response.ok || response.redirected) {
      return null; // logged out: the officer logs in again, then the queue is sent
    }
    const html = await response.text();
    const parsed = new DOMParser().parseFromString(html, "text/html");
    const input = parsed.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : null;
  }

  async function sendOne(item, page, token) {
    const body = new FormData();
    for (const [name, value] of item.pairs) {
      body.append(name, value);
    }
    body.append("csrfmiddlewaretoken", token);
    const response = await fetch(page, {
      method: "POST",
      body,
      credentials: "same-origin",
      headers: { "X-Requested-With": "fetch" },
    });
    const landed = new URL(response.url).pathname;
    if (response.redirected && ROUTED.test(landed)) {
      return { sent: true, url: response.url };
    }
    if (response.redirected) {
      return { login: true }; // sent to the login page: the session ended
    }
    if (response.ok) {
      // The form came back with its mistakes: the officer opens it and corrects it.
      const parsed = new DOMParser().parseFromString(await response.text(), "text/html");
      const errors = Array.from(parsed.querySelectorAll(".field__error, .form-errors p"), (node) => node.textContent.trim());
      return {
        sent: false,
        problem: errors.filter(Boolean).join(" ") || response.statusText,
        // Its reference registered another household already: it is corrected and sent with a new one.
        referenceUsed: Boolean(parsed.querySelector("form[data-reference-used]")),
      };
    }
    throw new Error(`HTTP ${response.status}`);
  }

  async function sendQueue(panel, page) {
    if (sending || !navigator.onLine) {
      return;
    }
    sending = true;
    try {
      const items = (await ReturnsOffline.all("queue")).filter((item) => !item.problem);
      if (!items.length) {
        return;
      }
      items.sort((first, second) => first.queuedAt.localeCompare(second.queuedAt));
      const token = await freshToken(page);
      if (!token) {
        panel.dataset.state = "login";
        return;
      }
      for (const item of items) {
        const outcome = await sendOne(item, page, token);
        if (outcome.login) {
          panel.dataset.state = "login";
          return;
        }
        if (outcome.sent) {
          await ReturnsOffline.remove("queue", item.reference);
          await ReturnsOffline.put("sent", {
            reference: item.reference,
            head: item.head,
            headLocal: item.headLocal,
            arrival: item.arrival,
            url: outcome.url,
            sentAt: new Date().toISOString(),
          });
        } else if (outcome.referenceUsed) {
          const reference = newReference();
          const pairs = item.pairs.map(([name, value]) => [name, name === "client_reference" ? reference : value]);
          await ReturnsOffline.remove("queue", item.reference);
          await ReturnsOffline.put("queue", { ...item, reference, pairs, problem: outcome.problem });
        } else {
          await ReturnsOffline.put("queue", { ...item, problem: outcome.problem });
        }
        await show(panel, page);
      }
      panel.dataset.state = panel.dataset.state === "login" ? "login" : "";
    } catch {
      panel.dataset.state = "retry"; // the server or the link failed: the next attempt sends the rest
    } finally {
      sending = false;
      await show(panel, page);
    }
  }

  // The officer's recent registrations: fetched while online and kept, shown from the device offline.
  async function recentRefresh(recent) {
    let html = null;
    if (navigator.onLine) {
      try {
        const response = await fetch(recent.dataset.recentUrl, { credentials: "same-origin", cache: "no-store" });
        if (response.ok && !response.redirected) {
          html = await response.text();
          await ReturnsOffline.recentKeep(html);
        }
      } catch {
        // The link is down after all: what the device kept is shown.
      }
    }
    if (html === null) {
      const kept = await ReturnsOffline.recentKept();
      html = kept ? kept.html : null;
    }
    const list = recent.querySelector("[data-recent-list]");
    if (html === null) {
      list.replaceChildren();
      recent.hidden = true;
      return;
    }
    const fragment = new DOMParser().parseFromString(html, "text/html").querySelector("[data-recent-fragment]");
    list.replaceChildren(...(fragment ? [document.adoptNode(fragment)] : []));
    recent.hidden = !fragment;
    recentFilter(recent);
  }

  function recentFilter(recent) {
    const sought = recent.querySelector("[data-recent-filter]").value.trim().toLocaleLowerCase();
    for (const line of recent.querySelectorAll("[data-recent-row]")) {
      line.hidden = Boolean(sought) && !line.textContent.toLocaleLowerCase().includes(sought);
    }
  }

  function row(template, fields) {
    const node = template.content.firstElementChild.cloneNode(true);
    for (const [name, value] of Object.entries(fields)) {
      const slot = node.querySelector(`[data-slot=${name}]`);
      if (slot && name === "link") {
        slot.href = value;
      } else if (slot) {
        slot.textContent = value;
        slot.hidden = !value;
      }
    }
    return node;
  }

  async function show(panel, page) {
    const [queue, sent] = await Promise.all([ReturnsOffline.all("queue"), ReturnsOffline.sentRecent()]);
    queue.sort((first, second) => first.queuedAt.localeCompare(second.queuedAt));
    const offline = !navigator.onLine;
    panel.hidden = !offline && !queue.length && !sent.length;
    panel.querySelector("[data-offline-now]").hidden = !offline;
    panel.querySelector("[data-offline-login]").hidden = panel.dataset.state !== "login";
    panel.querySelector("[data-offline-retry]").hidden = panel.dataset.state !== "retry" || offline;
    const waiting = queue.filter((item) => !item.problem).length;
    const count = panel.querySelector("[data-queue-count]");
    count.textContent = waiting ? text(panel, waiting === 1 ? "waitingOne" : "waitingMany", waiting) : "";
    count.hidden = !waiting;
    const list = panel.querySelector("[data-queue-list]");
    list.replaceChildren(
      ...queue.map((item) => {
        const node = row(panel.querySelector("template[data-queued-row]"), {
          head: item.head || item.headLocal || item.reference.slice(0, 8),
          members: text(panel, item.members === 1 ? "membersOne" : "membersMany", item.members),
          problem: item.problem,
        });
        node.dataset.reference = item.reference;
        node.querySelector("[data-open-queued]").hidden = !item.problem;
        return node;
      }),
    );
    const sentList = panel.querySelector("[data-sent-list]");
    sentList.replaceChildren(
      ...sent.map((item) => row(panel.querySelector("template[data-sent-row]"), { head: item.head || item.headLocal, link: item.url })),
    );
    panel.querySelector("[data-sent]").hidden = !sent.length;
    panel.querySelector("[data-send-now]").disabled = offline || !waiting || sending;
  }

  document.addEventListener("DOMContentLoaded", () => {
    const form = document.querySelector("form[data-register-form]");
    const panel = document.querySelector("[data-offline-panel]");
    if (!form || !panel || !("indexedDB" in window)) {
      return;
    }
    const page = form.getAttribute("action");
    const reference = form.querySelector("input[name=client_reference]");
    reference.value = newReference();

    if ("serviceWorker" in navigator) {
      navigator.serviceWorker.register(panel.dataset.serviceWorker, { scope: page }).catch(() => {
        // No service worker (an old browser, or not HTTPS): the page still works online.
      });
    }

    const queuedNow = new URLSearchParams(location.search).get("queued");
    if (queuedNow) {
      panel.querySelector("[data-queued-now]").hidden = false;
      history.replaceState(null, "", page);
    }

    panel.addEventListener("click", async (event) => {
      if (event.target.closest("[data-send-now]")) {
        panel.dataset.state = "";
        await sendQueue(panel, page);
      }
      const open = event.target.closest("[data-open-queued]");
      if (open) {
        // Back into the form to correct; it leaves the queue and is sent with the form (same reference).
        const item = (await ReturnsOffline.all("queue")).find(
          (queued) => queued.reference === open.closest("[data-reference]").dataset.reference,
        );
        if (item) {
          window.ReturnsForms.restorePairs(form, item.pairs);
          reference.value = item.reference;
          await ReturnsOffline.remove("queue", item.reference);
          await show(panel, page);
          form.scrollIntoView();
        }
      }
    });

    const recent = document.querySelector("[data-recent]");
    const sendThenRefresh = async () => {
      await sendQueue(panel, page);
      if (recent) {
        await recentRefresh(recent);
      }
    };
    if (recent) {
      recent.querySelector("[data-recent-filter]").addEventListener("input", () => recentFilter(recent));
    }

    window.addEventListener("online", sendThenRefresh);
    window.addEventListener("offline", () => show(panel, page));
    setInterval(() => sendQueue(panel, page), RETRY_MS);
    show(panel, page).then(sendThenRefresh);
  });
})();
