// Entry of widget.js: <script src="https://chat.example/widget.js" data-site-key="..."></script>
// Renders into a shadow root so the host page's CSS and ours never mix.

import { render } from "preact";
import { io, type Socket } from "socket.io-client";
import { pickLanguage, translator } from "./i18n";
import { Widget } from "./Widget";
import { VisitorSession } from "./session";
import { STYLE } from "./style";

const script = document.currentScript as HTMLScriptElement | null;

function start(): { socket: Socket; session: VisitorSession } | null {
  const siteKey = script?.dataset.siteKey;
  if (!script || !siteKey) {
    console.error("guiders: add data-site-key to the widget's <script> tag");
    return null;
  }
  const base = script.dataset.server || new URL(script.src, location.href).origin;
  const session = new VisitorSession(base, siteKey);
  const socket = io(base, {
    path: "/socket.io/",
    transports: ["websocket"],
    autoConnect: false,
    // Called on every (re)connect: the server replays every event after lastSeq.
    auth: (cb) => {
      session.handshake(location.href, document.title).then(
        (handshake) => cb({ ...handshake }),
        () => cb({}),
      );
    },
  });
  const host = document.createElement("div");
  host.id = "guiders-widget";
  document.body.appendChild(host);
  const root = host.attachShadow({ mode: "open" });
  const style = document.createElement("style");
  style.textContent = STYLE;
  root.appendChild(style);
  const mount = document.createElement("div");
  root.appendChild(mount);
  render(<Widget session={session} socket={socket} title={script.dataset.title || translator(pickLanguage())("title")} />, mount);
  return { socket, session };
}

type Started = { socket: Socket; session: VisitorSession } | null;
let current: Started = null;
const boot = (): void => {
  current = start();
};
if (document.body) boot();
else document.addEventListener("DOMContentLoaded", boot);

/** The page may pause and resume the live connection (e.g. a single-page app hiding the chat). */
export const disconnect = (): void => void current?.socket.disconnect();
export const connect = (): void => void current?.socket.connect();
export const isConnected = (): boolean => current?.socket.connected ?? false;
