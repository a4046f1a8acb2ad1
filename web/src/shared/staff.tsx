// A staff member's sign-in, kept in sessionStorage (this tab only), with rotation of the refresh token.
// With two-factor sign-in on, the password answers a challenge and a TOTP code finishes the sign-in.

import { useEffect, useState } from "preact/hooks";
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

/** Half-way through a sign-in: the password was right, a code is due. */
export interface Challenge {
  challenge: string;
  enrolmentRequired: boolean;
}

interface LoginReply {
  totpRequired?: boolean;
  enrolmentRequired?: boolean;
  challenge?: string;
  access_token: string;
  refresh_token: string;
  expiresIn: number;
  user: StaffUser;
  recoveryCodes?: string[];
}

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

  async login(email: string, password: string): Promise<StaffUser | Challenge> {
    const reply = await request<LoginReply>(this.base, "POST", "/user/auth/login", null, { email, password });
    if (reply.totpRequired && reply.challenge) {
      return { challenge: reply.challenge, enrolmentRequired: Boolean(reply.enrolmentRequired) };
    }
    return this.signedIn(reply);
  }

  /** The second step: a TOTP or recovery code. Returns the recovery codes of a first enrolment. */
  async loginWithCode(challenge: string, code: string): Promise<string[] | null> {
    const reply = await request<LoginReply>(this.base, "POST", "/user/auth/login/totp", null, { challenge, code });
    this.signedIn(reply);
    return reply.recoveryCodes ?? null;
  }

  /** For an admin who must enrol before a first sign-in: the secret, shown once. */
  async enrolForLogin(challenge: string): Promise<{ secret: string; otpauthUri: string }> {
    return request(this.base, "POST", "/user/auth/login/totp/enrolment", null, { challenge });
  }

  private signedIn(reply: LoginReply): StaffUser {
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
  const [step, setStep] = useState<Challenge | null>(null);
  const [enrolment, setEnrolment] = useState<{ secret: string; otpauthUri: string } | null>(null);
  const [recovery, setRecovery] = useState<string[] | null>(null);
  const [error, setError] = useState("");
  const fail = (err: unknown) => setError(err instanceof Error ? err.message : String(err));

  const submit = async (e: Event) => {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const email = (form.elements.namedItem("email") as HTMLInputElement).value;
    const password = (form.elements.namedItem("password") as HTMLInputElement).value;
    try {
      const result = await session.login(email, password);
      if ("challenge" in result) {
        setError("");
        setStep(result);
        if (result.enrolmentRequired) setEnrolment(await session.enrolForLogin(result.challenge));
      } else onDone();
    } catch (err) {
      fail(err);
    }
  };

  const submitCode = async (e: Event) => {
    e.preventDefault();
    const code = ((e.target as HTMLFormElement).elements.namedItem("code") as HTMLInputElement).value.trim();
    try {
      const codes = await session.loginWithCode(step!.challenge, code);
      if (codes) setRecovery(codes);
      else onDone();
    } catch (err) {
      fail(err);
    }
  };

  if (recovery) {
    return (
      <div class="login">
        <h1>{title}</h1>
        <p>Two-factor sign-in is on. Keep these recovery codes somewhere safe: each works once, and they are not shown again.</p>
        <pre class="recovery-codes">{recovery.join("\n")}</pre>
        <button type="button" onClick={onDone}>
          Continue
        </button>
      </div>
    );
  }
  if (step) {
    return (
      <form class="login" onSubmit={submitCode}>
        <h1>{title}</h1>
        {enrolment && (
          <div class="enrolment">
            <p>Your company requires two-factor sign-in. Add this account to an authenticator app, then enter its code.</p>
            <code class="otpauth-uri">{enrolment.otpauthUri}</code>
            <p>
              Secret: <code class="totp-secret">{enrolment.secret}</code>
            </p>
          </div>
        )}
        <label>
          Authentication code <input name="code" inputMode="numeric" autoComplete="one-time-code" required maxLength={20} />
        </label>
        <button type="submit">Verify</button>
        <div class="login-error" role="alert">
          {error}
        </div>
        <p class="hint">The 6-digit code of your authenticator app, or a recovery code.</p>
      </form>
    );
  }
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
      <div class="login-error" role="alert">
        {error}
      </div>
      <p class="hint">The demo's staff and passwords are in var/demo-credentials.json.</p>
    </form>
  );
}

