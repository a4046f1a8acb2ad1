// What the visitor sees about people: the header line that follows the real state, the queue
// place and an honest wait estimate while they wait, and a plain notice when nobody is online
// or it is outside business hours (with when someone is back, and the e-mail capture).

import { useEffect, useState } from "preact/hooks";
import type { components } from "../shared/api";
import { EmailCaptureSlot } from "./EmailCaptureSlot";
import { whenBack, type Translate } from "./i18n";

export type Availability = components["schemas"]["AvailabilityReply"];
export type Wait = components["schemas"]["WaitReply"];
type Call = <T>(method: string, path: string, body?: unknown) => Promise<T>;

const AVAILABILITY_MS = 30_000;
const WAIT_MS = 10_000;

/** The company's availability (every 30 s) and, while the visitor waits, their place (10 s). */
export function usePeople(call: Call, chatId: string | null, waiting: boolean, live: boolean) {
  const [availability, setAvailability] = useState<Availability | null>(null);
  const [wait, setWait] = useState<Wait | null>(null);
  useEffect(() => {
    if (!live) return;
    let stop = false;
    const load = () =>
      call<Availability>("GET", "/v2/availability").then(
        (a) => !stop && setAvailability(a),
        () => undefined,
      );
    void load();
    const timer = window.setInterval(load, AVAILABILITY_MS);
    return () => {
      stop = true;
      window.clearInterval(timer);
    };
  }, [live]);
  useEffect(() => {
    if (!live || !waiting || !chatId) {
      setWait(null);
      return;
    }
    let stop = false;
    const load = () =>
      call<Wait>("GET", `/v2/chats/${chatId}/wait`).then(
        (w) => !stop && setWait(w),
        () => undefined,
      );
    void load();
    const timer = window.setInterval(load, WAIT_MS);
    return () => {
      stop = true;
      window.clearInterval(timer);
    };
  }, [live, waiting, chatId]);
  return { availability, wait };
}

/** "usually answers in N min" only when someone is in and there is data to say so. */
export function subtitle(t: Translate, a: Availability | null, agent: string | null, asked: boolean): string {
  if (agent) return t("header.agent", { agent });
  if (asked) return t("header.finding");
  if (!a) return t("header.assistant");
  if (a.state === "closed") return t("header.closed");
  if (a.state === "nobody_online") return t("header.nobody");
  if (a.typicalWaitSeconds != null) {
    return t("header.usually", { minutes: Math.max(1, Math.round(a.typicalWaitSeconds / 60)) });
  }
  return a.state === "busy" ? t("header.busy") : t("header.online");
}

export function WaitingNotice({ t, wait }: { t: Translate; wait: Wait | null }) {
  if (!wait || wait.position == null) return null;
  return (
    <div class="notice waiting" role="status">
      <div>{wait.position === 1 ? t("wait.next") : t("wait.position", { position: wait.position })}</div>
      <div>
        {wait.estimateSeconds != null
          ? t("wait.estimate", { minutes: Math.max(1, Math.round(wait.estimateSeconds / 60)) })
          : t("wait.noEstimate")}
      </div>
      <div class="hint">{t("wait.botHelps")}</div>
    </div>
  );
}

export function OfflineNotice({
  t,
  language,
  availability,
  chatId,
}: {
  t: Translate;
  language: string;
  availability: Availability | null;
  chatId: string | null;
}) {
  if (!availability || (availability.state !== "closed" && availability.state !== "nobody_online")) return null;
  const back = availability.nextOpening
    ? t("offline.back", { when: whenBack(availability.nextOpening, language) })
    : availability.state === "closed"
      ? t("offline.notSoon")
      : null;
  const offerEmail = availability.outsideHours === "offer_email";
  return (
    <div class="notice offline-notice" role="status" data-state={availability.state}>
      <div>{availability.state === "closed" ? t("offline.closed") : t("offline.nobody")}</div>
      {back && <div class="back">{back}</div>}
      {offerEmail ? (
        <EmailCaptureSlot chatId={chatId} language={language} prompt={t("offline.email")} />
      ) : (
        <div class="hint">{t("offline.botOnly")}</div>
      )}
    </div>
  );
}
