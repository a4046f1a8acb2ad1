// Wire-compatibility check: does what the Guiders browser SDK does, with the real
// socket.io-client v4, against a running server. Prints one JSON line with what it saw and
// exits non-zero on the first mismatch.
//
// Usage: node wire_check.mjs BASE_URL SITE_KEY INTEGRATION_KEY
import { io } from "socket.io-client";

const [base, siteKey, integrationKey] = process.argv.slice(2);
if (!base || !siteKey || !integrationKey) {
  console.error("usage: node wire_check.mjs BASE_URL SITE_KEY INTEGRATION_KEY");
  process.exit(2);
}
// The page the widget runs on: the demo site's host on another port, as a browser would send it.
const pageOrigin = `http://localhost:${new URL(base).port || 80}`;
const api = `${base}/api`;
const seen = { steps: [] };

function check(condition, message, detail) {
  if (!condition) {
    console.error(JSON.stringify({ failed: message, detail, seen }));
    process.exit(1);
  }
}

async function call(method, path, { body, headers = {} } = {}) {
  const sent = { "content-type": "application/json", origin: pageOrigin, ...headers };
  if (sent.origin === "") delete sent.origin; // a server-side caller sends no Origin
  const res = await fetch(`${api}${path}`, {
    method,
    headers: sent,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  seen.steps.push(`${method} ${path} ${res.status}`);
  return { res, json: text ? JSON.parse(text) : null };
}

function waitFor(socket, event, predicate, ms = 10000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.off(event, handler);
      reject(new Error(`timed out waiting for ${event}`));
    }, ms);
    function handler(payload) {
      if (predicate(payload)) {
        clearTimeout(timer);
        socket.off(event, handler);
        resolve(payload);
      }
    }
    socket.on(event, handler);
  });
}

function collect(socket, event, count, predicate, ms = 10000) {
  const got = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`got ${got.length} of ${count} ${event}`)),
      ms,
    );
    socket.on(event, (payload) => {
      if (!predicate(payload)) return;
      got.push(payload);
      if (got.length === count) {
        clearTimeout(timer);
        resolve(got);
      }
    });
  });
}

function connect(auth, cookie) {
  // The SDK: path /socket.io/, websocket then polling, withCredentials (the session cookie),
  // auth {visitorId, tenantId}. In Node the cookie and Origin go in extraHeaders.
  return io(base, {
    path: "/socket.io/",
    transports: ["websocket", "polling"],
    withCredentials: true,
    reconnection: false,
    auth,
    extraHeaders: { cookie, origin: pageOrigin },
  });
}

function onceConnected(socket) {
  return new Promise((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("connect_error", (err) => reject(new Error(`connect_error: ${err.message}`)));
  });
}

// 1. The pixel: metadata, then identify with consent.
const meta = await call("GET", `/pixel/metadata?apiKey=${encodeURIComponent(siteKey)}`);
check(meta.res.status === 200 && meta.json.tenantId && meta.json.siteId, "pixel metadata", meta.json);
check(meta.res.headers.get("access-control-allow-origin") === pageOrigin, "CORS echo", pageOrigin);
const ident = await call("POST", "/visitors/identify", {
  body: {
    fingerprint: `js-${Date.now()}`,
    domain: "localhost",
    apiKey: siteKey,
    hasAcceptedPrivacyPolicy: true,
    consentVersion: "v1.0",
    currentUrl: `${pageOrigin}/shoes`,
  },
});
check(ident.res.status === 200 && ident.json.sessionId, "identify", ident.json);
check(ident.res.headers.get("access-control-allow-credentials") === "true", "CORS credentials");
const setCookie = ident.res.headers.get("set-cookie") || "";
check(/x-guiders-sid=/i.test(setCookie) && /httponly/i.test(setCookie), "session cookie", setCookie);
const cookie = setCookie.split(";")[0];
const { visitorId, sessionId } = ident.json;
const sid = { "X-Guiders-Sid": sessionId };

// 2. The widget opens a chat with its first message.
const opened = await call("POST", "/v2/chats/with-message", {
  body: { firstMessage: { content: "Hello from the JS client", type: "text" } },
  headers: sid,
});
check(opened.res.status === 201 && opened.json.chatId, "with-message", opened.json);
const chatId = opened.json.chatId;