/** A signed-in staff member turns two-factor sign-in on (secret shown once) or off. */
export function TwoFactorPanel({ session, onClose }: { session: StaffSession; onClose: () => void }) {
  const [status, setStatus] = useState<{ enabled: boolean; recoveryCodesLeft: number } | null>(null);
  const [enrolment, setEnrolment] = useState<{ secret: string; otpauthUri: string } | null>(null);
  const [recovery, setRecovery] = useState<string[] | null>(null);
  const [error, setError] = useState("");
  const fail = (err: unknown) => setError(err instanceof Error ? err.message : String(err));
  useEffect(() => {
    session.call<{ enabled: boolean; recoveryCodesLeft: number }>("GET", "/user/totp").then(setStatus, fail);
  }, []);
  const start = async () => {
    try {
      setEnrolment(await session.call("POST", "/user/totp/enrolment"));
    } catch (err) {
      fail(err);
    }
  };
  const confirm = async (e: Event) => {
    e.preventDefault();
    const code = ((e.target as HTMLFormElement).elements.namedItem("code") as HTMLInputElement).value.trim();
    try {
      const reply = await session.call<{ recoveryCodes: string[] }>("POST", "/user/totp/confirm", { code });
      setRecovery(reply.recoveryCodes);
      setEnrolment(null);
      setStatus({ enabled: true, recoveryCodesLeft: reply.recoveryCodes.length });
    } catch (err) {
      fail(err);
    }
  };
  return (
    <div class="box two-factor">
      <h2>Two-factor sign-in</h2>
      {status && <p class="totp-state">{status.enabled ? `On · ${status.recoveryCodesLeft} recovery codes left` : "Off"}</p>}
      {status && !status.enabled && !enrolment && (
        <button type="button" class="primary totp-start" onClick={start}>
          Turn on
        </button>
      )}
      {enrolment && (
        <form onSubmit={confirm}>
          <p>Add this account to an authenticator app (the link, or the secret by hand), then enter its code.</p>
          <code class="otpauth-uri">{enrolment.otpauthUri}</code>
          <p>
            Secret: <code class="totp-secret">{enrolment.secret}</code>
          </p>
          <label>
            Code <input name="code" inputMode="numeric" autoComplete="one-time-code" required maxLength={6} />
          </label>
          <button type="submit" class="primary">
            Confirm
          </button>
        </form>
      )}
      {recovery && (
        <div>
          <p>Keep these recovery codes somewhere safe: each works once, and they are not shown again.</p>
          <pre class="recovery-codes">{recovery.join("\n")}</pre>
        </div>
      )}
      <div class="login-error" role="alert">
        {error}
      </div>
      <button type="button" onClick={onClose}>
        Done
      </button>
    </div>
  );
}

/** The page an invitation link opens: the invited staff member chooses a name and a password. */
export function InvitationForm({ session, token, onDone }: { session: StaffSession; token: string; onDone: () => void }) {
  const [error, setError] = useState("");
  const submit = async (e: Event) => {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const name = (form.elements.namedItem("name") as HTMLInputElement).value;
    const password = (form.elements.namedItem("password") as HTMLInputElement).value;
    try {
      await request(session.base, "POST", `/user/auth/invitations/${encodeURIComponent(token)}/accept`, null, { name, password });
      history.replaceState(null, "", location.pathname);
      onDone();
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  };
  return (
    <form class="login invitation" onSubmit={submit}>
      <h1>Join your team on Guiders</h1>
      <label>
        Your name <input name="name" autoComplete="name" required maxLength={200} />
      </label>
      <label>
        Choose a password <input name="password" type="password" autoComplete="new-password" required minLength={10} />
      </label>
      <button type="submit">Create my account</button>
      <div class="login-error" role="alert">
        {error}
      </div>
      <p class="hint">The link works once. Then sign in with your e-mail and this password.</p>
    </form>
  );
}
