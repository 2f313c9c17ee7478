// The registration page's service worker (returns/views/offline.py renders it, with the addresses of
// this version's static files). It keeps the registration page and its files so that the page opens
// without a connection, and keeps a household posted while the connection is down in the offline
// queue (IndexedDB, offline-store.js), for the page to send when the connection returns.
"use strict";

const PAGE = {{ page|safe }};
const ASSETS = {{ assets|safe }};
const CACHE = {{ cache|safe }};
// Marks a household as typed without a connection: its likely matches were never shown to the officer.
const QUEUED_MARK = {{ queued_mark|safe }};

importScripts({{ store|safe }});

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(ASSETS))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) =>
        Promise.all(names.filter((name) => name.startsWith("returns-register-") && name !== CACHE).map((name) => caches.delete(name))),
      )
      .then(() => self.clients.claim()),
  );
});

async function pageFromNetwork(request) {
  const response = await fetch(request);
  // The page as served to a logged-in officer (not a redirect to the login page): kept for offline.
  if (response.ok && !response.redirected) {
    const cache = await caches.open(CACHE);
    await cache.put(PAGE, response.clone());
  }
  return response;
}

async function pageOffline() {
  const cache = await caches.open(CACHE);
  const page = await cache.match(PAGE);
  return page || new Response("", { status: 503, statusText: "Offline" });
}

async function registrationPosted(request) {
  const copy = request.clone();
  try {
    return await fetch(request);
  } catch {
    // No connection: the household waits in the queue, and the page says so.
    const data = await copy.formData();
    const pairs = [];
    for (const [name, value] of data.entries()) {
      if (typeof value === "string" && name !== "csrfmiddlewaretoken") {
        pairs.push([name, value]);
      }
    }
    pairs.push([QUEUED_MARK, "1"]);
    const item = self.ReturnsOffline.queued(pairs);
    if (!item.reference) {
      return pageOffline();
    }
    await self.ReturnsOffline.put("queue", item);
    return Response.redirect(`${PAGE}?queued=${encodeURIComponent(item.reference)}`, 303);
  }
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) {
    return;
  }
  if (url.pathname === PAGE && request.mode === "navigate") {
    if (request.method === "POST") {
      event.respondWith(registrationPosted(request));
    } else if (request.method === "GET") {
      event.respondWith(pageFromNetwork(request).catch(pageOffline));
    }
    return;
  }
  if (request.method === "GET" && ASSETS.includes(url.pathname)) {
    event.respondWith(caches.match(url.pathname).then((cached) => cached || fetch(request)));
  }
});
