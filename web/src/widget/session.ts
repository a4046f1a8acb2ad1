// The visitor's identity on this site: registered once with the site key and the page's domain,
// tokens kept in localStorage so a reload (or a new tab) is the same visitor and the same chat.

import type { components } from "../shared/api";
import { ApiError, request } from "../shared/http";

type Schemas = components["schemas"];

export interface Stored {
  visitorId: string;
  accessToken: string;
  refreshToken: string;
  expiresAt: number;
  chatId: string | null;
  lastSeq: number;
}

/** What the socket sends on every (re)connect: the server replays every event after lastSeq. */
export interface Handshake {
  token: string;
  lastSeq: number;
  currentUrl: string;
  title: string;
}

type TokenReply = Schemas["VisitorTokens"] & Partial<Pick<Schemas["VisitorRegistered"], "visitorId">>;

export class VisitorSession {
  private state: Stored | null;
  private renewing: Promise<string> | null = null;
  /** Counts identity changes (an e-mailed link): a renewal started before one is discarded. */
  private generation = 0;

  constructor(
    readonly base: string,
    readonly siteKey: string,
  ) {
    this.state = this.load();
  }

  private get key(): string {
    return `guiders:${this.siteKey}`;
  }

  private load(): Stored | null {
    try {
      const raw = localStorage.getItem(this.key);
      return raw ? (JSON.parse(raw) as Stored) : null;
    } catch {
      return null;
    }
  }

  private save(): void {
    try {
      if (this.state) localStorage.setItem(this.key, JSON.stringify(this.state));
    } catch {
      /* storage full or blocked: the session still works for this page */
    }
  }

  get visitorId(): string | null {
    return this.state?.visitorId ?? null;
  }

  get chatId(): string | null {
    return this.state?.chatId ?? null;
  }

  set chatId(value: string | null) {
    if (this.state) {
      this.state.chatId = value;
      this.save();
    }
  }

  get lastSeq(): number {
    return this.state?.lastSeq ?? 0;
  }

  /** Keeps the highest event seq seen, so a reconnect resumes exactly after it. */
  seen(seq: unknown): void {
    if (this.state && typeof seq === "number" && seq > this.state.lastSeq) {
      this.state.lastSeq = seq;
      this.save();
    }
  }

  /** The socket's auth for a (re)connect from this page: resumes after the last event seen. */
  async handshake(currentUrl: string, title: string): Promise<Handshake> {
    const token = await this.token();
    return { token, lastSeq: this.lastSeq, currentUrl, title };
  }

  /** A valid access token: registers the first time, refreshes a minute before expiry. */
  async token(): Promise<string> {
    if (this.state && this.state.expiresAt - Date.now() > 60_000) return this.state.accessToken;
    this.renewing ??= this.renew().finally(() => (this.renewing = null));
    return this.renewing;
  }

  private async renew(): Promise<string> {
    const started = this.generation;
    const stale = () => started !== this.generation && this.state !== null;
    if (this.state) {
      try {
        const reply = await request<TokenReply>(this.base, "POST", "/auth/visitor/refresh", null, {
          refreshToken: this.state.refreshToken,
        });
        if (stale()) return this.state!.accessToken;
        this.adopt(reply);
        return reply.accessToken;
      } catch (err) {
        if (!(err instanceof ApiError) || err.status === 0) throw err;
      }
    }
    const reply = await request<TokenReply>(this.base, "POST", "/auth/visitor/register", null, {
      apiKey: this.siteKey,
      domain: location.hostname,
      fingerprint: fingerprint(),
      userAgent: navigator.userAgent,
    });
    // the page became another visitor meanwhile (resumeWith): keep that identity
    if (stale()) return this.state!.accessToken;
    this.state = null;
    this.adopt(reply);
    return reply.accessToken;
  }

  /** The visitor and chat of an e-mailed link (``POST /v2/chat-links/resume``): this browser
   * becomes that visitor, in that chat. */
  resumeWith(reply: TokenReply & { visitorId: string; chatId: string }): void {
    this.generation += 1;
    this.renewing = null;
    this.state = null;
    this.adopt(reply);
    this.chatId = reply.chatId;
  }

  private adopt(reply: TokenReply): void {
    this.state = {
      visitorId: reply.visitorId ?? this.state?.visitorId ?? "",
      accessToken: reply.accessToken,
      refreshToken: reply.refreshToken ?? this.state?.refreshToken ?? "",
      expiresAt: Date.now() + reply.expiresIn * 1000,
      chatId: this.state?.chatId ?? null,
      lastSeq: this.state?.lastSeq ?? 0,
    };
    this.save();
  }
}

function fingerprint(): string {
  const key = "guiders:fp";
  try {
    let fp = localStorage.getItem(key);
    if (!fp) {
      fp = Math.random().toString(36).slice(2) + Date.now().toString(36);
      localStorage.setItem(key, fp);
    }
    return fp;
  } catch {
    return "no-storage";
  }
}
