// Shadow mode on the dashboard (GET /api/v2/bot/shadow): per topic, how often agents sent the
// bot's drafts unchanged; a topic past the threshold is proposed for graduation and an admin
// lets the bot answer it alone (POST /api/v2/bot/shadow/topics/{topic}/graduate).

import { useEffect, useState } from "preact/hooks";
import { ApiError } from "../shared/http";
import type { StaffSession } from "../shared/staff";

interface Topic {
  topic: string;
  drafts: number;
  sentUnchanged: number;
  edited: number;
  discarded: number;
  acceptance: number | null;
  proposed: boolean;
  graduated: boolean;
}

interface ShadowView {
  topics: Topic[];
  graduated: string[];
  policy: { acceptance: number; minDrafts: number };
}

export function ShadowPanel({ session }: { session: StaffSession }) {
  const [view, setView] = useState<ShadowView | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [hidden, setHidden] = useState(false);
  useEffect(() => {
    const load = () =>
      session
        .call<ShadowView>("GET", "/v2/bot/shadow")
        .then(setView)
        .catch((err) => (err instanceof ApiError && err.status === 403 ? setHidden(true) : setError(String(err))));
    void load();
    const timer = window.setInterval(load, 30_000);
    return () => window.clearInterval(timer);
  }, []);
  if (hidden || !view || view.topics.length === 0) return null;
  const admin = session.user?.role === "admin";
  const graduate = async (topic: string) => {
    try {
      setView(await session.call<ShadowView>("POST", `/v2/bot/shadow/topics/${encodeURIComponent(topic)}/graduate`));
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  };
  return (
    <div class="box panel" data-panel="shadow" style="margin:12px 14px 0">
      <h3>
        Shadow mode: drafts sent unchanged by topic (graduation at {Math.round(view.policy.acceptance * 100)} % over {view.policy.minDrafts} drafts)
      </h3>
      {error && <div class="err">{error}</div>}
      <ul style="margin:0;padding-left:18px">
        {view.topics.map((t) => (
          <li key={t.topic} data-topic={t.topic} data-state={t.graduated ? "graduated" : t.proposed ? "proposed" : "shadow"}>
            <b>{t.topic}</b>: {t.acceptance === null ? "–" : `${Math.round(t.acceptance * 100)} %`} of {t.drafts} drafts sent unchanged ({t.edited} edited,{" "}
            {t.discarded} discarded){" "}
            {t.graduated ? (
              <i>the bot answers it alone</i>
            ) : t.proposed ? (
              admin ? (
                <button data-action="graduate" onClick={() => graduate(t.topic)}>
                  Let the bot answer alone
                </button>
              ) : (
                <i>proposed: an admin confirms</i>
              )
            ) : null}
          </li>
        ))}
      </ul>
    </div>
  );
}