// 3. The socket, authenticated by the cookie, joins its visitor room and the chat.
const socket = connect({ visitorId, tenantId: meta.json.tenantId }, cookie);
await onceConnected(socket);
seen.transport = socket.io.engine.transport.name;
// What the SDK emits on connect without waiting for an answer: activity and the tenant room
// (for availability updates; a visitor is refused it). Neither may break the connection.
socket.emit("user:activity");
const tenantJoin = await socket.timeout(5000).emitWithAck("tenant:join", {
  tenantId: meta.json.tenantId,
});
check(tenantJoin.success === false, "a visitor may not join the tenant room", tenantJoin);
const visitorJoin = await socket.timeout(5000).emitWithAck("visitor:join", { visitorId });
check(visitorJoin.success === true, "visitor:join", visitorJoin);
const chatJoin = await socket.timeout(5000).emitWithAck("chat:join", { chatId });
check(chatJoin.success === true, "chat:join", chatJoin);
const otherChat = await socket.timeout(5000).emitWithAck("chat:join", {
  chatId: "00000000-0000-4000-8000-000000000000",
});
check(otherChat.success === false, "a foreign chat is refused", otherChat);

// 4. An agent (the integration key) answers through REST: message:new with the superset.
const incoming = waitFor(socket, "message:new", (m) => m.content === "Yes, we ship to Spain");
const reply = await call("POST", `/v2/chats/${chatId}/messages`, {
  body: { content: "Yes, we ship to Spain", clientMessageId: "js-1" },
  headers: { authorization: `Bearer ${integrationKey}`, origin: "" },
});
check(reply.res.status === 201, "REST send", reply.json);
const msg = await incoming;
for (const field of [
  "messageId", "id", "chatId", "senderId", "senderName", "sender", "content", "type",
  "isInternal", "isAI", "metadata", "sentAt", "timestamp", "eventId", "seq",
]) {
  check(field in msg, `message:new has ${field}`, msg);
}
check(msg.messageId === reply.json.id && msg.chatId === chatId, "message:new ids", msg);
check(typeof msg.seq === "number" && msg.sender.role === "ai", "message:new sender and seq", msg);
seen.messageNew = msg;

// 5. The SDK's own send (/v2/messages) comes back on the socket too.
const echo = waitFor(socket, "message:new", (m) => m.content === "Great, thanks");
const sent = await call("POST", "/v2/messages", {
  body: { chatId, content: "Great, thanks", type: "text" },
  headers: sid,
});
check(sent.res.status === 201, "SDK send", sent.json);
const mine = await echo;
check(mine.senderId === visitorId && mine.sender.role === "visitor", "own message", mine);

// 6. Resume: away for three messages, then back with the last seq seen.
const lastSeq = mine.seq;
socket.disconnect();
for (const n of [1, 2, 3]) {
  const r = await call("POST", `/v2/chats/${chatId}/messages`, {
    body: { content: `missed ${n}` },
    headers: { authorization: `Bearer ${integrationKey}`, origin: "" },
  });
  check(r.res.status === 201, "send while away", r.json);
}
const again = connect({ visitorId, tenantId: meta.json.tenantId }, cookie);
await onceConnected(again);
const rejoin = await again.timeout(5000).emitWithAck("chat:join", { chatId });
check(rejoin.success === true, "chat:join after reconnect", rejoin);
const missed = collect(again, "message:new", 3, (m) => m.content.startsWith("missed"));
const resumed = await again.timeout(10000).emitWithAck("resume", { lastSeq });
check(resumed.success === true, "resume", resumed);
const replayed = await missed;
check(
  replayed.map((m) => m.content).join("|") === "missed 1|missed 2|missed 3",
  "replay order",
  replayed.map((m) => m.content),
);
check(replayed.every((m, i) => i === 0 || m.seq > replayed[i - 1].seq), "seq increases");
again.disconnect();

// 7. Without a credential the handshake is refused.
const anonymous = io(base, {
  path: "/socket.io/",
  transports: ["websocket"],
  reconnection: false,
  auth: { visitorId, tenantId: meta.json.tenantId },
});
const refusal = await new Promise((resolve) => {
  anonymous.once("connect", () => resolve("connected"));
  anonymous.once("connect_error", (err) => resolve(`refused: ${err.data?.error}`));
});
anonymous.close();
// the reason comes as the JSON error in err.data (it was "Connection refused by server")
check(refusal === "refused: unauthorized", "anonymous handshake refused, with its code", refusal);

// 8. A foreign page cannot ride the visitor's cookie (cross-site WebSocket hijacking).
const hijack = io(base, {
  path: "/socket.io/",
  transports: ["websocket"],
  reconnection: false,
  auth: {},
  extraHeaders: { cookie, origin: "https://evil.example" },
});
const hijacked = await new Promise((resolve) => {
  hijack.once("connect", () => resolve("connected"));
  hijack.once("connect_error", (err) => resolve(`refused: ${err.message}`));
});
hijack.close();
check(hijacked.startsWith("refused"), "foreign origin refused", hijacked);

console.log(JSON.stringify({ ok: true, transport: seen.transport, replayed: replayed.length }));
process.exit(0);
