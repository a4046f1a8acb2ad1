// A staff member's sign-in, kept in sessionStorage (this tab only), with rotation of the refresh token.

import { ApiError, request } from "./http";

export interface StaffUser {
  id: string;
  name: string | null;
  role: string | null;
  companyId: string;
}

interface Stored {
  access: string;
  refresh: string;
  expiresAt: number;
  user: StaffUser;
}

const KEY = "guiders:staff";

export class StaffSession {
  private state: Stored | null = null;
  private renewing: Promise<string> | null = null;
  readonly base = location.origin;

  constructor() {
    try {
      const raw = sessionStorage.getItem(KEY);
      this.state = raw ? (JSON.parse(raw) as Stored) : null;
    } catch {
      this.state = null;
    }
  }

  get user(): StaffUser | null {
    return this.state?.user ?? null;
  }

  async login(email: string, password: string): Promise<StaffUser> {
    const reply = await request<{ access_token: string; refresh_token: string; expiresIn: number; user: StaffUser }>(
      this.base,
      "POST",
      "/user/auth/login",
      null,
      { email, password },
    );
    this.state = {
      access: reply.access_token,
      refresh: reply.refresh_token,
      expiresAt: Date.now() + reply.expiresIn * 1000,
      user: reply.user,
    };
    this.save();
    return reply.user;
  }

  logout(): void {
    this.state = null;
    sessionStorage.removeItem(KEY);
  }

  private save(): void {
    if (this.state) sessionStorage.setItem(KEY, JSON.stringify(this.state));
  }

  async token(): Promise<string> {
    if (!this.state) throw new ApiError(401, "unauthorized", "Please sign in");
    if (this.state.expiresAt - Date.now() > 60_000) return this.state.access;
    this.renewing ??= this.renew().finally(() => (this.renewing = null));
    return this.renewing;
  }

  private async renew(): Promise<string> {
    const state = this.state!;
    const reply = await request<{ accessToken: string; refreshToken: string; expiresIn: number }>(
      this.base,
      "POST",
      "/user/auth/refresh",
      null,
      { refreshToken: state.refresh },
    );
    this.state = { ...state, access: reply.accessToken, refresh: reply.refreshToken, expiresAt: Date.now() + reply.expiresIn * 1000 };
    this.save();
    return reply.accessToken;
  }

  async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    return request<T>(this.base, method, path, await this.token(), body);
  }
}

export function LoginForm({ session, onDone, title }: { session: StaffSession; onDone: () => void; title: string }) {
  let email = "";
  let password = "";
  const submit = async (e: Event) => {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const out = form.querySelector(".login-error") as HTMLElement;
    email = (form.elements.namedItem("email") as HTMLInputElement).value;
    password = (form.elements.namedItem("password") as HTMLInputElement).value;
    try {
      await session.login(email, password);
      onDone();
    } catch (err) {
      out.textContent = err instanceof Error ? err.message : String(err);
    }
  };
  return (
    <form class="login" onSubmit={submit}>
      <h1>{title}</h1>
      <label>
        E-mail <input name="email" type="email" autoComplete="username" required />
      </label>
      <label>
        Password <input name="password" type="password" autoComplete="current-password" required />
      </label>
      <button type="submit">Sign in</button>
      <div class="login-error" role="alert" />
      <p class="hint">The demo's staff and passwords are in var/demo-credentials.json.</p>
    </form>
  );
}
