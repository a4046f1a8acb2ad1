// Alerts for new chats: the tab title counts the chats that came in since the agent last
// looked, a short sound plays, and a desktop notification shows while the tab is hidden.
// Browsers let a page play sound and ask for notifications only after a user gesture, so
// "Enable alerts" (a click) asks for the permission and unlocks the sound; the choice is kept.

import { useEffect, useRef, useState } from "preact/hooks";
import type { Socket } from "socket.io-client";
import { visitorLabel } from "../shared/visitor";

const KEY = "guiders:alerts";

interface Created {
  chatId: string;
  visitorId: string;
  visitorInfo?: { name?: string | null; email?: string | null } | null;
}

export function titleWith(unread: number, base: string): string {
  return unread > 0 ? `(${unread}) ${base}` : base;
}

function beep(audio: AudioContext | null): void {
  if (!audio) return;
  try {
    const osc = audio.createOscillator();
    const gain = audio.createGain();
    osc.frequency.value = 880;
    gain.gain.setValueAtTime(0.15, audio.currentTime);
    gain.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + 0.35);
    osc.connect(gain).connect(audio.destination);
    osc.start();
    osc.stop(audio.currentTime + 0.35);
  } catch {
    /* no audio device: the title and the notification still tell */
  }
}

export function useChatAlerts(socket: Socket | null) {
  const base = useRef(document.title);
  const audio = useRef<AudioContext | null>(null);
  const [unread, setUnread] = useState(0);
  const [enabled, setEnabled] = useState(() => localStorage.getItem(KEY) === "on");
  const supported = typeof Notification !== "undefined";
  const [permission, setPermission] = useState(supported ? Notification.permission : "denied");

  const seen = () => setUnread(0);

  const enable = async () => {
    try {
      audio.current ??= new AudioContext();
      await audio.current.resume();
    } catch {
      audio.current = null;
    }
    if (supported && Notification.permission === "default") setPermission(await Notification.requestPermission());
    localStorage.setItem(KEY, "on");
    setEnabled(true);
  };

  const disable = () => {
    localStorage.setItem(KEY, "off");
    setEnabled(false);
  };

  useEffect(() => {
    document.title = titleWith(unread, base.current);
  }, [unread]);

  useEffect(() => {
    const look = () => !document.hidden && setUnread(0);
    window.addEventListener("focus", look);
    document.addEventListener("visibilitychange", look);
    // a click anywhere lets the sound play (browsers' autoplay rule) once alerts are on
    const unlock = () => enabled && void (audio.current ??= new AudioContext()).resume().catch(() => undefined);
    window.addEventListener("pointerdown", unlock, { once: true });
    return () => {
      window.removeEventListener("focus", look);
      document.removeEventListener("visibilitychange", look);
      window.removeEventListener("pointerdown", unlock);
    };
  }, [enabled]);

  useEffect(() => {
    if (!socket) return;
    const onCreated = (d: Created) => {
      setUnread((n) => n + 1);
      if (!enabled) return;
      beep(audio.current);
      if (supported && Notification.permission === "granted" && document.hidden) {
        const note = new Notification("New chat", { body: `${visitorLabel(d.visitorId, d.visitorInfo)} is waiting`, tag: d.chatId });
        note.onclick = () => window.focus();
      }
    };
    socket.on("chat:created", onCreated);
    return () => {
      socket.off("chat:created", onCreated);
    };
  }, [socket, enabled]);

  return { unread, seen, enabled, enable, disable, permission };
}

export function AlertsToggle({ alerts }: { alerts: ReturnType<typeof useChatAlerts> }) {
  if (alerts.enabled)
    return (
      <button type="button" class="alerts on" title={`Notifications: ${alerts.permission}`} onClick={alerts.disable}>
        Alerts on
      </button>
    );
  return (
    <button type="button" class="alerts" onClick={() => void alerts.enable()}>
      Enable alerts
    </button>
  );
}
