// The registration page's offline store (IndexedDB), shared by the page and its service worker.
//
// "queue": households typed while the connection was down, as the form's fields ([name, value]
// pairs), keyed by the client reference the page made for each one (the server registers a
// reference once: sending twice, or from two tabs, makes one household). Removed once sent.
// "sent": what this device registered recently (reference, head's name, the household's page), for
// the officer to look up offline; kept a day at most. "recent": the officer's own registrations of
// the last days as the server listed them (an HTML fragment, with its "as of" time), fetched while
// online for looking up offline; kept two days at most. All are emptied on logout (app.js).
"use strict";

const ReturnsOffline = (() => {
  const NAME = "returns-offline";
  const STORES = ["queue", "sent", "recent"];
  const SENT_KEPT_MS = 24 * 60 * 60 * 1000;
  const RECENT_KEPT_MS = 2 * 24 * 60 * 60 * 1000;
  const RECENT_KEY = "mine";

  function open() {
    return new Promise((resolve, reject) => {
      const request = indexedDB.open(NAME, 2);
      request.onupgradeneeded = () => {
        for (const store of STORES) {
          if (!request.result.objectStoreNames.contains(store)) {
            request.result.createObjectStore(store, { keyPath: "reference" });
          }
        }
      };
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  }

  async function run(store, mode, work) {
    const db = await open();
    try {
      return await new Promise((resolve, reject) => {
        const transaction = db.transaction(store, mode);
        const result = work(transaction.objectStore(store));
        transaction.oncomplete = () => resolve(result && "result" in result ? result.result : undefined);
        transaction.onerror = () => reject(transaction.error);
        transaction.onabort = () => reject(transaction.error);
      });
    } finally {
      db.close();
    }
  }

  const put = (store, item) => run(store, "readwrite", (objects) => objects.put(item));
  const remove = (store, reference) => run(store, "readwrite", (objects) => objects.delete(reference));
  const all = (store) => run(store, "readonly", (objects) => objects.getAll());
  const clear = () => Promise.all(STORES.map((store) => run(store, "readwrite", (objects) => objects.clear())));

  // A household typed offline: its fields, when it was queued, and what happened when it was sent.
  function queued(pairs) {
    const reference = (pairs.find(([name]) => name === "client_reference") || [])[1];
    const field = (name) => (pairs.find(([key]) => key === name) || [])[1] || "";
    return {
      reference,
      pairs,
      queuedAt: new Date().toISOString(),
      head: [field("members-0-given_name"), field("members-0-family_name")].filter(Boolean).join(" "),
      headLocal: [field("members-0-given_name_local"), field("members-0-family_name_local")].filter(Boolean).join(" "),
      arrival: field("arrival_date"),
      members: Number(field("members-TOTAL_FORMS")) || 1,
      problem: "",
    };
  }

  async function sentRecent() {
    const cutoff = Date.now() - SENT_KEPT_MS;
    const items = await all("sent");
    await Promise.all(items.filter((item) => Date.parse(item.sentAt) < cutoff).map((item) => remove("sent", item.reference)));
    return items.filter((item) => Date.parse(item.sentAt) >= cutoff);
  }

  const recentKeep = (html) => put("recent", { reference: RECENT_KEY, html, keptAt: new Date().toISOString() });

  // The recent registrations kept, or null: none, or kept too long ago (then deleted).
  async function recentKept() {
    const kept = (await all("recent")).find((item) => item.reference === RECENT_KEY);
    if (kept && Date.parse(kept.keptAt) < Date.now() - RECENT_KEPT_MS) {
      await remove("recent", RECENT_KEY);
      return null;
    }
    return kept || null;
  }

  return { put, remove, all, clear, queued, sentRecent, recentKeep, recentKept };
})();

self.ReturnsOffline = ReturnsOffline;
